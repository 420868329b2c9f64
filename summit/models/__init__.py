"""Tables, and the invariants the database holds for us."""
from .account import ROLES, ApiToken, AuditEntry, ConsoleUser
from .badge_job import BADGE_JOB_STATUSES, BadgeJob
from .delegate import CATEGORIES, LANGUAGES, Delegate, RouteBooking
from .labels import MAX_CAPACITY, BookingStatus, DelegateCategory, DelegateStatus, ProgrammeKind, Role
from .summit import PROGRAMME_KINDS, ProgrammeItem, SeedRecord, Summit, VisitRoute
from .throttle import RateCounter
from .types import utcnow

__all__ = [
    "ROLES", "ApiToken", "AuditEntry", "ConsoleUser",
    "BADGE_JOB_STATUSES", "BadgeJob",
    "CATEGORIES", "LANGUAGES", "Delegate", "RouteBooking",
    "PROGRAMME_KINDS", "ProgrammeItem", "SeedRecord", "Summit", "VisitRoute",
    "RateCounter",
    "MAX_CAPACITY", "BookingStatus", "DelegateCategory", "DelegateStatus", "ProgrammeKind", "Role",
    "utcnow",
]
