"""A delegation's places under a crowd of focal-point requests: a real gunicorn server, several worker
processes, on SQLite and (with SUMMIT_TEST_DATABASE_URL) PostgreSQL.

The control runs the same crowd against the app with the conditional UPDATE swapped for a naive
count-then-insert (race_controls.unguarded_delegation_places): it must overfill the delegation, which
proves the test would catch the race.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from summit.models import Delegate, Delegation
from summit.plumbing.extensions import db
from summit.services.accreditation import delegations

from support.factories import delegate_data
from support.live_server import gunicorn

pytestmark = pytest.mark.slow

PLACES = 5
CROWD = 120


def make(summit) -> delegations.Issued:
    issued = delegations.create_delegation(summit, {
        "name_zh": "并发代表团", "name_en": "Crowded delegation", "country": "KE", "focal_name": "Focal Point",
        "focal_email": "focal@example.org", "places": PLACES}, None)
    db.session.commit()
    return issued


def live_members(delegation_id: int) -> tuple[int, int]:
    """(live member rows, members_live as counted)."""
    db.session.rollback()
    rows = db.session.scalar(select(func.count()).select_from(Delegate).where(
        Delegate.delegation_id == delegation_id, Delegate.status == "registered"))
    return rows, db.session.get(Delegation, delegation_id, populate_existing=True).members_live


def crowd(server, token: str):
    calls = []
    for _ in range(CROWD):
        body = delegate_data()
        body.pop("consent")
        calls.append(("POST", "/api/v1/delegations/self/members", body, token))
    return server.parallel(calls)


def test_a_crowd_of_members_never_overfills_the_delegation(database_url, summit):
    issued = make(summit)
    with gunicorn(database_url) as server:
        answers = crowd(server, issued.token)
        statuses = [status for status, _ in answers]
        assert set(statuses) <= {201, 409}, [b for s, b in answers if s not in (201, 409)][:3]
        assert statuses.count(201) == PLACES
        assert all(body["error"] == "delegation_full" for status, body in answers if status == 409)
        assert live_members(issued.delegation.id) == (PLACES, PLACES)

        # Everyone withdraws at once while a second crowd comes: the places free and fill again, never over.
        tokens = [body["token"] for status, body in answers if status == 201]
        withdrawals = [("DELETE", "/api/v1/registrations/self", None, t) for t in tokens]
        again = []
        for _ in range(CROWD // 2):
            body = delegate_data()
            body.pop("consent")
            again.append(("POST", "/api/v1/delegations/self/members", body, issued.token))
        answers = server.parallel(withdrawals + again)
        assert {s for s, _ in answers} <= {201, 204, 409}
        assert [s for s, _ in answers[:PLACES]] == [204] * PLACES
        rows, counted = live_members(issued.delegation.id)
        assert rows == counted <= PLACES
        listed = server.call("GET", "/api/v1/delegations/self", token=issued.token)[1]
        assert len(listed["members"]) == rows


def test_control_the_same_crowd_overfills_without_the_guard(database_url, summit):
    """Proves the test above can fail: a count-then-insert app lets more members in than there are places."""
    issued = make(summit)
    with gunicorn(database_url, app="support.live_app:make(delegation_guard=False)") as server:
        answers = crowd(server, issued.token)
    accepted = [s for s, _ in answers if s == 201]
    rows, _ = live_members(issued.delegation.id)
    assert rows > PLACES and len(accepted) > PLACES, "the unguarded app did not overfill: the race was not exercised"
