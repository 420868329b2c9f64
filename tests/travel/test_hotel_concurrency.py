"""Hotel room blocks under a crowd: a real gunicorn server, several worker processes, parallel PATCHes, on
SQLite and (SUMMIT_TEST_DATABASE_URL) PostgreSQL. The rule is the routes' (services/capacity/counters.py);
the control swaps it for a count-then-insert and must overbook, proving the test would catch the race."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from summit.models import Hotel, HotelNight, RoomNight
from summit.plumbing.extensions import db

from support.factories import register
from support.live_server import gunicorn

pytestmark = pytest.mark.slow

#: the block, for the test and its control alike: smaller than the requests the server runs at once (on
#: PostgreSQL the crowd met a block of 4 about four at a time, so the unguarded control filled it exactly and
#: saw no race)
ROOMS = 2
CROWD = 30
NIGHTS = ["2024-09-24", "2024-09-25"]


def _hotel(code: str) -> Hotel:
    return db.session.scalars(select(Hotel).where(Hotel.code == code)).one()


def _crowd(summit):
    hotel = _hotel("cncc-grand")
    for night in hotel.nights:
        night.rooms = ROOMS  # the block's size (an organiser's setting), not its counter
    db.session.commit()
    tokens = [register(summit).manage_token for _ in range(CROWD)]
    calls = [("PATCH", "/api/v1/registrations/self", {"hotel": {"hotel_id": hotel.id, "nights": NIGHTS}}, token)
             for token in tokens]
    return hotel.id, calls


def _rows(hotel_id: int) -> dict[str, tuple[int, int]]:
    """night → (booked counter, room_night rows)"""
    db.session.rollback()
    out = {}
    for night in db.session.scalars(select(HotelNight).where(HotelNight.hotel_id == hotel_id)
                                    .execution_options(populate_existing=True)):
        rows = db.session.scalar(select(func.count()).select_from(RoomNight)
                                 .where(RoomNight.hotel_night_id == night.id))
        out[night.night.isoformat()] = (night.booked, rows)
    return out


def test_a_crowd_never_overbooks_a_hotel_block_and_the_full_are_offered_the_next_nearest(database_url, summit):
    hotel_id, calls = _crowd(summit)
    next_nearest = _hotel("intercontinental-beichen").id
    with gunicorn(database_url) as server:
        answers = server.parallel(calls)
    statuses = sorted(status for status, _ in answers)
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) == ROOMS
    refused = [body for status, body in answers if status == 409]
    assert all(b["error"] == "hotel_full" and b["alternative"] == next_nearest for b in refused)
    counts = _rows(hotel_id)
    for night in NIGHTS:
        assert counts[night] == (ROOMS, ROOMS), counts
    kept = [b for s, b in answers if s == 200]
    assert all(b["hotel"] == {"hotel_id": hotel_id, "code": "cncc-grand", "nights": NIGHTS} for b in kept)


def test_control_the_same_crowd_overbooks_without_the_guard(database_url, summit):
    hotel_id, calls = _crowd(summit)
    with gunicorn(database_url, app="support.live_app:make(hotel_guard=False)") as server:
        answers = server.parallel(calls)
    accepted = [b for s, b in answers if s == 200]
    counts = _rows(hotel_id)
    assert max(rows for _, rows in counts.values()) > ROOMS, \
        f"the unguarded app did not overbook: the race was not exercised ({counts}, {[s for s, _ in answers]})"
    assert len(accepted) > ROOMS
