"""Delegations and their focal points: an organiser creates one, its focal point sends in its members.

The focal point needs no account: the invitation mail carries a secret link (stored as its sha256,
revocable, reissued as a new secret). Through it they add, edit and withdraw members. A member is a
delegate like any other, checked by the registration rules themselves (registration/delegate_input.py),
with their own manage link and confirmation mail, and a route place by the capacity rule
(visits/capacity.py); the focal point's consent covers them. A member starts pending unless the summit
is open, and a delegation works in every registration mode, invitation included.

The delegation's places hold under concurrency as a route's seats do (delegation_places.py): one
conditional UPDATE in the member's own write transaction, and a CHECK. Every live member holds a
place, whatever their accreditation; cancelling one (registration.cancel, whoever asks) frees it.

What the faces and the importer call (all plain functions; errors are ServiceErrors with a code):

- ``create_delegation(summit, data, user) -> Issued``; ``reissue_link(summit, delegation_id, user) -> Issued``;
  ``revoke_link(summit, delegation_id, user) -> Delegation`` (organisers; audited; create and reissue mail
  the focal point the bilingual invitation)
- ``list_delegations(summit) -> list[Delegation]`` (``members_live`` is the live member count);
  ``get_delegation(summit, delegation_id) -> Delegation``
- ``delegation_for_token(token) -> Delegation``: UnknownDelegationLink (404) or DelegationRevoked (410)
- ``members(delegation) -> list[Delegate]``; ``member(delegation, delegate_id) -> Delegate``
- ``add_member(delegation, data) -> Registered``; ``add_members(delegation_id, rows, *, dry_run=False) -> int``
- ``update_member(delegation, delegate_id, data)``; ``choose_member_route(delegation, delegate_id, data)``;
  ``withdraw_member(delegation, delegate_id)``; ``resend_member_link(delegation, delegate_id)``
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ...models import ConsoleUser, Delegate, Delegation, RouteBooking, Summit, VisitRoute, utcnow
from ...models.delegation import DELEGATION_NAME_MAX, DELEGATION_PLACES_MAX, FOCAL_NAME_MAX
from ...models.labels import BookingStatus, DelegateStatus
from ...models.types import ID_MAX
from ...plumbing import text_input
from ...plumbing.database import insert_row, writing
from ...plumbing.errors import Conflict, NotFound, ServiceError, ValidationFailed
from ...plumbing.extensions import db
from ...plumbing.secrets import new_token, token_hash
from ...plumbing.urls import manage_url
from ..console import audit
from ..registration import delegates as registration
from ..registration import new_links
from ..registration.countries import COUNTRY_CODES
from ..travel import letters, passports
from ..registration.delegate_input import Cleaned, clean_delegate, raise_if_invalid
from ..privacy import consents
from ..registration.delegates import EmailTaken, Registered, _is_email_clash, _route_choice
from ..registration.mail import send_new_link, send_registration_confirmation
from ..visits import capacity as places
from ..visits.capacity import waitlist_position
from . import delegation_mail
from . import delegation_places as seats
from .modes import initial_accreditation

#: longer than any secret we hand out: such a "token" is no secret of ours (and is not hashed)
_TOKEN_MAX = 200
#: the focal point's mails after the (bilingual) invitation: Chinese for these, English otherwise
_CHINESE_SPEAKING = frozenset({"CN", "TW", "HK", "MO", "SG"})


class DelegationFull(Conflict):
    """Every place of the delegation is held by a live member (a withdrawn member frees one)."""

    code = "delegation_full"


class UnknownDelegationLink(NotFound):
    code = "unknown_delegation"


class DelegationRevoked(ServiceError):
    """The link was revoked by the organisers (a reissued link replaces it)."""

    code = "delegation_revoked"
    status = 410


class MemberRowsInvalid(ValidationFailed):
    """Bulk add refused: ``row_errors`` maps a row's 0-based index to its field errors; nothing was created."""

    code = "validation_failed"

    def __init__(self, row_errors: dict[int, dict[str, list]]):
        first = min(row_errors)
        super().__init__({f"row {index}": [m for messages in fields.values() for m in messages]
                          for index, fields in sorted(row_errors.items())},
                         f"{len(row_errors)} row(s) need attention, the first is row {first}")
        self.row_errors = row_errors


@dataclass
class Issued:
    delegation: Delegation
    #: the focal point's secret: exists only here and in the invitation link
    token: str


# --- organisers -----------------------------------------------------------------------------------

def clean_delegation(data: dict) -> dict:
    """The delegation's fields as the table takes them; ValidationFailed naming each bad one.

    ``{"name_zh", "name_en", "country", "focal_name", "focal_email", "places", "focal_language"?}``
    """
    errors: dict[str, list] = {}
    values: dict = {}
    for name, limit in (("name_zh", DELEGATION_NAME_MAX), ("name_en", DELEGATION_NAME_MAX),
                        ("focal_name", FOCAL_NAME_MAX)):
        text, why = text_input.clean(data.get(name), limit=limit, required=True)
        if why is not None:
            errors[name] = [why]
        else:
            values[name] = text
    country = data.get("country")
    country = country.strip().upper() if isinstance(country, str) else None
    if country not in COUNTRY_CODES:
        errors["country"] = [_l("Choose a country or region (ISO 3166-1 code).")]
    else:
        values["country"] = country
    email = clean_delegate({"email": data.get("focal_email") if data.get("focal_email") is not None else ""},
                           partial=True)
    if email.errors:
        errors["focal_email"] = email.errors["email"]
    else:
        values["focal_email"] = email.values["email"]
    count = data.get("places")
    if isinstance(count, str) and count.strip().isascii() and count.strip().isdigit():
        count = int(count.strip())
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= DELEGATION_PLACES_MAX:
        errors["places"] = [_l("A whole number from 0 to %(limit)d.", limit=DELEGATION_PLACES_MAX)]
    else:
        values["places"] = count
    language = data.get("focal_language")
    if language in (None, ""):
        values["focal_language"] = "zh" if values.get("country") in _CHINESE_SPEAKING else "en"
    elif language in ("zh", "en"):
        values["focal_language"] = language
    else:
        errors["focal_language"] = [_l("Choose Chinese or English.")]
    if errors:
        raise ValidationFailed(errors, "some fields need attention")
    return values


def create_delegation(summit: Summit, data: dict, user: ConsoleUser | None) -> Issued:
    """A new delegation (audited); its focal point is mailed the bilingual invitation with the secret link."""
    values = clean_delegation(data)
    token = new_token()
    summit_id = summit.id
    with writing(keep_state=True):
        delegation = insert_row(Delegation, {**values, "summit_id": summit_id, "members_live": 0,
                                             "token_hash": token_hash(token), "created_at": utcnow()})
        audit.record(user, "delegation.create", "delegation", delegation.id,
                     {name: [None, value] for name, value in values.items()})
    delegation_mail.send_invitation(delegation, summit, token)
    return Issued(delegation, token)


def list_delegations(summit: Summit) -> list[Delegation]:
    """The summit's delegations by English name; ``members_live`` is each one's live members."""
    return list(db.session.scalars(select(Delegation).where(Delegation.summit_id == summit.id)
                                   .order_by(Delegation.name_en, Delegation.id)))


def get_delegation(summit: Summit, delegation_id: int) -> Delegation:
    delegation = db.session.get(Delegation, delegation_id) if 1 <= delegation_id <= ID_MAX else None
    if delegation is None or delegation.summit_id != summit.id:
        raise NotFound("no such delegation", code="unknown_delegation")
    return delegation


def _lock(summit: Summit, delegation_id: int) -> Delegation:
    delegation = db.session.get(Delegation, delegation_id, with_for_update=True, populate_existing=True) \
        if 1 <= delegation_id <= ID_MAX else None
    if delegation is None or delegation.summit_id != summit.id:
        raise NotFound("no such delegation", code="unknown_delegation")
    return delegation


def revoke_link(summit: Summit, delegation_id: int, user: ConsoleUser | None) -> Delegation:
    """The focal point's link stops working now (audited); its members stay registered."""
    with writing(keep_state=True):
        delegation = _lock(summit, delegation_id)
        if delegation.revoked_at is None:
            delegation.revoked_at = utcnow()
            audit.record(user, "delegation.revoke", "delegation", delegation.id,
                         {"revoked_at": [None, delegation.revoked_at]})
    return delegation


def reissue_link(summit: Summit, delegation_id: int, user: ConsoleUser | None) -> Issued:
    """A new secret link (audited, and mailed): the old one, revoked or not, stops working."""
    token = new_token()
    with writing(keep_state=True):
        delegation = _lock(summit, delegation_id)
        was_revoked = delegation.revoked_at
        delegation.token_hash = token_hash(token)
        delegation.revoked_at = None
        audit.record(user, "delegation.reissue", "delegation", delegation.id,
                     {"revoked_at": [was_revoked, None], "link": ["old", "new"]})
    delegation_mail.send_invitation(delegation, summit, token)
    return Issued(delegation, token)


class PlacesBelowMembers(Conflict):
    """Fewer places than the delegation's live members: withdraw some first."""

    code = "places_below_members"


def set_places(summit: Summit, delegation_id: int, places, user: ConsoleUser | None) -> Delegation:
    """Change how many places the delegation has (audited); never below its live members (409)."""
    if isinstance(places, str) and places.strip().isascii() and places.strip().isdigit():
        places = int(places.strip())
    if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= DELEGATION_PLACES_MAX:
        raise ValidationFailed({"places": [_l("A whole number from 0 to %(limit)d.", limit=DELEGATION_PLACES_MAX)]})
    with writing(keep_state=True):
        delegation = _lock(summit, delegation_id)
        if places < delegation.members_live:
            raise PlacesBelowMembers(f"{delegation.members_live} members hold a place", members=delegation.members_live)
        if places != delegation.places:
            audit.record(user, "delegation.places", "delegation", delegation.id, {"places": [delegation.places, places]})
            delegation.places = places
    return delegation


# --- the focal point's link -----------------------------------------------------------------------

def delegation_for_token(token: str) -> Delegation:
    """The delegation a focal point's secret opens; UnknownDelegationLink, or DelegationRevoked (410)."""
    if not isinstance(token, str) or not token or len(token) > _TOKEN_MAX:
        raise UnknownDelegationLink("unknown delegation link")
    delegation = db.session.scalars(select(Delegation).where(Delegation.token_hash == token_hash(token))).first()
    if delegation is None:
        raise UnknownDelegationLink("unknown delegation link")
    if delegation.revoked_at is not None:
        raise DelegationRevoked("this delegation link has been revoked; ask the organisers for a new one")
    return delegation


def members(delegation: Delegation) -> list[Delegate]:
    """The live members, in the order they were added, with their route places."""
    return list(db.session.scalars(
        select(Delegate).where(Delegate.delegation_id == delegation.id, Delegate.status == DelegateStatus.REGISTERED)
        .options(selectinload(Delegate.booking).selectinload(RouteBooking.route))
        .order_by(Delegate.id)))


def member(delegation: Delegation, delegate_id) -> Delegate:
    """A live member of this delegation; NotFound (unknown_member) for anyone else."""
    found = db.session.get(Delegate, delegate_id) \
        if isinstance(delegate_id, int) and 1 <= delegate_id <= ID_MAX else None
    if found is None or found.delegation_id != delegation.id or found.status != DelegateStatus.REGISTERED:
        raise NotFound("no such member of this delegation", code="unknown_member")
    return found


def _member_values(data: dict) -> Cleaned:
    """A member's details by the registration rules; the focal point's consent covers the member."""
    cleaned = clean_delegate(data)
    if "protocol_level" in data:
        cleaned.fail("protocol_level", _l("The protocol level is set by the organisers."))
    return cleaned


def _summit_of(delegation: Delegation) -> Summit:
    return db.session.get(Summit, delegation.summit_id)


def _full_or_revoked(delegation_id: int) -> ServiceError:
    revoked = db.session.scalar(select(Delegation.revoked_at).where(Delegation.id == delegation_id))
    if revoked is not None:
        return DelegationRevoked("this delegation link has been revoked")
    return DelegationFull("every place of this delegation is taken")


def add_member(delegation: Delegation, data: dict) -> Registered:
    """Register a member: ValidationFailed, EmailTaken, RouteFull or DelegationFull (409), nothing created then.

    Mails the member their confirmation with their own link (and the promoted, if any: none here).
    """
    summit = _summit_of(delegation)
    cleaned = _member_values(data)
    visa, visa_errors = passports.read_request(summit, data, consent_needed=False)  # the focal point's consent
    cleaned.errors.update(visa_errors)
    values = raise_if_invalid(cleaned)
    letters.check_deadline(summit, visa, language=values.get("language", "en"))
    route_id, join_waitlist = _route_choice(data)
    delegation_id, summit_id = delegation.id, summit.id
    accreditation = initial_accreditation(summit).value
    try:
        with writing(keep_state=True):
            # the place first, the route last (lock order: delegation, then routes)
            if not seats.take_places(delegation_id):
                raise _full_or_revoked(delegation_id)
            token = new_token()
            now = utcnow()
            delegate = insert_row(Delegate, {
                "summit_id": summit_id, "delegation_id": delegation_id, "consent_at": now, "created_at": now,
                "updated_at": now, "manage_token_hash": token_hash(token), "accreditation": accreditation,
                **values})
            # the focal point's consent covers the member (the contract), for their needs too
            consents.at_registration(summit, delegate.id, data, values, given_by="focal_point")
            letters.apply_request(delegate, visa, given_by="focal_point")
            if places.book_new_delegate(delegate, route_id, join_waitlist=join_waitlist) is None:
                set_committed_value(delegate, "booking", None)
    except IntegrityError as exc:
        if not _is_email_clash(exc):
            raise
        raise EmailTaken("this email is already registered") from exc
    _confirm(delegate, summit, token)
    return Registered(delegate, token)


def _confirm(delegate: Delegate, summit: Summit, token: str) -> None:
    position = waitlist_position(delegate.booking) if delegate.booking else None
    send_registration_confirmation(delegate, summit.name_zh if delegate.language == "zh" else summit.name_en,
                                   manage_url(token), position)


_DUPLICATE = _l("This email appears more than once in the list.")
_TAKEN = _l("This email is already registered.")
_ROUTE_FULL = _l("That route is full; choose another, or join its waiting list.")


def add_members(delegation_id: int, rows: list[dict], *, dry_run: bool = False) -> int:
    """Add many members at once, all or none: THE INTERFACE THE IMPORTER (CSV/XLSX) USES.

    Each row is a registration body (the form's and the API's field names, ``route_id`` and
    ``join_waitlist`` included), checked by the same rules as ``add_member``. A row whose email is
    in an earlier row, or is a live delegate's of the summit, is a row error (email taken); so is a
    row whose route is unknown, or full when the row does not join its waiting list.

    Raises MemberRowsInvalid (``row_errors``: {0-based row index: {field: [messages]}}) when any
    row is bad, DelegationFull when there are more rows than free places, DelegationRevoked or
    UnknownDelegationLink (NotFound) for the delegation. Nothing is written then.
    ``dry_run`` checks the rows and the places without writing (a route's free seats are only
    known for sure at the commit) and returns how many would be created; otherwise returns how many
    were, in one transaction, and mails each member their confirmation.
    2,000 rows take well under a second: one email query for all rows, one place update for all.
    """
    delegation = db.session.get(Delegation, delegation_id) if 1 <= delegation_id <= ID_MAX else None
    if delegation is None:
        raise UnknownDelegationLink("unknown delegation")
    if delegation.revoked_at is not None:
        raise DelegationRevoked("this delegation link has been revoked")
    summit = _summit_of(delegation)
    summit_id = summit.id
    row_errors: dict[int, dict[str, list]] = {}
    cleaned_rows: list[tuple[int, dict, int | None, bool]] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        cleaned = _member_values(row if isinstance(row, dict) else {})
        route_id, join_waitlist = None, False
        try:
            route_id, join_waitlist = _route_choice(row if isinstance(row, dict) else {})
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                for message in messages:
                    cleaned.fail(name, message)
        email = cleaned.values.get("email")
        if email:
            if email in seen:
                cleaned.fail("email", _DUPLICATE)
            else:
                seen[email] = index
        if cleaned.errors:
            row_errors[index] = cleaned.errors
        cleaned_rows.append((index, cleaned.values, route_id, join_waitlist))

    if seen:
        taken = set(db.session.scalars(select(Delegate.email).where(
            Delegate.summit_id == summit_id, Delegate.status == DelegateStatus.REGISTERED,
            Delegate.email.in_(list(seen)))))
        for email in taken:
            row_errors.setdefault(seen[email], {}).setdefault("email", []).append(_TAKEN)
    wanted_routes = {route_id for _, _, route_id, _ in cleaned_rows if route_id is not None}
    if wanted_routes:
        known = set(db.session.scalars(select(VisitRoute.id).where(
            VisitRoute.summit_id == summit_id, VisitRoute.id.in_(wanted_routes))))
        for index, _, route_id, _ in cleaned_rows:
            if route_id is not None and route_id not in known:
                row_errors.setdefault(index, {}).setdefault("route_id", []).append(_l("Unknown route."))
    if row_errors:
        raise MemberRowsInvalid(row_errors)
    if len(rows) > delegation.places - delegation.members_live:
        raise DelegationFull(f"{len(rows)} members, {max(delegation.places - delegation.members_live, 0)} "
                             "places free", free=max(delegation.places - delegation.members_live, 0))
    if dry_run or not rows:
        return len(rows)

    accreditation = initial_accreditation(summit).value
    try:
        with writing(keep_state=True):
            # the places first, the routes last (lock order: delegation, then routes)
            if not seats.take_places(delegation_id, len(rows)):
                raise _full_or_revoked(delegation_id)
            now = utcnow()
            tokens = [new_token() for _ in cleaned_rows]
            delegates = db.session.scalars(
                db.insert(Delegate).returning(Delegate, sort_by_parameter_order=True),
                [{"summit_id": summit_id, "delegation_id": delegation_id, "consent_at": now, "created_at": now,
                  "updated_at": now, "manage_token_hash": token_hash(token), "accreditation": accreditation,
                  **values} for (_, values, _, _), token in zip(cleaned_rows, tokens)]).all()
            consents.give(summit, "focal_point", *(
                (delegate.id, kind) for delegate, (_, values, _, _) in zip(delegates, cleaned_rows)
                for kind in ((consents.PROCESSING, consents.SENSITIVE) if consents.needs_sensitive_consent(values)
                             else (consents.PROCESSING,))))
            wanted = [(delegate, route_id, join_waitlist)
                      for delegate, (_, _, route_id, join_waitlist) in zip(delegates, cleaned_rows)]
            try:
                bookings = places.book_new_delegates(summit_id, wanted)
            except places.RouteFull as exc:
                refused = set(exc.details["delegate_ids"])
                raise MemberRowsInvalid({i: {"route_id": [_ROUTE_FULL]} for i, d in enumerate(delegates)
                                         if d.id in refused}) from None
            # each waiting member's place in line, for their mail: counted once per route, under its lock
            line = {route_id: waiting for route_id, waiting in db.session.execute(
                select(RouteBooking.route_id, db.func.count()).where(
                    RouteBooking.route_id.in_({b.route_id for b in bookings if b is not None
                                               and b.status == BookingStatus.WAITLISTED}),
                    RouteBooking.status == BookingStatus.WAITLISTED).group_by(RouteBooking.route_id))}
    except IntegrityError as exc:  # a registration that landed between the check and the insert
        if not _is_email_clash(exc):
            raise
        raise EmailTaken("an email in the list has just been registered") from exc
    new_in_line: dict[int, int] = {}
    for booking in bookings:
        if booking is not None and booking.status == BookingStatus.WAITLISTED:
            new_in_line[booking.route_id] = new_in_line.get(booking.route_id, 0) + 1
    ahead = {route_id: line.get(route_id, 0) - n for route_id, n in new_in_line.items()}
    for delegate, token, booking in zip(delegates, tokens, bookings):
        position = None
        if booking is not None and booking.status == BookingStatus.WAITLISTED:
            ahead[booking.route_id] += 1
            position = ahead[booking.route_id]
        send_registration_confirmation(delegate, summit.name_zh if delegate.language == "zh" else summit.name_en,
                                       manage_url(token), position)
    return len(delegates)


def update_member(delegation: Delegation, delegate_id: int, data: dict) -> Delegate:
    """Edit a member's details (the fields present), by the registration rules."""
    return registration.update_details(member(delegation, delegate_id), data, by_delegate=False)


def choose_member_route(delegation: Delegation, delegate_id: int, data: dict) -> places.PlaceChange:
    """A member's route, by the capacity rule (``{"route_id", "join_waitlist"?}``)."""
    return registration.choose_route(member(delegation, delegate_id), data)


def withdraw_member(delegation: Delegation, delegate_id: int) -> places.PlaceChange:
    """Cancel the member's registration: the route place goes to the first in line, the delegation's is free."""
    return registration.cancel(member(delegation, delegate_id))


def resend_member_link(delegation: Delegation, delegate_id: int) -> Delegate:
    """Mail the member a new self-service link, the lost-link way: it takes over once they open it."""
    delegate = member(delegation, delegate_id)
    summit = _summit_of(delegation)
    issued = new_links.request_new_link(summit.id, delegate.email)
    if issued is None:  # cancelled in the meantime
        raise NotFound("no such member of this delegation", code="unknown_member")
    delegate, token = issued
    send_new_link(delegate, summit.name_zh if delegate.language == "zh" else summit.name_en, manage_url(token),
                  int(new_links.NEW_LINK_LIFETIME.total_seconds() // 3600))
    return delegate


__all__ = ["DelegationFull", "DelegationRevoked", "Issued", "MemberRowsInvalid", "PlacesBelowMembers",
           "UnknownDelegationLink", "set_places",
           "add_member", "add_members", "choose_member_route", "clean_delegation", "create_delegation",
           "delegation_for_token", "get_delegation", "list_delegations", "member", "members", "reissue_link",
           "resend_member_link", "revoke_link", "update_member", "withdraw_member"]
