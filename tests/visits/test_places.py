"""The capacity rule and the waiting list, at the service level."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from summit.plumbing.database import writing
from summit.plumbing.extensions import db
from summit.models import Delegate, RouteBooking
from summit.services.visits import capacity as places
from summit.services.registration import delegates as registration
from summit.plumbing.errors import ValidationFailed
from summit.services.visits.capacity import CapacityBelowConfirmed, RouteFull, waitlist_position
from summit.services.registration.delegates import EmailTaken

from support.factories import register, route, set_capacity


def fresh(delegate):
    db.session.expire_all()
    return db.session.get(Delegate, delegate.id)


def line(route_row) -> list[int]:
    return list(db.session.scalars(db.select(RouteBooking.delegate_id).where(
        RouteBooking.route_id == route_row.id, RouteBooking.status == "waitlisted").order_by(RouteBooking.id)))


def test_seats_fill_to_capacity_then_the_line_forms_in_order(summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 2)
    confirmed = [register(summit, route_id=r1.id).delegate for _ in range(2)]
    waiting = [register(summit, route_id=r1.id, join_waitlist=True).delegate for _ in range(3)]
    assert [d.booking.status for d in confirmed] == ["confirmed", "confirmed"]
    assert [waitlist_position(fresh(d).booking) for d in waiting] == [1, 2, 3]
    db.session.refresh(r1)
    assert (r1.confirmed, r1.capacity) == (2, 2)


def test_full_route_without_waitlist_is_refused_and_creates_nothing(summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    register(summit, route_id=r1.id)
    before = db.session.query(Delegate).count()
    with pytest.raises(RouteFull) as info:
        register(summit, route_id=r1.id, email="late@example.org")
    assert info.value.code == "route_full" and info.value.status == 409
    assert db.session.query(Delegate).count() == before


def test_cancelling_a_confirmed_place_promotes_the_first_in_line_at_once(summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    holder = register(summit, route_id=r1.id).delegate
    first = register(summit, route_id=r1.id, join_waitlist=True).delegate
    second = register(summit, route_id=r1.id, join_waitlist=True).delegate
    change = registration.cancel(holder)
    assert [b.delegate_id for b in change.promoted] == [first.id]
    assert fresh(first).booking.status == "confirmed"
    assert waitlist_position(fresh(second).booking) == 1
    assert fresh(holder).status == "cancelled" and fresh(holder).booking is None
    db.session.refresh(r1)
    assert r1.confirmed == 1


def test_switching_to_a_free_route_releases_the_old_seat_to_the_line(summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 1)
    mover = register(summit, route_id=r1.id).delegate
    waiting = register(summit, route_id=r1.id, join_waitlist=True).delegate
    change = registration.choose_route(mover, {"route_id": r2.id})
    assert change.booking.route_id == r2.id and change.booking.status == "confirmed"
    assert [b.delegate_id for b in change.promoted] == [waiting.id]
    db.session.refresh(r1)
    db.session.refresh(r2)
    assert (r1.confirmed, r2.confirmed) == (1, 1)


def test_switching_to_a_full_route_keeps_the_old_seat_unless_the_delegate_chose_to_wait(summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r2, 1)
    register(summit, route_id=r2.id)
    mover = register(summit, route_id=r1.id).delegate
    with pytest.raises(RouteFull):
        registration.choose_route(mover, {"route_id": r2.id})
    assert fresh(mover).booking.route_id == r1.id and fresh(mover).booking.status == "confirmed"
    change = registration.choose_route(fresh(mover), {"route_id": r2.id, "join_waitlist": True})
    assert change.booking.status == "waitlisted" and waitlist_position(change.booking) == 1
    db.session.refresh(r1)
    assert r1.confirmed == 0


def test_naming_the_route_one_holds_changes_nothing(summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    register(summit, route_id=r1.id)
    first = register(summit, route_id=r1.id, join_waitlist=True).delegate
    second = register(summit, route_id=r1.id, join_waitlist=True).delegate
    booking_id = fresh(second).booking.id
    registration.choose_route(fresh(second), {"route_id": r1.id, "join_waitlist": True})
    registration.choose_route(fresh(second), {"route_id": r1.id})
    assert fresh(second).booking.id == booking_id and waitlist_position(fresh(second).booking) == 2
    assert line(r1) == [first.id, second.id]


def test_leaving_the_waiting_list_moves_those_behind_up(summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 0)
    first = register(summit, route_id=r1.id, join_waitlist=True).delegate
    second = register(summit, route_id=r1.id, join_waitlist=True).delegate
    registration.choose_route(fresh(first), {"route_id": None})
    assert fresh(first).booking is None
    assert waitlist_position(fresh(second).booking) == 1


def test_raising_capacity_promotes_in_order_and_lowering_below_confirmed_is_refused(summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    register(summit, route_id=r1.id)
    waiting = [register(summit, route_id=r1.id, join_waitlist=True).delegate for _ in range(3)]
    with writing():
        promoted = places.set_capacity(r1, 3)
    assert [b.delegate_id for b in promoted] == [waiting[0].id, waiting[1].id]
    assert line(r1) == [waiting[2].id]
    with pytest.raises(CapacityBelowConfirmed) as info, writing():
        places.set_capacity(r1, 2)
    assert info.value.code == "capacity_below_confirmed"
    with pytest.raises(ValidationFailed), writing():
        places.set_capacity(r1, -1)


def test_the_database_itself_refuses_an_overbooked_route(summit):
    r1 = route(summit, "R1")
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE visit_route SET confirmed = capacity + 1 WHERE id = :id"), {"id": r1.id})
        db.session.commit()
    db.session.rollback()


def test_one_booking_per_delegate_is_a_database_rule(summit):
    d = register(summit, route_id=route(summit, "R1").id).delegate
    with pytest.raises(IntegrityError):
        db.session.add(RouteBooking(delegate_id=d.id, route_id=route(summit, "R2").id, status="waitlisted"))
        db.session.commit()
    db.session.rollback()


def test_email_is_unique_case_insensitively_and_free_again_after_cancelling(summit):
    first = register(summit, email="Chen.Li@Example.ORG").delegate
    assert first.email == "chen.li@example.org"
    with pytest.raises(EmailTaken):
        register(summit, email="chen.li@EXAMPLE.org")
    registration.cancel(first)
    assert register(summit, email="CHEN.LI@example.org").delegate.id != first.id


def test_unknown_route_is_a_field_error_and_another_summits_route_is_unknown(summit):
    with pytest.raises(ValidationFailed) as info:
        register(summit, route_id=99999)
    assert "route_id" in info.value.errors
    assert db.session.query(Delegate).count() == 0
