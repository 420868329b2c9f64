"""Tables, and the invariants the database holds for us."""
from .account import ROLES, ApiToken, AuditEntry, ConsoleUser
from .badge_job import BADGE_JOB_STATUSES, BadgeJob, BadgeJobResultChunk
from .calendar_revision import CalendarEventRevision, CalendarFeedRevision
from .delegate import CATEGORIES, LANGUAGES, Delegate, RouteBooking
from .data_key_check import DataKeyCheck
from .delegation import Delegation
from .outbox import OUTBOX_STATUSES, Message, OutboxMail
from .labels import MAX_CAPACITY, Accreditation, BookingStatus, DelegateCategory, DelegateStatus, NameOrder, ProgrammeKind, RegistrationMode, Role, ScanOutcome
from .summit import DEFAULT_PROTOCOL_LEVEL, PROGRAMME_KINDS, ProgrammeItem, ProtocolLevel, SeedRecord, Summit, VisitRoute
from .privacy import BOOKING_EVENT_KINDS, CONSENT_KINDS, BookingEvent, Consent, PrivacyNotice
from .read_version import ReadVersion
from .throttle import RateCounter
from .travel import DIRECTIONS, Flight, Hotel, HotelNight, PickupExport, RoomNight
from .types import utcnow
from .visa import VISA_LETTER_STATUSES, LetterSettings, Passport, VisaLetter
from .zones import SCAN_OUTCOMES, VENUE, Scan, Zone, ZoneEntry

__all__ = [
    "ROLES", "ApiToken", "AuditEntry", "ConsoleUser",
    "BADGE_JOB_STATUSES", "BadgeJob", "BadgeJobResultChunk",
    "CalendarEventRevision", "CalendarFeedRevision",
    "CATEGORIES", "LANGUAGES", "Delegate", "RouteBooking", "Delegation", "DataKeyCheck",
    "DEFAULT_PROTOCOL_LEVEL", "PROGRAMME_KINDS", "ProgrammeItem", "ProtocolLevel", "SeedRecord", "Summit", "VisitRoute",
    "OUTBOX_STATUSES", "Message", "OutboxMail",
    "BOOKING_EVENT_KINDS", "CONSENT_KINDS", "BookingEvent", "Consent", "PrivacyNotice",
    "DIRECTIONS", "Flight", "Hotel", "HotelNight", "PickupExport", "RoomNight",
    "RateCounter", "ReadVersion",
    "MAX_CAPACITY", "Accreditation", "BookingStatus", "DelegateCategory", "DelegateStatus", "NameOrder", "ProgrammeKind", "RegistrationMode", "Role",
    "utcnow",
    "VISA_LETTER_STATUSES", "LetterSettings", "Passport", "VisaLetter",
    "SCAN_OUTCOMES", "VENUE", "Scan", "Zone", "ZoneEntry", "ScanOutcome",
]
