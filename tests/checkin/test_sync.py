"""Offline scans synced: idempotent by id, earliest wins in an upload, the first to arrive across uploads
(with the entry's time moved to the earliest admitting scan and the conflict marked), each scan on its own."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select

from summit.models import Delegate, Scan, ZoneEntry, utcnow
from summit.plumbing.extensions import db
from summit.services.badges.reissue import reissue_badge
from summit.services.checkin.arrivals import check_in
from summit.services.checkin.codes import checkin_code
from summit.services.checkin.sync import sync_scans

from support.badge_helpers import staff_user
from support.factories import make_delegate


def scan(code, at, zone="venue", scan_id=None) -> dict:
    return {"id": scan_id or str(uuid.uuid4()), "code": code, "zone": zone, "scanned_at": at.isoformat()}


def results(summit, scans, user=None, device="door A"):
    return [(r.outcome, r.checked_in_at) for r in sync_scans(summit, scans, user, device=device)]


def count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_scan_sent_again_counts_once_and_answers_its_first_result(summit):
    d = make_delegate(summit)
    at = datetime(2024, 9, 25, 8, 40, tzinfo=summit.zone)
    first = scan(checkin_code(d), at)
    assert results(summit, [first]) == [("checked_in", at)]
    again = results(summit, [first, first])
    assert again == [("checked_in", at)] * 2  # final: never turned into already_checked_in
    assert count(Scan) == 1 and count(ZoneEntry) == 1
    assert db.session.get(Delegate, d.id, populate_existing=True).checked_in_at == at


def test_within_one_upload_the_earliest_scan_wins_whatever_the_order(summit):
    d = make_delegate(summit)
    code = checkin_code(d)
    t = datetime(2024, 9, 25, 9, 0, tzinfo=summit.zone)
    out = results(summit, [scan(code, t + timedelta(minutes=5)), scan(code, t), scan(code, t + timedelta(minutes=1))])
    assert out == [("already_checked_in", t), ("checked_in", t), ("already_checked_in", t)]
    assert count(Scan, Scan.conflict.is_(True)) == 0  # one device that saw it itself: no conflict


def test_across_uploads_the_first_to_arrive_wins_and_the_time_moves_to_the_earliest(summit):
    a, b = staff_user("a@example.org"), staff_user("b@example.org")
    d = make_delegate(summit)
    code = checkin_code(d)
    t = datetime(2024, 9, 25, 9, 0, tzinfo=summit.zone)
    assert results(summit, [scan(code, t + timedelta(minutes=3))], a, "door A") == [
        ("checked_in", t + timedelta(minutes=3))]
    # door B was offline too, and saw the badge earlier
    assert results(summit, [scan(code, t)], b, "door B") == [("already_checked_in", t)]
    db.session.rollback()
    entry = db.session.scalars(select(ZoneEntry).execution_options(populate_existing=True)).one()
    assert entry.checked_in_at == t and entry.conflict
    assert db.session.get(Delegate, d.id, populate_existing=True).checked_in_at == t
    assert [s.conflict for s in db.session.scalars(select(Scan).order_by(Scan.id))] == [False, True]


def test_an_offline_scan_after_an_online_check_in_is_a_conflict(summit):
    d = make_delegate(summit)
    t = datetime(2024, 9, 25, 9, 0, tzinfo=summit.zone)
    check_in(checkin_code(d), None, summit=summit, at=t, device="api")
    assert results(summit, [scan(checkin_code(d), t + timedelta(minutes=2))]) == [("already_checked_in", t)]
    assert count(Scan, Scan.conflict.is_(True)) == 1


def test_each_scan_is_validated_alone_and_bad_ones_never_spoil_the_rest(summit):
    d = make_delegate(summit)
    other = make_delegate(summit, "Bo", "Other", category="enterprise")
    pending = make_delegate(summit, "Pen", "Ding", accreditation="pending")
    old = checkin_code(other)
    reissue_badge(other, None)
    t = datetime(2024, 9, 25, 9, 0, tzinfo=summit.zone)
    scans = [
        {"id": "not-a-uuid", "code": checkin_code(d), "zone": "venue", "scanned_at": t.isoformat()},
        {"id": str(uuid.uuid4()), "code": 42, "zone": "venue", "scanned_at": t.isoformat()},
        {"id": str(uuid.uuid4()), "code": checkin_code(d), "zone": "kitchen", "scanned_at": t.isoformat()},
        {"id": str(uuid.uuid4()), "code": checkin_code(d), "zone": "venue", "scanned_at": "2024-09-25T09:00:00"},
        "not an object",
        scan(checkin_code(d), utcnow() + timedelta(hours=1)),
        scan(checkin_code(d), datetime(2024, 9, 24, 23, 59, tzinfo=summit.zone)),
        scan(checkin_code(d), t),
        scan(old, t),
        scan(checkin_code(pending), t),
        scan(checkin_code(other), t, zone="ministerial"),
        scan("forged", t),
        scan("x" * 10_001, t),
    ]
    out = sync_scans(summit, scans, None)
    assert [r.outcome for r in out] == ["invalid_scan"] * 5 + ["invalid_scanned_at"] * 2 + [
        "checked_in", "badge_revoked", "not_accredited", "not_admitted", "unknown_code", "invalid_scan"]
    assert out[0].id == "not-a-uuid" and out[4].id is None
    assert all(r.error for r in out if r.outcome == "invalid_scan")
    assert count(Scan) == 7  # invalid_scan is not stored; the rest are, the out-of-range times too
    # invalid_scanned_at is final like the rest
    assert sync_scans(summit, [scans[5]], None)[0].outcome == "invalid_scanned_at"


def test_a_sync_at_another_zone_and_day_makes_entries_of_their_own(summit):
    d = make_delegate(summit, route="R4")
    code = checkin_code(d)
    t = datetime(2024, 9, 25, 9, 0, tzinfo=summit.zone)
    out = results(summit, [scan(code, t), scan(code, t + timedelta(days=1)), scan(code, t, zone="visit-R4"),
                           scan(code, t, zone="visit-R1")])
    assert [o for o, _ in out] == ["checked_in", "checked_in", "checked_in", "not_admitted"]
    assert count(ZoneEntry) == 3
