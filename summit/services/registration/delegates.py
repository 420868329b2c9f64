"""Registering delegates and their self-service: details, route, waiting list, cancellation.

Every function that changes places runs in one write transaction (``with writing():``,
see places.py) and commits once, so a registration, its seat and any promotion land together.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ...plumbing.database import insert_row, require_write_transaction, writing
from ...plumbing.extensions import db
from ...models import Delegate, RouteBooking, Summit, VisitRoute, utcnow
from ...models.labels import DelegateStatus
from ...models.types import ID_MAX
from ..accreditation import delegation_places
from ..accreditation.modes import initial_accreditation, require_open_registration
from ..travel import letters, passports
from ..visits import capacity as places
from ..travel import hotels as travel_hotels, plans as travel
from .mail import announce_promotions
from .delegate_input import clean_delegate, raise_if_invalid, with_default_name_order
from ..privacy import consents
from ..visits import history
from ...plumbing.errors import Conflict, NotFound, ValidationFailed
from ...plumbing.secrets import new_token, token_hash


class EmailTaken(Conflict):
    code = "email_taken"


@dataclass
class Registered:
    delegate: Delegate
    #: the self-service secret; exists only here and in the delegate's link
    manage_token: str
    #: what a new registration wrote besides the delegate and their place: when False, there is nothing of
    #: it to read back (no letter or passport, no flights or hotel), which saves its answer six queries
    with_visa: bool = True
    with_travel: bool = True


def _route_choice(data: dict) -> tuple[int | None, bool]:
    route_id = data.get("route_id")
    join_waitlist = data.get("join_waitlist", False)
    errors = {}
    if not isinstance(data.get("keep_place", False), bool):
        errors["keep_place"] = ["must be true or false"]
    if route_id is not None and (not isinstance(route_id, int) or isinstance(route_id, bool)):
        errors["route_id"] = ["must be a route id (integer) or null"]
    if not isinstance(join_waitlist, bool):
        errors["join_waitlist"] = ["must be true or false"]
    if errors:
        raise ValidationFailed(errors)
    if route_id is not None and not 1 <= route_id <= ID_MAX:
        raise places.unknown_route(route_id)  # no row has it, and the database could not even compare it
    return route_id, join_waitlist


def _email_in_use(summit_id: int, email: str, *, other_than: int | None = None) -> bool:
    query = db.select(Delegate.id).where(
        Delegate.summit_id == summit_id, Delegate.email == email, Delegate.status == DelegateStatus.REGISTERED)
    if other_than is not None:
        query = query.where(Delegate.id != other_than)
    return db.session.scalar(query.limit(1)) is not None


def register(summit: Summit, data: dict, *, local_times: bool = False) -> Registered:
    """Create a delegate and, if asked, their place on a route (or in its line).

    Raises RegistrationClosed (invitation mode), ValidationFailed (field errors), EmailTaken,
    RouteFull, HotelFull (nothing created). The summit's mode decides the accreditation it starts with.
    ``local_times``: flight times without an offset are the summit's wall-clock time (the form's), not refused.
    """
    require_open_registration(summit)
    cleaned = clean_delegate(data)
    consents.check(data, cleaned.values, cleaned.fail)
    if "protocol_level" in data:
        # organisers set it (accreditation.levels), never the registrant
        cleaned.fail("protocol_level", _l("The protocol level is set by the organisers."))
    visa, visa_errors = passports.read_request(summit, data)  # travel: the passport and letter, if asked
    cleaned.errors.update(visa_errors)
    values = with_default_name_order(raise_if_invalid(cleaned))
    letters.check_deadline(summit, visa, language=values.get("language", "en"))
    route_id, join_waitlist = _route_choice(data)
    if travel.asks_for_travel(data):
        travel.precheck(summit, data, local=local_times)

    summit_id = summit.id
    try:
        with writing(keep_state=True):
            token = new_token()
            now = utcnow()
            # An email already registered is refused by the partial unique index (uq_delegate_live_email)
            # at this INSERT: one check, race-free, and no look-up beforehand.
            delegate = insert_row(Delegate, {
                "summit_id": summit_id, "consent_at": now, "created_at": now, "updated_at": now,
                "manage_token_hash": token_hash(token), "accreditation": initial_accreditation(summit).value,
                **values})
            consents.at_registration(summit, delegate.id, data, values)
            if visa is not None:
                letters.apply_request(delegate, visa)
            # The route last: its lock is held from here to the commit, so everything
            # else the registration writes stays outside that critical section.
            if places.book_new_delegate(delegate, route_id, join_waitlist=join_waitlist) is None:
                set_committed_value(delegate, "booking", None)
            # a new delegate waits for no route while keeping another (only a route change does that)
            set_committed_value(delegate, "waiting", None)
            if travel.asks_for_travel(data):  # flights and hotel nights: after the route, the one lock order
                travel.apply_travel(delegate, summit, data, local=local_times)
    except IntegrityError as exc:  # already rolled back by writing()
        if not _is_email_clash(exc):
            raise
        raise EmailTaken("this email is already registered") from exc
    return Registered(delegate, token, with_visa=visa is not None, with_travel=travel.asks_for_travel(data))


def _is_email_clash(exc: IntegrityError) -> bool:
    """The live-email unique index refused the row (PostgreSQL names it; SQLite names its columns)."""
    message = str(exc.orig)
    return "uq_delegate_live_email" in message or "delegate.summit_id, delegate.email" in message


def _holder_of(token: str):
    """The condition that picks the delegate a manage secret belongs to; NotFound for no possible secret."""
    if not token or len(token) > 200:
        raise NotFound("unknown or expired link", code="unknown_token")
    return Delegate.manage_token_hash == token_hash(token)


def delegate_for_manage_token(token: str, *, with_routes: bool = False) -> Delegate:
    """The registered delegate a manage secret belongs to; NotFound otherwise.

    ``with_routes``: their place and the place they wait for, each with its route, loaded in one more
    statement (a page that shows them; lazily, each would be a statement of its own, and a joined eager
    load cost the ORM more than the two it saved)."""
    delegate = db.session.scalars(db.select(Delegate).where(_holder_of(token))).first()
    if delegate is None or delegate.status != DelegateStatus.REGISTERED:
        raise NotFound("unknown or expired link", code="unknown_token")
    if with_routes:
        _load_places(delegate)
    return delegate


def _load_places(delegate: Delegate) -> None:
    """``delegate.booking`` and ``delegate.waiting``, with their routes, as if loaded: one SELECT of both."""
    places = {False: None, True: None}
    for booking, route in db.session.execute(
            db.select(RouteBooking, VisitRoute).join(VisitRoute, VisitRoute.id == RouteBooking.route_id)
            .where(RouteBooking.delegate_id == delegate.id)):
        set_committed_value(booking, "route", route)
        places[bool(booking.keeps_place)] = booking
    set_committed_value(delegate, "booking", places[False])
    set_committed_value(delegate, "waiting", places[True])


def update_details(delegate: Delegate, data: dict, *, before_commit=None, by_delegate: bool = True) -> Delegate:
    """Edit name, organisation, needs…; route changes go through choose_route.

    ``before_commit(delegate)``, if given, runs in the same transaction just before
    it commits (the console writes its audit entry there). ``by_delegate``: the delegate edits their own
    details, so needs newly given ask for the sensitive-data consent (``sensitive_consent``), recorded here;
    False for an organiser or a focal point writing down what the delegate told them.
    """
    cleaned = clean_delegate(data, partial=True)
    holds = consents.in_force(delegate.id, consents.SENSITIVE)
    if by_delegate:
        consents.check(data, cleaned.values, cleaned.fail, processing=False, holds_sensitive=holds)
    values = raise_if_invalid(cleaned)
    if by_delegate and not holds and consents.needs_sensitive_consent(values):
        consents.give(db.session.get(Summit, delegate.summit_id), "delegate", (delegate.id, consents.SENSITIVE))
    if "email" in values and _email_in_use(delegate.summit_id, values["email"], other_than=delegate.id):
        raise EmailTaken("this email is already registered")
    for name, value in values.items():
        setattr(delegate, name, value)
    delegate.updated_at = utcnow()
    try:
        if before_commit is not None:
            before_commit(delegate)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise EmailTaken("this email is already registered") from exc
    return delegate


def lock_delegate(delegate_id: int | None = None, *, manage_token: str | None = None) -> Delegate:
    """The registered delegate (by id, or by their manage secret), locked and marked updated now.

    One ``UPDATE … RETURNING`` finds the row, takes its lock and sets ``updated_at``: the
    lock makes one delegate's own requests take turns.  The booking is read after the lock,
    in its own statement.  Joined into the locking statement it would come, on PostgreSQL,
    from the snapshot taken before the wait, so a second request for the same delegate
    would see the booking the first one replaced.  Inside ``writing()`` only: the lock lasts to its commit.
    """
    require_write_transaction()
    which = _holder_of(manage_token) if manage_token is not None else Delegate.id == delegate_id
    delegate = db.session.scalars(
        update(Delegate).where(which, Delegate.status == DelegateStatus.REGISTERED).values(updated_at=utcnow())
        .returning(Delegate),
        execution_options={"populate_existing": True, "synchronize_session": False},
    ).first()
    if delegate is None:
        raise NotFound("no such registration", code="unknown_token")
    return delegate


def choose_route(delegate: Delegate, data: dict, *, before_commit=None) -> places.PlaceChange:
    """Change, drop, or queue for a route (see places.place_delegate for the rules).

    Afterwards ``delegate`` (the same object, re-read under its lock) and the change
    hold what was committed, ready to show without another query.

    ``before_commit(delegate, change, previous_route_id)`` runs inside the transaction, before it commits.
    """
    delegate_id = delegate.id  # read now: on SQLite, writing() commits and so expires the object
    return _change_route(lambda: lock_delegate(delegate_id), lambda: data, before_commit)[1]


def choose_route_for_token(manage_token: str, read_data) -> tuple[Delegate, places.PlaceChange]:
    """choose_route for whoever holds a manage secret; finding and locking them is one statement.

    ``read_data()`` gives the request (it may raise ValidationFailed); it is called only once
    the secret has proved good, so an unknown secret is NotFound whatever the body holds.
    """
    return _change_route(lambda: lock_delegate(manage_token=manage_token), read_data, None)


def _change_route(lock, read_data, before_commit) -> tuple[Delegate, places.PlaceChange]:
    with writing(keep_state=True):
        delegate = lock()
        choice = read_data()
        route_id, join_waitlist = _route_choice(choice)
        previous = delegate.booking.route_id if delegate.booking else None
        change = places.place_delegate(delegate, route_id, join_waitlist=join_waitlist,
                                       keep_place=bool(choice.get("keep_place", False)))
        if before_commit is not None:
            before_commit(delegate, change, previous)
        announce_promotions(change.promoted)  # outbox rows, committed with the promotion
    return delegate, change


def stop_waiting(delegate: Delegate) -> bool:
    """Leave the waiting line kept beside one's confirmed place (the place stays); False if there was none."""
    delegate_id = delegate.id
    with writing(keep_state=True):
        delegate = lock_delegate(delegate_id)
        return places.stop_waiting(delegate)


def cancel(delegate: Delegate, *, before_commit=None) -> places.PlaceChange:
    """Cancel the registration: the place frees and the first in line moves up at once.

    ``before_commit(delegate, change)`` runs inside the transaction, before it commits.
    """
    delegate_id = delegate.id
    with writing(keep_state=True):
        delegate = lock_delegate(delegate_id)
        if delegate.delegation_id is not None:
            # before the route: the lock order is delegate, delegation, routes (accreditation/delegation_places.py)
            delegation_places.free_place(delegate.delegation_id)
        change = places.place_delegate(delegate, None, join_waitlist=False)
        travel_hotels.book_stay(delegate, None, [])  # the rooms go back to the block (after the routes)
        delegate.status = DelegateStatus.CANCELLED
        history.record("cancelled", (delegate.id, None))
        delegate.cancelled_at = delegate.updated_at = utcnow()
        letters.follow_cancellation(delegate)  # an embassy asking about the letter is told it is revoked
        # The feed URL stays: it now shows the delegate's events cancelled (services/calendar/feeds.py),
        # which is what removes them from the calendar apps that subscribed.
        if before_commit is not None:
            before_commit(delegate, change)
        announce_promotions(change.promoted)  # outbox rows, committed with the promotion
    return change



def withdraw_sensitive_consent(delegate: Delegate) -> bool:
    """Withdraw the sensitive-data consent: those fields are erased in the same transaction.

    False when there was nothing to withdraw (a repeated request is harmless)."""
    delegate_id = delegate.id
    with writing(keep_state=True):
        delegate = lock_delegate(delegate_id)
        return consents.withdraw_sensitive(delegate)
