"""Two scanners on one badge: a real gunicorn server, several worker processes, on SQLite and (with
SUMMIT_TEST_DATABASE_URL) PostgreSQL. Many POST /api/v1/checkins of one code at one zone at once, and many
sync uploads of different scans of one badge at once: exactly one is checked in.

The control runs the same crowds against the app whose entry is taken by a naive check-then-insert
(race_controls.naive_check_in): it answers "checked in" more than once, which proves the test would catch
the race.
"""
from __future__ import annotations

import hashlib
import uuid

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from summit.models import Scan, ZoneEntry, utcnow
from summit.plumbing.extensions import db
from summit.services.checkin.codes import SALT

from support.badge_helpers import staff_token
from support.factories import make_delegate
from support.live_app import SECRET_KEY
from support.live_server import gunicorn

pytestmark = pytest.mark.slow

SCANNERS = 40


def live_code(delegate) -> str:
    """The badge's code as the live server signs it (its own secret)."""
    return URLSafeSerializer(SECRET_KEY, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256}).dumps(
        [delegate.summit_id, delegate.id, delegate.badge_version])


def counts(delegate_id: int) -> tuple[int, int]:
    db.session.rollback()
    entries = db.session.scalar(select(func.count()).select_from(ZoneEntry).where(ZoneEntry.delegate_id == delegate_id))
    scans = db.session.scalar(select(func.count()).select_from(Scan).where(Scan.delegate_id == delegate_id))
    return entries, scans


def crowds(server, summit, token):
    """Scanners at one door at once (online), then offline devices syncing one badge at once."""
    online = make_delegate(summit, "Online", "Crowd", category="government")
    offline = make_delegate(summit, "Offline", "Crowd", category="government")
    code = live_code(online)
    answers = server.parallel([("POST", "/api/v1/checkins", {"code": code, "zone": "ministerial"}, token)]
                              * SCANNERS)
    at = utcnow().isoformat()
    uploads = [("POST", "/api/v1/checkins/sync", {"device": f"door {n}", "scans": [
        {"id": str(uuid.uuid4()), "code": live_code(offline), "zone": "ministerial", "scanned_at": at}]}, token)
        for n in range(SCANNERS)]
    synced = server.parallel(uploads)
    return online, answers, offline, synced


def test_two_scanners_on_one_badge_check_it_in_exactly_once(database_url, summit):
    token = staff_token()
    with gunicorn(database_url) as server:
        online, answers, offline, synced = crowds(server, summit, token)
        log = server.log()
    assert "Traceback" not in log, log[-3000:]
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == 1 and statuses.count(409) == SCANNERS - 1, statuses
    assert {body["error"] for status, body in answers if status == 409} == {"already_checked_in"}
    firsts = {body["checked_in_at"] for status, body in answers if status == 409}
    assert firsts == {next(body["checked_in_at"] for status, body in answers if status == 200)}
    assert counts(online.id) == (1, SCANNERS)  # one entry; every scan in the history
    assert {status for status, _ in synced} == {200}
    outcomes = [body["results"][0]["outcome"] for _, body in synced]
    assert outcomes.count("checked_in") == 1 and outcomes.count("already_checked_in") == SCANNERS - 1
    assert counts(offline.id) == (1, SCANNERS)


def test_control_a_check_then_insert_app_checks_the_badge_in_more_than_once(database_url, summit):
    """Proves the test above can fail: the naive app answers "checked in" to several scanners."""
    token = staff_token()
    with gunicorn(database_url, app="support.live_app:make(naive_check_in=True)") as server:
        _, answers, _, synced = crowds(server, summit, token)
    admitted = [status for status, _ in answers if status == 200]
    outcomes = [body["results"][0]["outcome"] for status, body in synced if status == 200]
    assert len(admitted) > 1, "the naive app checked in once: the race was not exercised"
    assert outcomes.count("checked_in") > 1, "the naive sync checked in once: the race was not exercised"
