"""Waiting for a full route while keeping a confirmed place: the swap on promotion (both databases)."""
from __future__ import annotations

from sqlalchemy import select

from summit.plumbing.extensions import db
from summit.models import Delegate, RouteBooking, VisitRoute
from summit.services.registration import delegates as registration
from summit.plumbing.database import writing
from summit.services.visits import capacity as places
from summit.services.visits.capacity import waitlist_position

from support.factories import register, route, set_capacity


def fresh(delegate):
    db.session.expire_all()
    return db.session.get(Delegate, delegate.id)


def counts(*routes) -> list[int]:
    db.session.expire_all()
    return [db.session.get(VisitRoute, r.id).confirmed for r in routes]


def raise_capacity(route_row, capacity: int):
    """As the console and PATCH /api/v1/routes/<id> do: promotions happen at once."""
    with writing():
        return places.set_capacity(db.session.get(VisitRoute, route_row.id), capacity)


def rows(delegate) -> list[tuple]:
    db.session.expire_all()
    return sorted((b.route_id, b.status, b.keeps_place) for b in db.session.scalars(
        select(RouteBooking).where(RouteBooking.delegate_id == delegate.id)))


def test_waiting_with_keep_place_keeps_the_confirmed_seat(summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 1)
    register(summit, route_id=r1.id)
    d = register(summit, route_id=r2.id).delegate
    change = registration.choose_route(d, {"route_id": r1.id, "join_waitlist": True, "keep_place": True})
    assert change.booking.route_id == r2.id and change.booking.status == "confirmed"
    assert change.waiting.route_id == r1.id and change.promoted == []
    assert rows(d) == sorted([(r2.id, "confirmed", False), (r1.id, "waitlisted", True)])
    assert counts(r1, r2) == [1, 1]
    assert waitlist_position(fresh(d).waiting) == 1
    # naming the route one waits for, or the one held, changes nothing
    registration.choose_route(d, {"route_id": r1.id, "join_waitlist": True, "keep_place": True})
    registration.choose_route(d, {"route_id": r2.id})
    assert rows(d) == sorted([(r2.id, "confirmed", False), (r1.id, "waitlisted", True)])


def test_without_keep_place_the_old_seat_goes_as_before(summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 1)
    register(summit, route_id=r1.id)
    d = register(summit, route_id=r2.id).delegate
    registration.choose_route(d, {"route_id": r1.id, "join_waitlist": True})
    assert rows(d) == [(r1.id, "waitlisted", False)]
    assert counts(r1, r2) == [1, 0]


def test_promotion_swaps_the_kept_place_and_hands_it_on(summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 1)
    set_capacity(r2, 1)
    holder = register(summit, route_id=r1.id).delegate
    d = register(summit, route_id=r2.id).delegate
    registration.choose_route(d, {"route_id": r1.id, "join_waitlist": True, "keep_place": True})
    behind = register(summit, route_id=r2.id, join_waitlist=True).delegate  # waits for d's seat on R2
    change = registration.cancel(holder)
    assert [(b.delegate_id, b.route_id) for b in change.promoted] == [(d.id, r1.id), (behind.id, r2.id)]
    assert change.promoted[0].released_route.id == r2.id
    assert rows(d) == [(r1.id, "confirmed", False)]
    assert rows(behind) == [(r2.id, "confirmed", False)]
    assert counts(r1, r2) == [1, 1]


def test_promotion_on_a_capacity_raise_swaps_and_frees_the_kept_seat(summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 1)
    register(summit, route_id=r1.id)
    d = register(summit, route_id=r2.id).delegate
    registration.choose_route(d, {"route_id": r1.id, "join_waitlist": True, "keep_place": True})
    raise_capacity(r1, 2)
    assert rows(d) == [(r1.id, "confirmed", False)]
    assert counts(r1, r2) == [2, 0]


def test_promotion_follows_the_line_order_of_both_kinds(summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 1)
    register(summit, route_id=r1.id)
    plain = register(summit, route_id=r1.id, join_waitlist=True).delegate
    keeper = register(summit, route_id=r2.id).delegate
    registration.choose_route(keeper, {"route_id": r1.id, "join_waitlist": True, "keep_place": True})
    assert waitlist_position(fresh(keeper).waiting) == 2
    raise_capacity(r1, 2)
    assert rows(plain) == [(r1.id, "confirmed", False)]
    assert rows(keeper) == sorted([(r2.id, "confirmed", False), (r1.id, "waitlisted", True)])
    raise_capacity(r1, 3)
    assert rows(keeper) == [(r1.id, "confirmed", False)]
    assert counts(r1, r2) == [3, 0]


def test_a_cycle_of_kept_places_settles_without_overbooking(summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 1)
    set_capacity(r2, 1)
    a = register(summit, route_id=r1.id).delegate
    b = register(summit, route_id=r2.id).delegate
    # each waits for the other's route, keeping their own
    registration.choose_route(a, {"route_id": r2.id, "join_waitlist": True, "keep_place": True})
    registration.choose_route(b, {"route_id": r1.id, "join_waitlist": True, "keep_place": True})
    raise_capacity(r1, 2)  # b moves to R1 and gives up R2, which goes to a, who gives up R1
    assert rows(b) == [(r1.id, "confirmed", False)]
    assert rows(a) == [(r2.id, "confirmed", False)]
    assert counts(r1, r2) == [1, 1]


def test_choosing_another_route_or_cancelling_ends_the_wait(summit):
    r1, r2, r3 = route(summit, "R1"), route(summit, "R2"), route(summit, "R3")
    set_capacity(r1, 1)
    register(summit, route_id=r1.id)
    d = register(summit, route_id=r2.id).delegate
    registration.choose_route(d, {"route_id": r1.id, "join_waitlist": True, "keep_place": True})
    registration.choose_route(d, {"route_id": r3.id})
    assert rows(d) == [(r3.id, "confirmed", False)]
    registration.choose_route(d, {"route_id": r1.id, "join_waitlist": True, "keep_place": True})
    registration.cancel(d)
    assert rows(d) == []
    assert counts(r1, r2, r3) == [1, 0, 0]
