"""The API's request and response bodies, declared once as pydantic models.

The same classes validate what a request brings in (summit.api.validation) and give the
JSON Schemas of /api/v1/openapi.json (summit.api.openapi), so the document cannot say one
thing while the code checks another. Lengths and enumerations come from the constants the
services enforce.

What a model checks is the shape: which fields, of which JSON type. Rules that need the
database or the summit (an existing route, a real country, Latin-script names, a code that is
a badge's) stay in the services, which answer them with their own codes; where the document
states such a rule as a schema keyword, it is written with ``documented(...)`` (JSON Schema
only), next to the field it belongs to, from the same constant the service uses.

A field's ``Refusal`` is the text a caller gets in ``errors`` when that field is wrong; the
body is then refused with the contract's 422 (see summit.api.validation).
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic.json_schema import GenerateJsonSchema, SkipJsonSchema, models_json_schema

from ..models import (CATEGORIES, LANGUAGES, MAX_CAPACITY, PROGRAMME_KINDS, Accreditation, BookingStatus,
                      DelegateStatus, NameOrder, RegistrationMode)
from ..models.delegate import (EMAIL_MAX, JOB_TITLE_MAX, NAME_MAX, NATIVE_NAME_MAX, NEEDS_MAX, ORGANISATION_MAX,
                               PHONE_MAX, TITLE_MAX)
from ..models.delegation import DELEGATION_NAME_MAX, DELEGATION_PLACES_MAX, FOCAL_NAME_MAX
from ..models.types import ID_MAX
from ..models.visa import PASSPORT_NAME_MAX, PASSPORT_NUMBER_MAX, PASSPORT_NUMBER_MIN, VISA_LETTER_STATUSES
from ..services.badges.layouts import LAYOUTS
from ..services.accreditation.decisions import BULK_MAX, DECISIONS, REASON_MAX
from ..services.badges.selection import MAX_IDS
from ..services.registration.search import PAGE_MAX, PER_PAGE_DEFAULT, PER_PAGE_MAX, Q_MAX, SORTS


class Refusal:
    """What ``errors`` says about a field that fails its model (``missing``: when it is absent)."""

    def __init__(self, message: str, *, missing: str | None = None):
        self.message = message
        self.missing = missing or message


def documented(**keywords) -> Any:
    """JSON Schema keywords for the document alone: a service enforces the rule, with its own answer."""
    return Field(json_schema_extra=keywords)


#: a field a body may leave out (the document shows its type without null, as the services take it)
Omitted = SkipJsonSchema[None]


def _text(limit: int, **keywords) -> Any:
    return documented(maxLength=limit, **keywords)


class Schema(BaseModel):
    """A body as the contract has it: extra fields ignored (an answer may grow), strict JSON types."""

    model_config = ConfigDict(extra="ignore", strict=True)


# --- answers ---------------------------------------------------------------------------------------

class Error(Schema):
    error: Annotated[str, Field(description="machine-readable code, e.g. route_full")]
    message: str
    errors: dict[str, list[str]] | Omitted = None
    request_id: Annotated[str | Omitted, Field(description="on a 5xx: the reference to quote (also the "
                                                           "X-Request-ID response header)")] = None


class Bilingual(Schema):
    zh: str
    en: str


class AgendaItem(Schema):
    id: int
    kind: Literal[PROGRAMME_KINDS]  # type: ignore[valid-type]
    title: Bilingual
    starts_at: datetime
    ends_at: datetime
    venue: Annotated[str, Field(description="the room, in the language asked for (Accept-Language)")]
    venue_names: Bilingual | Omitted = None
    description: Bilingual | Omitted = None
    cancelled: bool | Omitted = None
    revision: int | Omitted = None


Count = Annotated[int, Field(ge=0)]


class Route(Schema):
    id: int
    code: str
    name: Bilingual
    stops: list[Bilingual]
    capacity: Count
    confirmed: Count
    remaining: Count
    waitlisted: Count
    note: Bilingual | Omitted = None
    meeting_point: Bilingual | Omitted = None
    meeting_address: Bilingual | Omitted = None
    description: Bilingual | Omitted = None
    transport: Bilingual | Omitted = None
    bring: Bilingual | Omitted = None
    departs_at: datetime | None = None
    returns_at: datetime | None = None


class RoutePlace(Schema):
    id: int
    status: Literal[BookingStatus.values()]  # type: ignore[valid-type]
    waitlist_position: Annotated[int, Field(ge=1)] | None
    code: str | Omitted = None


AccreditationState = Annotated[Literal[Accreditation.values()],  # type: ignore[valid-type]
                               Field(description="only approved delegates get a badge or a check-in")]
ProtocolLevelCode = Annotated[str, Field(description="a code of the summit's protocol_levels (GET /api/v1/summit)")]
Title = Annotated[str, Field(description='honorific, e.g. "H.E."; may be empty')]
DelegationId = Annotated[int | None, Field(description="the delegate's delegation (null: none)")]
NameOrderCode = Annotated[Literal[NameOrder.values()],  # type: ignore[valid-type]
                          Field(description="how the name is written: given_first (Ada LOVELACE) or family_first "
                                            "(ZHANG Wei)")]
DisplayName = Annotated[str, Field(description="the name as badges, lists, mails and exports write it: in "
                                               "name_order, the family name in capitals")]


class PassportShown(Schema):
    number: Annotated[str, Field(description="masked: only its last 4 characters (****1234)")]
    nationality: Annotated[str, Field(description="ISO 3166-1 alpha-2")]
    date_of_birth: Annotated[str, Field(json_schema_extra={"format": "date"})]
    expires_on: Annotated[str, Field(json_schema_extra={"format": "date"})]
    name: Annotated[str, Field(description="the name as printed in the passport")]


class VisaLetterState(Schema):
    status: Literal[VISA_LETTER_STATUSES]  # type: ignore[valid-type]
    serial: Annotated[str | None, Field(description="set once issued; the QR code opens /verify/<serial>")]
    issued_at: datetime | None


class VisaFields(Schema):
    visa_letter: VisaLetterState | None
    passport: PassportShown | None
# --- travel: flights and the hotel (tr-travel; summit/services/travel/) ---------------------------

class Flight(Schema):
    at: Annotated[str, Field(description="ISO 8601 with the offset (the summit's zone in answers)",
                             json_schema_extra={"format": "date-time"})]
    flight: Annotated[str, Field(description='the IATA designator, normalised: "ca 981" is "CA981"')]
    airport: Annotated[str, Field(description="IATA airport code, e.g. PEK or PKX")]


class FlightInput(Schema):
    # Shapes here; the designator's form, the airport and the order are the service's (travel/flights.py).
    at: Annotated[StrictStr, documented(maxLength=40, description="ISO 8601 with its offset, e.g. "
                                                                  "2024-09-24T14:30:00+08:00"),
                  Refusal("an ISO 8601 time with its offset")]
    flight: Annotated[StrictStr, documented(maxLength=16, description='e.g. "CA981" (spaces and case are '
                                                                      'normalised)'),
                      Refusal("a flight number such as CA981")]
    airport: Annotated[StrictStr, documented(maxLength=16, description="IATA airport code"),
                       Refusal("an IATA airport code such as PEK")]


class HotelStay(Schema):
    hotel_id: int
    code: str
    nights: list[Annotated[str, Field(json_schema_extra={"format": "date"})]]


class HotelChoice(Schema):
    hotel_id: Annotated[StrictInt | None, documented(minimum=1, maximum=ID_MAX), Refusal("a hotel id, or null")]
    nights: Annotated[list[StrictStr] | Omitted, documented(maxItems=31, items={"type": "string", "format": "date"},
                                                            description="the nights, each by its date (the night "
                                                                        "from that date to the next)"),
                      Refusal("a list of dates YYYY-MM-DD")] = None


class TravelFields(Schema):
    arrival: Annotated[FlightInput | None | Omitted, Field(description="null clears it"),
                       Refusal('the arrival: {"at", "flight", "airport"} or null')] = None
    departure: Annotated[FlightInput | None | Omitted, Field(description="null clears it"),
                         Refusal('the departure: {"at", "flight", "airport"} or null')] = None
    hotel: Annotated[HotelChoice | None | Omitted, Field(description="a room in a hotel's block for these "
                                                                     "nights; null gives it up (409 hotel_full: "
                                                                     "`alternative` names the next nearest hotel "
                                                                     "with room)"),
                     Refusal('the hotel: {"hotel_id", "nights"} or null')] = None


class Registration(Schema):
    id: int
    status: Literal[DelegateStatus.REGISTERED.value]  # type: ignore[valid-type]
    route: RoutePlace | None
    waiting: Annotated[RoutePlace | None | Omitted, Field(
        description="a full route waited for while keeping the confirmed place in route (keep_place)")] = None
    accreditation: AccreditationState
    protocol_level: ProtocolLevelCode
    title: Title
    delegation_id: DelegationId
    name_order: NameOrderCode
    display_name: DisplayName
    visa_letter: Annotated[VisaLetterState | None | Omitted, Field(
        description="the invitation letter asked for (null: none)")] = None
    passport: Annotated[PassportShown | None | Omitted, Field(
        description="the passport given for it, the number masked")] = None
    token: Annotated[str | Omitted, Field(description="the delegate's secret (only in the 201 answer)")] = None
    manage_url: Annotated[str, Field(json_schema_extra={"format": "uri"})]
    calendar_url: Annotated[str, Field(json_schema_extra={"format": "uri"})]
    arrival: Flight | None | Omitted = None
    departure: Flight | None | Omitted = None
    hotel: HotelStay | None | Omitted = None


class Delegate(Schema):
    id: int
    given_name: str
    family_name: str
    native_name: str
    email: str
    organisation: str
    country: str
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    route: RoutePlace | None
    checked_in_at: datetime | None
    accreditation: AccreditationState
    protocol_level: ProtocolLevelCode
    title: Title
    delegation_id: DelegationId
    name_order: NameOrderCode
    display_name: DisplayName


class DelegatePage(Schema):
    delegates: list[Delegate]
    page: int | Omitted = None
    per_page: int | Omitted = None
    total: int | Omitted = None


class Agenda(Schema):
    items: list[AgendaItem]


class Routes(Schema):
    routes: list[Route]


class TooManyBadges(Schema):
    error: Annotated[str, Field(description="too_many_badges (payload_too_large for a body over 1 MiB)")]
    message: str
    limit: Annotated[int | Omitted, Field(description="the most badges one request renders (BADGE_SYNC_LIMIT)")] = None
    requested: Annotated[int | Omitted, Field(description="how many were asked for")] = None
    batch_url: Annotated[str | Omitted, Field(description="the staff desk's page for printing a batch")] = None


class ProtocolLevel(Schema):
    code: str
    name: Bilingual
    rank: Annotated[int, Field(ge=1, description="1 is the highest precedence")]


class SummitInfo(Schema):
    slug: str
    name: Bilingual
    registration_mode: Literal[RegistrationMode.values()]  # type: ignore[valid-type]
    protocol_levels: Annotated[list[ProtocolLevel], Field(description="highest precedence first")]


class DelegationCreated(Schema):
    id: int
    name: Bilingual
    country: str
    places: Count
    token: Annotated[str, Field(description="the focal point's secret (only in this answer); "
                                            "Authorization: Bearer it for /api/v1/delegations/self")]
    invitation_url: Annotated[str, Field(description="the focal point's page (mailed to them)",
                                         json_schema_extra={"format": "uri"})]


class DelegationSummary(Schema):
    id: int
    name: Bilingual
    country: str
    places: Count
    members: Annotated[int, Field(ge=0, description="live members (a cancelled member frees a place)")]


class Delegations(Schema):
    delegations: list[DelegationSummary]


class DelegationMember(Schema):
    """A member as the focal point sees them: a registration body without its secrets."""

    id: int
    status: Literal[DelegateStatus.REGISTERED.value]  # type: ignore[valid-type]
    route: RoutePlace | None
    accreditation: AccreditationState
    protocol_level: ProtocolLevelCode
    title: Title
    delegation_id: DelegationId
    given_name: str
    family_name: str
    native_name: str
    email: str
    organisation: str
    country: str
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    name_order: NameOrderCode
    display_name: DisplayName
    language: Literal[LANGUAGES]  # type: ignore[valid-type]


class DelegationSelf(Schema):
    id: int
    name: Bilingual
    country: str
    places: Count
    members: list[DelegationMember]


class CheckinResult(Schema):
    delegate: Delegate
    checked_in_at: Annotated[datetime, Field(description="the first entry of this zone and summit day")]
    zone: Annotated[str, Field(description="the zone's code")]
    entry_id: Annotated[int | Omitted, Field(description="the entry, for a supervisor's undo")] = None


class ZoneSummary(Schema):
    code: str
    name: Bilingual


class Zones(Schema):
    zones: list[ZoneSummary]


class RosterEntry(Schema):
    code_sha256: Annotated[str, Field(description="hex SHA-256 of the badge code's text")]
    delegate_id: int
    name: str
    native_name: str
    organisation: str
    country: str
    admitted: Annotated[bool, Field(description="whether the door lets this badge in today")]
    checked_in_at: datetime | None
    status: Annotated[Literal["admitted", "not_admitted", "not_accredited", "revoked"] | Omitted,
                      Field(description="why admitted is what it is; revoked: an older version of a reissued "
                                        "badge")] = None
    reissued_at: datetime | None | Omitted = None
    category: str | Omitted = None
    level: Annotated[str | Omitted, Field(description="the protocol level's code")] = None


class Roster(Schema):
    zone: str
    generated_at: datetime
    entries: list[RosterEntry]


class AuditEntry(Schema):
    at: datetime
    actor: Annotated[str, Field(description="the account's email; `delegate` for a delegate's own doing (their "
                                            "data copy, say); `system` for the command line (the purge)")]
    action: Annotated[str, Field(description="`download` for a download of personal data; otherwise the change, "
                                             "e.g. `delegate.update`")]
    detail: Annotated[str, Field(description="readable: what, with which filter, how many delegates (a search "
                                             "text `q` is the organiser's query, kept as asked)")]
    what: Annotated[str | Omitted, Field(description="the download or the kind of thing changed")] = None
    delegate_id: Annotated[int | None | Omitted, Field(description="the one delegate a download is about")] = None
    filters: Annotated[dict[str, Any] | Omitted, Field(description="a download's filters, as asked")] = None
    count: Annotated[int | None | Omitted, Field(description="how many delegates a download held")] = None


class AuditPage(Schema):
    entries: Annotated[list[AuditEntry], Field(description="newest first")]
    page: int
    per_page: int
    total: int


class BadgeReissued(Schema):
    badge_version: Annotated[int, Field(description="the new version; every older badge's code is revoked")]


#: the outcomes of a synced scan (invalid_scan: malformed, not stored; invalid_scanned_at: its time is more
#: than 10 minutes ahead of the server's clock, or before the summit's first day; stored)
SYNC_OUTCOMES = ("checked_in", "already_checked_in", "not_admitted", "not_accredited", "badge_revoked",
                 "unknown_code", "invalid_scanned_at", "invalid_scan")


class SyncScan(Schema):
    id: Annotated[str, Field(description="the device's UUID for the scan: sending it again changes nothing")]
    code: Annotated[str, documented(maxLength=10_000), Field(description="the badge code's text as scanned")]
    zone: Annotated[str, Field(description="a zone code (GET /api/v1/zones)")]
    scanned_at: Annotated[datetime, Field(description="ISO 8601 with the offset, the device's clock")]


class SyncInput(Schema):
    # Any JSON value an item: each scan is validated on its own, a malformed one answers invalid_scan (200)
    scans: Annotated[list[Any], documented(maxItems=5000),
                     Field(description="at most 5000 (413 beyond), each a SyncScan "
                                       "{id: UUID, code, zone, scanned_at}; each is validated on its own: a "
                                       "malformed one is answered `invalid_scan` without spoiling the others")]
    device: Annotated[str | Omitted, documented(maxLength=100), Field(description="the door or device")] = None


class SyncResult(Schema):
    id: Annotated[Any, Field(description="the scan's id as sent (null when a malformed scan's was not a "
                                         "string or number)")]
    outcome: Annotated[Literal[SYNC_OUTCOMES], Field(description=(  # type: ignore[valid-type]
        "checked_in, already_checked_in, not_admitted, not_accredited, badge_revoked, unknown_code; "
        "invalid_scanned_at: scanned_at is more than 10 minutes ahead of the server's clock or before the "
        "summit's first day (stored, final like the others); invalid_scan: malformed (id not a UUID, code not "
        "a string, unknown zone, scanned_at not ISO 8601 with an offset), not stored, `error` says why"))]
    checked_in_at: Annotated[datetime | None, Field(description="the entry's time (the earliest admitting "
                                                                "scan) for checked_in and already_checked_in")]
    error: str | Omitted = None


class SyncResults(Schema):
    results: list[SyncResult]


# --- requests --------------------------------------------------------------------------------------

#: a route's id, or null for none; an id no route has is the service's 422 (unknown route)
RouteId = Annotated[StrictInt | None, documented(minimum=1, maximum=ID_MAX)]


class PassportInput(Schema):
    """Checked by summit.services.travel.passports (the number kept as typed: only its length and characters)."""

    number: Annotated[str, _text(PASSPORT_NUMBER_MAX, minLength=PASSPORT_NUMBER_MIN)]
    nationality: Annotated[str, documented(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")]
    date_of_birth: Annotated[str, documented(format="date")]
    expires_on: Annotated[str, documented(format="date", description="at least six months after the summit's end")]
    name: Annotated[str, _text(PASSPORT_NAME_MAX, minLength=1, description="as printed, Latin script")]


class _VisaFields(Schema):
    visa_letter: Annotated[bool | Omitted, Field(
        description="true: ask for a visa invitation letter (needs passport; refused after the letter "
                    "deadline, 422 letter_deadline_passed)")] = None
    passport: PassportInput | Omitted = None
    sensitive_consent: Annotated[bool | Omitted, Field(
        description="the separate consent for sensitive personal data: required (422) with a passport, "
                    "and with dietary or accessibility needs")] = None


class PassportChange(Schema):
    """PUT /registrations/self/passport: ask, correct (a changed passport revokes the letter and reissues
    it) or withdraw (visa_letter false without a passport)."""

    visa_letter: Annotated[bool, Field(description="true: the delegate wants a letter")]
    passport: PassportInput | Omitted = None
    sensitive_consent: Annotated[bool | Omitted, Field(
        description="required (422) with a passport unless the delegate's sensitive-data consent is in force")] = None


class _DelegateFields(_VisaFields):
    # Documented here, checked by summit.services.registration.delegate_input: the same rules serve the
    # registration form, and they clean before they measure (NFC, trimmed), so a model could not state them.

    title: Annotated[str | Omitted, _text(TITLE_MAX, description='honorific, e.g. "H.E." (protocol_level is '
                                                                 'the organisers\' to set: sending it is 422)')] = None
    given_name: Annotated[str, _text(NAME_MAX, minLength=1, description="Latin script")]
    family_name: Annotated[str, _text(NAME_MAX, minLength=1, description="Latin script")]
    name_order: Annotated[Literal[NameOrder.values()] | Omitted,  # type: ignore[valid-type]
                          Field(description="given_first or family_first; left out: the custom of the country "
                                            "or of the native name's script (family first for CN, JP, KR, VN, "
                                            "HU…, or a name in Han, kana or Hangul)")] = None
    native_name: Annotated[str | Omitted, _text(NATIVE_NAME_MAX,
                                                description="the name in the delegate's own script")] = None
    email: Annotated[str, _text(EMAIL_MAX, format="email")]
    organisation: Annotated[str, _text(ORGANISATION_MAX, minLength=1)]
    job_title: Annotated[str | Omitted, _text(JOB_TITLE_MAX)] = None
    phone: Annotated[str | Omitted, _text(PHONE_MAX)] = None
    country: Annotated[str, documented(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")]
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    route_id: RouteId = None
    join_waitlist: bool | Omitted = None
    banquet: bool | Omitted = None
    dietary_needs: Annotated[str | Omitted, _text(NEEDS_MAX)] = None
    accessibility_needs: Annotated[str | Omitted, _text(NEEDS_MAX)] = None
    language: Literal[LANGUAGES] | Omitted = None  # type: ignore[valid-type]


class RegistrationInput(_DelegateFields, TravelFields):
    consent: Literal[True]
    sensitive_consent: Annotated[bool | Omitted, Field(
        description="the separate consent to sensitive personal information (PIPL art. 29, GDPR art. 9): "
                    "required (true) when dietary_needs or accessibility_needs are given, 422 otherwise")] = None


class MemberInput(_DelegateFields):
    """A registration body for a delegation's member, without consent: the focal point's covers them."""


class BilingualName(Schema):
    zh: Annotated[StrictStr, _text(DELEGATION_NAME_MAX, minLength=1)]
    en: Annotated[StrictStr, _text(DELEGATION_NAME_MAX, minLength=1)]


class FocalPoint(Schema):
    name: Annotated[StrictStr, _text(FOCAL_NAME_MAX, minLength=1)]
    email: Annotated[StrictStr, _text(EMAIL_MAX, format="email")]
    language: Annotated[Literal[LANGUAGES] | Omitted,  # type: ignore[valid-type]
                        Field(description="the language of their later mails (default: from the country); "
                                          "the invitation is in both")] = None


class DelegationInput(Schema):
    # The shape here; the text rules, the country and the email are the service's (accreditation.delegations).
    name: Annotated[BilingualName, Refusal("the delegation's name in Chinese and English: {\"zh\", \"en\"}")]
    country: Annotated[StrictStr, documented(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2"),
                       Refusal("an ISO 3166-1 alpha-2 code")]
    focal_point: Annotated[FocalPoint, Refusal("the focal point: {\"name\", \"email\"}")]
    places: Annotated[StrictInt, Field(ge=0, le=DELEGATION_PLACES_MAX),
                      Refusal(f"a whole number from 0 to {DELEGATION_PLACES_MAX}")]


class RouteChoice(Schema):
    route_id: Annotated[RouteId, Refusal("must be a route id (integer) or null",
                                         missing="required: a route id, or null for no route")]
    join_waitlist: Annotated[StrictBool | Omitted, Refusal("must be true or false")] = None
    keep_place: Annotated[StrictBool | Omitted, Field(
        description="with join_waitlist, on a full route: keep the confirmed place held now until promoted "
                    "(the two then swap)"), Refusal("must be true or false")] = None


class SelfChange(RouteChoice, TravelFields):
    """The self-service PATCH: a route choice, travel, or both (route_id left out: the route stays as it is,
    when the body carries arrival, departure or hotel)."""

    route_id: Annotated[RouteId | Omitted, Refusal("must be a route id (integer) or null",
                                                   missing="required: a route id, or null for no route")] = None


class Arrival(Schema):
    delegate_id: int
    name: DisplayName
    flight: str
    airport: str
    at: Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Arrivals(Schema):
    arrivals: Annotated[list[Arrival], Field(description="in time order")]


class CapacityChange(Schema):
    capacity: Annotated[StrictInt, Field(ge=0, le=MAX_CAPACITY),
                        Refusal(f"a whole number from 0 to {MAX_CAPACITY}",
                                missing=f"required: a whole number from 0 to {MAX_CAPACITY}")]


class RegistrationModeChange(Schema):
    registration_mode: Annotated[Literal[RegistrationMode.values()],  # type: ignore[valid-type]
                                 Refusal(f"one of {', '.join(RegistrationMode.values())}",
                                         missing=f"required: one of {', '.join(RegistrationMode.values())}")]


class AccreditationDecision(Schema):
    decision: Annotated[Literal[tuple(DECISIONS)],  # type: ignore[valid-type]
                        Refusal("approve or reject", missing="required: approve or reject")]
    reason: Annotated[StrictStr | None, documented(maxLength=REASON_MAX),
                      Field(description="why (null: none given); a rejection's reason is mailed to the delegate"),
                      Refusal(f"text of at most {REASON_MAX} characters")] = None


class BulkDecision(Schema):
    # How many, and repeats, are summit.services.accreditation.decisions.clean_ids's rule: it counts distinct ids.
    ids: Annotated[list[Annotated[StrictInt, Field(ge=1, le=ID_MAX)]], documented(minItems=1, maxItems=BULK_MAX),
                   Field(description="the delegates to decide on, all or none (repeats count once)"),
                   Refusal("a list of delegate ids, e.g. [1, 2, 3]",
                           missing="required: a list of delegate ids, e.g. [1, 2, 3]")]
    decision: Annotated[Literal[tuple(DECISIONS)],  # type: ignore[valid-type]
                        Refusal("approve or reject", missing="required: approve or reject")]
    reason: Annotated[StrictStr | None, documented(maxLength=REASON_MAX),
                      Field(description="required to reject (mailed to each delegate); optional to approve"),
                      Refusal(f"text of at most {REASON_MAX} characters")] = None


class BulkDecided(Schema):
    id: int
    accreditation: AccreditationState
    previous: Annotated[Literal[Accreditation.values()],  # type: ignore[valid-type]
                        Field(description="the accreditation before this decision")]


class BulkDecisionResult(Schema):
    decision: Literal[tuple(DECISIONS)]  # type: ignore[valid-type]
    decided: Annotated[int, Field(ge=0, description="how many delegates were decided on")]
    changed: Annotated[int, Field(ge=0, description="how many of them had another accreditation before")]
    delegates: Annotated[list[BulkDecided], Field(description="in the order of ids")]


class DelegateProtocolChange(Schema):
    # Which codes exist is the summit's (accreditation.levels answers an unknown one with its 422).
    protocol_level: Annotated[StrictStr | Omitted, Field(description="a code of the summit's protocol_levels"),
                              Refusal("a protocol level's code")] = None
    title: Annotated[StrictStr | None, documented(maxLength=TITLE_MAX), Field(description="null or empty: no title"),
                     Refusal("text (an honorific)")] = None
    name_order: Annotated[Literal[NameOrder.values()] | Omitted,  # type: ignore[valid-type]
                          Field(description="given_first or family_first"),
                          Refusal(f"one of {', '.join(NameOrder.values())}")] = None


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("blank")
    return text


class CheckinInput(Schema):
    # Any text is looked up: a blank one is refused here, an overlong or altered one is the service's 404.
    # Blank is what str.strip() says (a JSON Schema \S differs on a few control characters).
    code: Annotated[StrictStr, AfterValidator(_not_blank), documented(minLength=1, maxLength=500, pattern=r"\S"),
                    Field(description="the text of the badge's QR code (not blank)"),
                    Refusal("the badge's check-in code (a string) is required")]
    zone: Annotated[StrictStr | Omitted, documented(maxLength=40),
                    Field(description="the zone's code (GET /api/v1/zones); default venue"),
                    Refusal("a zone code (a string)")] = None
    device: Annotated[StrictStr | Omitted, documented(maxLength=100),
                      Field(description="the door or scanner, for the scan history"),
                      Refusal("text (the door or scanner's name)")] = None


class UndoInput(Schema):
    reason: Annotated[StrictStr, documented(minLength=1, maxLength=500),
                      Field(description="why the check-in is undone (audited)"),
                      Refusal("a reason (text) is required", missing="a reason is required")]


class BadgeSelection(Schema):
    """ids, or all: true (all wins; malformed ids are 422 even beside it)"""

    model_config = ConfigDict(extra="forbid", strict=True)

    # How many, and repeats, are summit.services.badges.selection.json_ids's rule: it counts distinct ids.
    ids: Annotated[list[Annotated[StrictInt, Field(ge=1, le=ID_MAX)]] | Omitted,
                   documented(minItems=1, maxItems=MAX_IDS),
                   Field(description="delegate ids, printed in this order (repeats printed once)"),
                   Refusal("a list of delegate ids, e.g. [1, 2, 3]")] = None
    all: Annotated[StrictBool, Field(description="every registered delegate"), Refusal("true or false")] = False
    layout: Annotated[Literal[tuple(LAYOUTS)] | Omitted,  # type: ignore[valid-type]
                      Field(json_schema_extra={"default": "a6"}),
                      Refusal(f"one of {', '.join(LAYOUTS)}")] = None


# --- query strings ---------------------------------------------------------------------------------
# Documented here, parsed by the services (registration.search, badges.selection), whose parsers
# the console's pages share: a query is text, read with those pages' rules (an empty value is the
# default, digits are ASCII), which a model of typed fields would not say the same way.

class DelegateQuery(Schema):
    q: Annotated[str | Omitted, documented(maxLength=Q_MAX),
                 Field(description="part of a Latin or native name, email or organisation "
                                   "(literal, case-insensitive)")] = None
    page: Annotated[int, documented(minimum=1, maximum=PAGE_MAX)] = 1
    per_page: Annotated[int, documented(minimum=1, maximum=PER_PAGE_MAX)] = PER_PAGE_DEFAULT
    accreditation: Literal[Accreditation.values()] | Omitted = None  # type: ignore[valid-type]
    protocol_level: Annotated[str | Omitted, Field(description="a protocol level's code")] = None
    delegation_id: Annotated[int | Omitted, documented(minimum=1, maximum=ID_MAX),
                             Field(description="members of this delegation")] = None
    sort: Annotated[Literal[tuple(SORTS)] | Omitted,  # type: ignore[valid-type]
                    Field(description="name (family name), registered, country, organisation (a leading - "
                                      "reverses name and registered), or precedence: protocol level rank "
                                      "(GET /api/v1/summit), then family and given name"),
                    Field(json_schema_extra={"default": "name"})] = None


class AuditQuery(Schema):
    page: Annotated[int, documented(minimum=1, maximum=PAGE_MAX)] = 1
    per_page: Annotated[int, documented(minimum=1, maximum=PER_PAGE_MAX)] = PER_PAGE_DEFAULT
    action: Annotated[str | Omitted, documented(maxLength=60),
                      Field(description="only this action (`download`: every download of personal data)")] = None
    kind: Annotated[Literal["downloads", "changes"] | Omitted,
                    Field(description="downloads only, or changes only")] = None


class BadgeQuery(Schema):
    ids: Annotated[str | Omitted, documented(pattern="^[0-9]+(,[0-9]+)*$")] = None
    all: Literal["1", "true"] | Omitted = None
    layout: Literal[tuple(LAYOUTS)] | Omitted = None  # type: ignore[valid-type]


# --- the document's JSON Schemas -------------------------------------------------------------------

class _DocumentSchemas(GenerateJsonSchema):
    """JSON Schema 2020-12 as OpenAPI 3.1 takes it, without pydantic's titles and ``default: null``s."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def model_schema(self, schema):
        json_schema = super().model_schema(schema)
        json_schema.pop("title", None)
        return json_schema

    def default_schema(self, schema):
        json_schema = super().default_schema(schema)
        if schema.get("default") is None or schema.get("default") is False:
            json_schema.pop("default", None)
        return json_schema

    def nullable_schema(self, schema):
        json_schema = super().nullable_schema(schema)
        options = json_schema.get("anyOf", [])
        if len(options) == 2 and options[1] == {"type": "null"} and isinstance(options[0].get("type"), str):
            return {**options[0], "type": [options[0]["type"], "null"]}
        return json_schema


#: every model the document names, in its order
MODELS = (Error, Bilingual, AgendaItem, Route, RoutePlace, RegistrationInput, Registration, RouteChoice,
          Delegate, BadgeSelection, TooManyBadges, CheckinResult, Agenda, Routes, DelegatePage, CapacityChange,
          CheckinInput, ProtocolLevel, SummitInfo, RegistrationModeChange, AccreditationDecision,
          DelegateProtocolChange, DelegationInput, BilingualName, FocalPoint, DelegationCreated, DelegationSummary,
          Delegations, DelegationMember, DelegationSelf, MemberInput,
          BulkDecision, BulkDecided, BulkDecisionResult,
          ZoneSummary, Zones, RosterEntry, Roster, BadgeReissued, SyncScan, SyncInput, SyncResult, SyncResults,
          UndoInput, AuditEntry, AuditPage, PassportInput, PassportShown, VisaLetterState, VisaFields,
          PassportChange, Flight, FlightInput, HotelStay, HotelChoice, TravelFields, SelfChange, Arrival, Arrivals)
REF_TEMPLATE = "#/components/schemas/{model}"


def component_schemas() -> dict:
    """components.schemas of the OpenAPI document, one per model, each referring to the others by $ref."""
    _, top = models_json_schema([(model, "validation") for model in MODELS], ref_template=REF_TEMPLATE,
                                schema_generator=_DocumentSchemas)
    return top["$defs"]


def query_parameters(model: type[Schema]) -> list[dict]:
    """An operation's query parameters, one per field of ``model`` (its description beside the schema)."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=_DocumentSchemas)
    parameters = []
    for name, field in schema["properties"].items():
        field = dict(field)
        description = field.pop("description", None)
        parameter = {"name": name, "in": "query", "schema": field}
        if name in schema.get("required", ()):
            parameter["required"] = True
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters
