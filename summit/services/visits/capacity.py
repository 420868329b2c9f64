"""Places on technical-visit routes: the capacity rule and the waiting list, in one place.

The rule that must never break: a route never has more confirmed delegates than
its capacity, whatever the number of concurrent requests and worker processes.

How it holds:
* The mechanism (lock in id order, conditional UPDATE, CHECK) is ``services/capacity/counters.py``'s
  ``Counter``, which hotel room-nights use too; what is here is what only routes have (the waiting line).
* Every change runs inside ``with writing():`` (summit/plumbing/database.py), and each function here
  that takes, frees or hands on a seat refuses to run outside one (require_write_transaction).
  The routes involved are locked first (``SELECT … FOR UPDATE`` in id order on PostgreSQL; on
  SQLite BEGIN IMMEDIATE already holds the database's single write lock).  So the
  decision "is there a seat?" and the write that takes it are one step.
* The seat itself is taken with a conditional UPDATE
  (``confirmed = confirmed + 1 WHERE confirmed < capacity``), and the database
  CHECKs ``confirmed <= capacity``: even a future bug in this module cannot
  overbook, it can only fail.
* Whenever a seat frees, the first in line is promoted in the same transaction.
* A delegate may wait for a full route while keeping a confirmed place on another (a second booking
  row, ``keeps_place``).  Their promotion swaps the two: the kept place is given up and handed on to
  that route's own first in line, and so on down the chain.  Any change that can free a seat therefore
  locks all the summit's routes, in id order (``lock_summit_routes``), before it starts, so a chain
  never needs a lock it has not taken, and the one lock order still holds.

Callers commit; nothing here commits, so a registration and its seat land together or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ...plumbing.database import insert_row, require_write_transaction
from ..capacity.counters import Counter
from ...plumbing.extensions import db
from ...models import RouteBooking, VisitRoute, utcnow
from ...models.labels import MAX_CAPACITY, BookingStatus
from ...plumbing.errors import Conflict, ValidationFailed
from . import history


class RouteFull(Conflict):
    code = "route_full"


class CapacityBelowConfirmed(Conflict):
    code = "capacity_below_confirmed"


@dataclass
class PlaceChange:
    """What one operation did, so callers can tell the people concerned."""

    booking: RouteBooking | None
    promoted: list[RouteBooking]
    #: the place in line for a full route waited for while ``booking`` is kept (None: no such wait)
    waiting: RouteBooking | None = None


#: a route's seats: the capacity rule itself lives in services/capacity/counters.py, shared with hotel rooms
ROUTE_SEATS = Counter(VisitRoute, taken="confirmed", capacity="capacity")


def lock_routes(summit_id: int, route_ids) -> dict[int, VisitRoute]:
    """The summit's routes with these ids, locked against concurrent seat changes."""
    return ROUTE_SEATS.lock(summit_id, route_ids)


def lock_summit_routes(summit_id: int) -> dict[int, VisitRoute]:
    """All the summit's routes, locked in id order: for a change that may free a seat, since a promotion
    may swap a kept place on any other route (a handful of routes: one statement)."""
    return ROUTE_SEATS.lock_scope(summit_id)


def unknown_route(route_id) -> ValidationFailed:
    return ValidationFailed({"route_id": ["unknown route"]}, "unknown route")


def _take_seat(route: VisitRoute) -> bool:
    """A seat on a locked route, if one is free."""
    return ROUTE_SEATS.take_locked(route)


def _free_seat(route: VisitRoute) -> None:
    ROUTE_SEATS.free(route)


def _waiting_line(route: VisitRoute):
    """The route's waiting line, first come first served."""
    return (select(RouteBooking)
            .where(RouteBooking.route_id == route.id, RouteBooking.status == BookingStatus.WAITLISTED)
            .order_by(RouteBooking.id))


def promote_waiting(route: VisitRoute) -> list[RouteBooking]:
    """Give free seats to the first in line, oldest first; the route must be locked."""
    require_write_transaction()
    promoted = []
    while True:
        first = db.session.scalars(_waiting_line(route).limit(1)).first()
        if first is None or not _take_seat(route):
            return promoted
        promoted.extend(_confirm_in_line(first, route))


def _confirm_in_line(first: RouteBooking, route: VisitRoute) -> list[RouteBooking]:
    """Confirm the first in line on ``route``, whose seat is already counted for them; all routes locked.

    A delegate who kept a confirmed place elsewhere gives it up in the same step (the swap), and that
    seat goes on to the first in that route's line.  Returns everyone promoted, this delegate first;
    each promoted booking's ``released_route`` names the place they gave up (None when none).
    """
    released = None
    if first.keeps_place:
        held = db.session.execute(
            _BOOKINGS.delete().where(_BOOKINGS.c.delegate_id == first.delegate_id, _BOOKINGS.c.id != first.id)
            .returning(_BOOKINGS.c.route_id, _BOOKINGS.c.status)).first()
        if held is not None and held.status == BookingStatus.CONFIRMED:
            released = db.session.get(VisitRoute, held.route_id)  # locked with the summit's routes
    first.status = BookingStatus.CONFIRMED
    first.keeps_place = False
    first.confirmed_at = utcnow()
    db.session.flush()
    set_committed_value(first, "route", route)
    first.released_route = released
    set_committed_value(first.delegate, "booking", first)
    set_committed_value(first.delegate, "waiting", None)
    history.record("promoted", (first.delegate_id, route.id))
    promoted = [first]
    if released is not None:
        promoted.extend(_pass_on_seat(released))
    return promoted


def _pass_on_seat(route: VisitRoute) -> list[RouteBooking]:
    """A seat given up on a locked route: to the first in line, or back to the free count."""
    promoted = _hand_over_seat(route)
    if not promoted:
        _free_seat(route)
    return promoted


_BOOKINGS = RouteBooking.__table__
# Built once: on the hot paths, building a statement costs about as much as sending it.
_DELETE_BOOKING = _BOOKINGS.delete().where(_BOOKINGS.c.id == bindparam("id")).returning(_BOOKINGS.c.status)


def _release(booking: RouteBooking, route: VisitRoute) -> list[RouteBooking]:
    """Give up a booking; the route must be locked.  Returns whoever moved up."""
    # The status comes back from the DELETE itself: a promotion may have confirmed this
    # booking while we waited for the route's lock, and the copy in memory would not know.
    history.record("left", (booking.delegate_id, route.id))
    status = db.session.connection().execute(_DELETE_BOOKING, {"id": booking.id}).scalar_one_or_none()
    db.session.expunge(booking)
    if status != BookingStatus.CONFIRMED:
        return []
    return _pass_on_seat(route)


def _hand_over_seat(route: VisitRoute) -> list[RouteBooking]:
    """The seat just given up goes straight to the first in line, if anyone waits (all routes locked).

    The confirmed count does not change.  One seat is enough: while anyone waits the route is full,
    because every freed seat is handed on at once.  A plain place in line is confirmed by one
    statement; one that kept a place elsewhere swaps (``_confirm_in_line``).
    """
    first_in_line = _waiting_line(route).with_only_columns(RouteBooking.id).limit(1).scalar_subquery()
    promoted = db.session.scalars(
        update(RouteBooking).where(RouteBooking.id == first_in_line, RouteBooking.keeps_place.is_(False))
        .values(status=BookingStatus.CONFIRMED, confirmed_at=utcnow())
        .returning(RouteBooking),
        execution_options={"populate_existing": True},
    ).first()
    if promoted is not None:
        set_committed_value(promoted, "route", route)  # the promotion notice names it, without a reload
        promoted.released_route = None
        history.record("promoted", (promoted.delegate_id, route.id))
        return [promoted]
    first = db.session.scalars(_waiting_line(route).limit(1).execution_options(populate_existing=True)).first()
    return _confirm_in_line(first, route) if first is not None else []


def book_new_delegate(delegate, route_id: int | None, *, join_waitlist: bool) -> RouteBooking | None:
    """A seat, or a place in line, on ``route_id`` for a delegate just written (flushed).

    None when no route is asked for; RouteFull when full and not willing to wait.
    Run inside ``writing()``, as the transaction's last step before the commit:
    from the seat on, the route stays locked until then.
    """
    require_write_transaction()
    if route_id is None:
        return None
    route = _take_seat_on(delegate.summit_id, route_id)
    if route is not None:
        status = BookingStatus.CONFIRMED
    else:
        # Full or unknown: lock the route to tell which, and to queue behind its seats.
        route = lock_routes(delegate.summit_id, [route_id]).get(route_id)
        if route is None:
            raise unknown_route(route_id)
        status = _claim(route, join_waitlist)
    return _add_booking(delegate, route, status)


def book_new_delegates(summit_id: int, wanted: list[tuple]) -> list[RouteBooking | None]:
    """``book_new_delegate`` for many delegates just written, ``wanted`` = [(delegate, route_id, join_waitlist)]:
    a booking each (None for no route), in order; RouteFull when any find their route full and will not
    wait (``details["delegate_ids"]`` names them all; the caller's transaction then rolls back, so nothing is kept).

    The same rule, at one statement per route instead of per delegate: the routes are locked (in id
    order, as everywhere), the seats are handed out first come first served while the locked count
    says one is free, and each route's seats are taken by ONE conditional UPDATE
    (``confirmed + n <= capacity``), the CHECK still behind it. Inside ``writing()``, as its last step.
    """
    require_write_transaction()
    routes = lock_routes(summit_id, {route_id for _, route_id, _ in wanted})
    taken: dict[int, int] = {}
    rows, statuses, refused = [], [], []
    now = utcnow()
    for delegate, route_id, join_waitlist in wanted:
        if route_id is None:
            statuses.append(None)
            continue
        route = routes.get(route_id)
        if route is None:
            raise unknown_route(route_id)
        if route.confirmed + taken.get(route_id, 0) < route.capacity:
            taken[route_id] = taken.get(route_id, 0) + 1
            status = BookingStatus.CONFIRMED
        elif join_waitlist:
            status = BookingStatus.WAITLISTED
        else:
            refused.append(delegate.id)
            statuses.append(None)
            continue
        statuses.append(status)
        rows.append({"delegate_id": delegate.id, "route_id": route_id, "status": status, "created_at": now,
                     "confirmed_at": now if status == BookingStatus.CONFIRMED else None})
    if refused:
        raise RouteFull(f"{len(refused)} delegate(s) asked for a full route", delegate_ids=refused)
    for route_id, n in taken.items():
        if not ROUTE_SEATS.take_locked(routes[route_id], n):  # under the lock, counted above: always taken
            raise RuntimeError(f"route {route_id}: {n} seats counted free under its lock were not taken")
    bookings = iter(db.session.scalars(insert(RouteBooking).returning(RouteBooking, sort_by_parameter_order=True),
                                       rows).all() if rows else [])
    history.record("booked", *((row["delegate_id"], row["route_id"]) for row in rows
                               if row["status"] == BookingStatus.CONFIRMED))
    history.record("waiting", *((row["delegate_id"], row["route_id"]) for row in rows
                                if row["status"] == BookingStatus.WAITLISTED))
    out: list[RouteBooking | None] = []
    for (delegate, route_id, _), status in zip(wanted, statuses):
        booking = next(bookings) if status is not None else None
        if booking is not None:
            set_committed_value(booking, "route", routes[route_id])
            set_committed_value(booking, "delegate", delegate)
        set_committed_value(delegate, "booking", booking)
        out.append(booking)
    return out


def _take_seat_on(summit_id: int, route_id: int) -> VisitRoute | None:
    """Take a seat by route id: find, lock and count in one round-trip; None if full or unknown."""
    return ROUTE_SEATS.take_by_id(summit_id, route_id)


def _add_booking(delegate, route: VisitRoute, status: str) -> RouteBooking:
    now = utcnow()
    booking = insert_row(RouteBooking, {
        "delegate_id": delegate.id, "route_id": route.id, "status": status,
        "created_at": now, "confirmed_at": now if status == BookingStatus.CONFIRMED else None})
    history.record("booked" if status == BookingStatus.CONFIRMED else "waiting", (delegate.id, route.id))
    # Linked in memory too, so showing the result needs no reload (and the route,
    # held only weakly by the session, stays with the booking).
    set_committed_value(booking, "route", route)
    set_committed_value(booking, "delegate", delegate)
    set_committed_value(delegate, "booking", booking)
    # The place in line is counted when asked (waitlist_position), after the commit: counted here,
    # under the route's lock, it made every delegate joining a long line wait for the count
    # of everyone ahead of the one before (bench/flash_crowd.py, registrations at a set rate).
    return booking


def _claim(target: VisitRoute, join_waitlist: bool) -> BookingStatus:
    if _take_seat(target):
        return BookingStatus.CONFIRMED
    if join_waitlist:
        return BookingStatus.WAITLISTED
    raise RouteFull(f"route {target.code} is full", route_id=target.id)


def place_delegate(delegate, route_id: int | None, *, join_waitlist: bool, keep_place: bool = False) -> PlaceChange:
    """Put the delegate on route ``route_id`` (None: on no route), atomically.

    * the same route as now: nothing changes (the seat or the place in line is kept);
    * a route with a free seat: the seat is taken and the old place released;
    * a full route: with ``join_waitlist`` the delegate gives up the old place and
      joins the end of the line; without it, RouteFull and the old place is kept;
    * a full route with ``join_waitlist`` and ``keep_place``, holding a confirmed place: the delegate
      joins the end of the line and keeps that place until promoted (then the two swap);
    * the route one waits for while keeping a place: nothing changes either.  Any other choice ends
      that wait first.
    Must run inside ``writing()`` with the delegate's row locked (see
    registration.lock_delegate), so two requests for one delegate take turns;
    the caller commits.
    """
    require_write_transaction()
    current = delegate.booking
    waiting = delegate.waiting
    if current is not None and current.route_id == route_id:
        return PlaceChange(current, [])
    if waiting is not None and waiting.route_id == route_id:
        return PlaceChange(current, [], waiting)
    if current is None and waiting is None:
        routes = lock_routes(delegate.summit_id, [route_id])
    else:  # a seat may free: a promotion may swap a place kept on any route
        routes = lock_summit_routes(delegate.summit_id)
    if route_id is not None and route_id not in routes:
        raise unknown_route(route_id)
    if current is not None or waiting is not None:
        # Read again under the routes' locks: a promotion may have swapped them while we waited.
        current, waiting = _bookings_of(delegate)
        if current is not None and current.route_id == route_id:
            return PlaceChange(current, [])
        if waiting is not None and waiting.route_id == route_id:
            return PlaceChange(current, [], waiting)

    if route_id is None:
        _drop_waiting(delegate)
        promoted = _release(current, routes[current.route_id]) if current else []
        set_committed_value(delegate, "booking", None)
        return PlaceChange(None, promoted)

    status = _claim(routes[route_id], join_waitlist)
    _drop_waiting(delegate)
    if (status == BookingStatus.WAITLISTED and keep_place and current is not None
            and current.status == BookingStatus.CONFIRMED):
        return PlaceChange(current, [], _add_waiting(delegate, routes[route_id]))
    promoted = _release(current, routes[current.route_id]) if current else []
    return PlaceChange(_add_booking(delegate, routes[route_id], status), promoted)


def _bookings_of(delegate) -> tuple[RouteBooking | None, RouteBooking | None]:
    """The delegate's place and kept wait as committed now (the routes locked), linked in memory."""
    rows = db.session.scalars(select(RouteBooking).where(RouteBooking.delegate_id == delegate.id)
                              .execution_options(populate_existing=True)).all()
    current = next((row for row in rows if not row.keeps_place), None)
    waiting = next((row for row in rows if row.keeps_place), None)
    set_committed_value(delegate, "booking", current)
    set_committed_value(delegate, "waiting", waiting)
    return current, waiting


def stop_waiting(delegate) -> bool:
    """Leave the line kept beside a confirmed place; the place stays (no seat moves).  Inside ``writing()``,
    the delegate locked.  False when the delegate was not waiting so."""
    require_write_transaction()
    had = db.session.execute(_BOOKINGS.delete().where(_BOOKINGS.c.delegate_id == delegate.id,
                                                      _BOOKINGS.c.keeps_place.is_(True))).rowcount
    set_committed_value(delegate, "waiting", None)
    return bool(had)


def _drop_waiting(delegate) -> None:
    """End the wait kept beside a place (no seat is involved); the delegate is locked."""
    db.session.execute(_BOOKINGS.delete().where(_BOOKINGS.c.delegate_id == delegate.id,
                                                _BOOKINGS.c.keeps_place.is_(True)))
    set_committed_value(delegate, "waiting", None)


def _add_waiting(delegate, route: VisitRoute) -> RouteBooking:
    """A place at the end of a full route's line, keeping the delegate's confirmed place meanwhile."""
    booking = insert_row(RouteBooking, {
        "delegate_id": delegate.id, "route_id": route.id, "status": BookingStatus.WAITLISTED,
        "created_at": utcnow(), "confirmed_at": None, "keeps_place": True})
    history.record("waiting", (delegate.id, route.id))
    set_committed_value(booking, "route", route)
    set_committed_value(booking, "delegate", delegate)
    set_committed_value(delegate, "waiting", booking)
    return booking


def set_capacity(route: VisitRoute, capacity: int) -> list[RouteBooking]:
    """Change a route's capacity; raising it promotes from the line at once (inside ``writing()``)."""
    require_write_transaction()
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0 or capacity > MAX_CAPACITY:
        raise ValidationFailed({"capacity": [f"a whole number from 0 to {MAX_CAPACITY}"]})
    # all of them: a promotion may swap a place kept on another route
    route = lock_summit_routes(route.summit_id)[route.id]
    if capacity < route.confirmed:
        raise CapacityBelowConfirmed(
            f"{route.confirmed} delegates already hold a place on {route.code}; "
            f"move or cancel some before lowering the capacity to {capacity}",
            confirmed=route.confirmed)
    route.capacity = capacity
    route.revision += 1
    route.updated_at = utcnow()
    db.session.flush()
    return promote_waiting(route)


_COUNT_AHEAD = (select(func.count()).select_from(_BOOKINGS)
                .where(_BOOKINGS.c.route_id == bindparam("route_id"), _BOOKINGS.c.status == BookingStatus.WAITLISTED,
                       _BOOKINGS.c.id < bindparam("id")))


def waitlist_position(booking: RouteBooking) -> int | None:
    """1 for the first in line; None for a confirmed place."""
    if booking.status != BookingStatus.WAITLISTED:
        return None
    ahead = db.session.connection().execute(
        _COUNT_AHEAD, {"route_id": booking.route_id, "id": booking.id}).scalar_one()
    return ahead + 1
