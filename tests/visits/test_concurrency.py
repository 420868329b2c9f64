"""The capacity rule under a flash crowd: a real gunicorn server, several worker processes,
hundreds of parallel requests; on SQLite and (with SUMMIT_TEST_DATABASE_URL) on PostgreSQL.

Each test has a control: the same run against the app with the guard swapped for a
naive count-then-insert must overbook, which proves the checks would catch the race.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from summit.plumbing.extensions import db
from summit.models import RouteBooking, VisitRoute

from support.factories import delegate_data, route, set_capacity
from support.live_server import gunicorn

# serial: on SQLite beside the PostgreSQL run, the flash crowd twice left the database file unreadable
# ("file is not a database") for every test after it; alone it passes. Not understood yet: see the notes.
pytestmark = [pytest.mark.slow, pytest.mark.serial]

CAPACITY = 5
CROWD = 200


def booked(route_id: int, status: str) -> list[int]:
    db.session.rollback()
    return list(db.session.scalars(select(RouteBooking.delegate_id).where(
        RouteBooking.route_id == route_id, RouteBooking.status == status).order_by(RouteBooking.id)))


def counter(route_id: int) -> int:
    db.session.rollback()
    return db.session.get(VisitRoute, route_id, populate_existing=True).confirmed


def flash_crowd(server, route_id):
    calls = [("POST", "/api/v1/registrations", delegate_data(route_id=route_id, join_waitlist=i % 2 == 0), None)
             for i in range(CROWD)]
    return server.parallel(calls)


def test_flash_crowd_never_overbooks_and_counts_agree(database_url, summit):
    r1 = route(summit, "R1")
    set_capacity(r1, CAPACITY)
    with gunicorn(database_url) as server:
        answers = flash_crowd(server, r1.id)
        statuses = [status for status, _ in answers]
        assert set(statuses) <= {201, 409}, statuses
        confirmed = [b for s, b in answers if s == 201 and b["route"]["status"] == "confirmed"]
        waiting = [b for s, b in answers if s == 201 and b["route"]["status"] == "waitlisted"]
        refused = [b for s, b in answers if s == 409]
        assert len(confirmed) == CAPACITY
        assert len(confirmed) + len(waiting) + len(refused) == CROWD
        assert all(b["error"] == "route_full" for b in refused)
        # Positions handed out are 1..n, each once.
        assert sorted(b["route"]["waitlist_position"] for b in waiting) == list(range(1, len(waiting) + 1))

        assert len(booked(r1.id, "confirmed")) == counter(r1.id) == CAPACITY
        assert len(booked(r1.id, "waitlisted")) == len(waiting)
        listed = next(r for r in server.call("GET", "/api/v1/routes")[1]["routes"] if r["id"] == r1.id)
        assert (listed["confirmed"], listed["waitlisted"], listed["remaining"]) == (CAPACITY, len(waiting), 0)

        # Everyone holding a seat cancels at once: exactly as many promoted, first come first served.
        line = booked(r1.id, "waitlisted")
        tokens = [b["token"] for b in confirmed]
        cancelled = server.parallel([("DELETE", "/api/v1/registrations/self", None, t) for t in tokens])
        assert [s for s, _ in cancelled] == [204] * CAPACITY
        assert booked(r1.id, "confirmed") == line[:CAPACITY]
        assert booked(r1.id, "waitlisted") == line[CAPACITY:]
        assert counter(r1.id) == CAPACITY


def test_parallel_route_switches_never_exceed_any_capacity(database_url, summit):
    routes = [route(summit, code) for code in ("R1", "R2", "R3", "R4")]
    for r in routes:
        set_capacity(r, 6)
    with gunicorn(database_url) as server:
        # 24 delegates fill the four routes; then everyone tries to move to the next route at once,
        # half of them willing to wait.
        people = []
        for i in range(24):
            status, body = server.call("POST", "/api/v1/registrations",
                                       delegate_data(route_id=routes[i % 4].id))
            assert status == 201
            people.append((body["token"], i % 4))
        extra = [server.call("POST", "/api/v1/registrations",
                             delegate_data(route_id=routes[i % 4].id, join_waitlist=True))[1]["token"]
                 for i in range(8)]
        moves = [("PATCH", "/api/v1/registrations/self",
                  {"route_id": routes[(home + 1) % 4].id, "join_waitlist": n % 2 == 0}, token)
                 for n, (token, home) in enumerate(people)]
        moves += [("DELETE", "/api/v1/registrations/self", None, token) for token in extra[:4]]
        answers = server.parallel(moves * 1)
        assert {s for s, _ in answers} <= {200, 204, 409}
        for r in routes:
            assert counter(r.id) == len(booked(r.id, "confirmed")) <= 6
        db.session.rollback()
        per_delegate = db.session.execute(
            select(RouteBooking.delegate_id, func.count()).group_by(RouteBooking.delegate_id)).all()
        assert all(n == 1 for _, n in per_delegate)
        # Nobody waits on a route that still has a free seat.
        for r in routes:
            assert counter(r.id) == 6 or booked(r.id, "waitlisted") == []


def test_one_delegates_own_parallel_requests_take_turns(database_url, summit):
    """A delegate double-clicking, or a script retrying: their requests for themselves at once.

    Each must see what the one before it committed; a stale copy of the booking would
    answer 500 (a second booking) or free a seat twice.
    """
    routes = [route(summit, code) for code in ("R1", "R2", "R3", "R4")]
    for r in routes:
        set_capacity(r, 3)
    with gunicorn(database_url) as server:
        tokens = [server.call("POST", "/api/v1/registrations", delegate_data(route_id=routes[i % 4].id))[1]["token"]
                  for i in range(12)]
        calls = [("PATCH", "/api/v1/registrations/self", {"route_id": r.id, "join_waitlist": n % 2 == 0}, token)
                 for token in tokens for n, r in enumerate(routes)] * 2
        answers = server.parallel(calls)
        assert {s for s, _ in answers} <= {200, 409}, [b for s, b in answers if s >= 500]
    for r in routes:
        assert counter(r.id) == len(booked(r.id, "confirmed")) <= 3
    db.session.rollback()
    per_delegate = db.session.execute(
        select(RouteBooking.delegate_id, func.count()).group_by(RouteBooking.delegate_id)).all()
    assert len(per_delegate) == 12 and all(n == 1 for _, n in per_delegate)
    for r in routes:
        assert counter(r.id) == 3 or booked(r.id, "waitlisted") == []


def test_control_the_same_crowd_overbooks_without_the_guard(database_url, summit):
    """Proves the flash-crowd test can fail: a count-then-insert app overbooks under the same load."""
    r1 = route(summit, "R1")
    set_capacity(r1, CAPACITY)
    with gunicorn(database_url, app="support.live_app:make(guard=False)") as server:
        answers = flash_crowd(server, r1.id)
    confirmed_answers = [b for s, b in answers if s == 201 and b["route"]["status"] == "confirmed"]
    confirmed_rows = booked(r1.id, "confirmed")
    assert len(confirmed_rows) > CAPACITY, "the unguarded app did not overbook: the race was not exercised"
    assert len(confirmed_answers) > CAPACITY


def _kept_place_line(server, routes):
    """R1 full (4 holders); 8 delegates on R2 (full) wait for R1 keeping their R2 seat; 4 more wait for R2."""
    r1, r2 = routes
    holders = [server.call("POST", "/api/v1/registrations", delegate_data(route_id=r1.id))[1]["token"]
               for _ in range(4)]
    keepers = []
    for _ in range(8):
        status, body = server.call("POST", "/api/v1/registrations", delegate_data(route_id=r2.id))
        assert status == 201 and body["route"]["status"] == "confirmed"
        token = body["token"]
        status, body = server.call("PATCH", "/api/v1/registrations/self",
                                   {"route_id": r1.id, "join_waitlist": True, "keep_place": True}, token)
        assert status == 200 and body["route"]["id"] == r2.id and body["waiting"]["id"] == r1.id, body
        keepers.append((body["id"], token))
    plain = [server.call("POST", "/api/v1/registrations",
                         delegate_data(route_id=r2.id, join_waitlist=True))[1]["id"] for _ in range(4)]
    return holders, keepers, plain


def test_parallel_cancellations_swap_kept_places_in_line_order_without_overbooking(database_url, summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 4)
    set_capacity(r2, 8)
    with gunicorn(database_url) as server:
        holders, keepers, plain = _kept_place_line(server, (r1, r2))
        keepers = [i for i, _ in keepers]
        answers = server.parallel([("DELETE", "/api/v1/registrations/self", None, t) for t in holders])
        assert {s for s, _ in answers} == {204}
    # R1's four seats went to the first four in its line, each giving up an R2 seat to R2's line in turn
    assert booked(r1.id, "confirmed") == keepers[:4]
    assert sorted(booked(r2.id, "confirmed")) == sorted(keepers[4:] + plain)
    assert booked(r1.id, "waitlisted") == keepers[4:]
    assert booked(r2.id, "waitlisted") == []
    assert counter(r1.id) == 4 and counter(r2.id) == 8
    db.session.rollback()
    places_held = db.session.execute(
        select(RouteBooking.delegate_id, func.count()).where(RouteBooking.status == "confirmed")
        .group_by(RouteBooking.delegate_id)).all()
    assert all(n == 1 for _, n in places_held)


def test_parallel_switches_and_cancellations_with_kept_places_never_overbook(database_url, summit):
    r1, r2, r3 = route(summit, "R1"), route(summit, "R2"), route(summit, "R3")
    set_capacity(r1, 4)
    set_capacity(r2, 8)
    set_capacity(r3, 3)
    with gunicorn(database_url) as server:
        holders, keepers, plain = _kept_place_line(server, (r1, r2))
        calls = [("DELETE", "/api/v1/registrations/self", None, t) for t in holders]
        # while R1's seats free, every keeper also asks for R3 (3 seats): a free seat there ends their
        # wait for R1 and frees their R2 seat; once R3 is full, half of them wait for it keeping their place
        calls += [("PATCH", "/api/v1/registrations/self",
                   {"route_id": r3.id, "join_waitlist": True, "keep_place": n % 2 == 0}, t)
                  for n, (_, t) in enumerate(keepers)]
        answers = server.parallel(calls * 1)
        assert {s for s, _ in answers} <= {200, 204}, [b for s, b in answers if s >= 300]
    for r, cap in ((r1, 4), (r2, 8), (r3, 3)):
        assert counter(r.id) == len(booked(r.id, "confirmed")) <= cap
        assert counter(r.id) == cap or booked(r.id, "waitlisted") == []
    db.session.rollback()
    places_held = db.session.execute(
        select(RouteBooking.delegate_id, func.count()).where(RouteBooking.status == "confirmed")
        .group_by(RouteBooking.delegate_id)).all()
    assert all(n == 1 for _, n in places_held)
    kept = db.session.scalars(select(RouteBooking).where(RouteBooking.keeps_place.is_(True))).all()
    for row in kept:  # a kept wait always stands beside a confirmed place
        assert db.session.scalar(select(func.count()).select_from(RouteBooking).where(
            RouteBooking.delegate_id == row.delegate_id, RouteBooking.status == "confirmed")) == 1
