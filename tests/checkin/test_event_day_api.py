"""The event-day JSON API as the contract has it: zones, check-in per zone, reissue, roster, sync, undo;
with its credentials (no token, a bad one, a staff token on the organisers' call)."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

import pytest

from summit.models import AuditEntry, Delegate
from summit.plumbing.extensions import db
from summit.services.checkin.codes import checkin_code
from summit.services.checkin.sync import MAX_SCANS

from support.console_support import api_token
from support.factories import make_delegate

STAFF_CALLS = [("GET", "/api/v1/zones", None), ("GET", "/api/v1/zones/venue/roster", None),
               ("POST", "/api/v1/checkins", {"code": "x"}), ("POST", "/api/v1/checkins/sync", {"scans": []}),
               ("POST", "/api/v1/delegates/1/badge/reissue", None)]


@pytest.fixture
def staff(app):
    return api_token("staff")


@pytest.fixture
def organiser(app):
    return api_token("organiser")


@pytest.mark.parametrize("method, url, body", STAFF_CALLS + [
    ("POST", "/api/v1/zone-entries/1/undo", {"reason": "x"})])
def test_no_token_or_a_bad_one_is_401(client, summit, method, url, body):
    assert client.open(url, method=method, json=body).status_code == 401
    bad = client.open(url, method=method, json=body, headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and bad.json["error"]


def test_undo_is_for_organisers_only(client, summit, staff):
    refused = client.post("/api/v1/zone-entries/1/undo", json={"reason": "x"}, headers=staff)
    assert refused.status_code == 403


def test_zones_list_names_both_languages(client, summit, staff):
    r = client.get("/api/v1/zones", headers=staff)
    assert r.status_code == 200
    assert [z["code"] for z in r.json["zones"]] == ["venue", "ministerial", "banquet", "visit-R1", "visit-R2",
                                                     "visit-R3", "visit-R4"]
    assert r.json["zones"][1]["name"] == {"zh": "部长级会议厅", "en": "Ministerial room"}


def test_checkin_per_zone_with_the_contracts_statuses(client, summit, staff):
    gov = make_delegate(summit, category="government", route="R1")
    guest = make_delegate(summit, "Ent", "Guest", category="enterprise")
    first = client.post("/api/v1/checkins", json={"code": checkin_code(gov)}, headers=staff)
    assert first.status_code == 200 and first.json["zone"] == "venue"
    assert first.json["delegate"]["checked_in_at"] == first.json["checked_in_at"]
    minist = client.post("/api/v1/checkins", json={"code": checkin_code(gov), "zone": "ministerial"}, headers=staff)
    assert minist.status_code == 200 and minist.json["zone"] == "ministerial"
    again = client.post("/api/v1/checkins", json={"code": checkin_code(gov), "zone": "ministerial"}, headers=staff)
    assert again.status_code == 409 and again.json["error"] == "already_checked_in"
    assert again.json["checked_in_at"] == minist.json["checked_in_at"]
    no = client.post("/api/v1/checkins", json={"code": checkin_code(guest), "zone": "ministerial"}, headers=staff)
    assert no.status_code == 403 and no.json["error"] == "not_admitted"
    bad_zone = client.post("/api/v1/checkins", json={"code": checkin_code(guest), "zone": "kitchen"}, headers=staff)
    assert bad_zone.status_code == 422 and bad_zone.json["error"] == "unknown_zone"
    for junk in ("forged", checkin_code(guest)[:-1], "A" * 10_001):
        r = client.post("/api/v1/checkins", json={"code": junk}, headers=staff)
        assert r.status_code == 404 and r.json["error"] == "unknown_code"


def test_reissue_revokes_the_old_badge_with_its_time(client, summit, staff):
    d = make_delegate(summit)
    old = checkin_code(d)
    r = client.post(f"/api/v1/delegates/{d.id}/badge/reissue", headers=staff)
    assert r.status_code == 200 and r.json["badge_version"] == 2
    revoked = client.post("/api/v1/checkins", json={"code": old}, headers=staff)
    assert revoked.status_code == 409 and revoked.json["error"] == "badge_revoked"
    assert datetime.fromisoformat(revoked.json["reissued_at"]).utcoffset() == timedelta(hours=8)
    new = checkin_code(db.session.get(Delegate, d.id, populate_existing=True))
    assert client.post("/api/v1/checkins", json={"code": new}, headers=staff).status_code == 200
    assert client.post("/api/v1/delegates/999999/badge/reissue", headers=staff).status_code == 404


def test_the_roster_carries_hashes_and_what_the_door_shows_and_is_audited(client, summit, staff):
    gov = make_delegate(summit, "Wei", "Zhang", "张伟", country="CN", category="government")
    guest = make_delegate(summit, "Ent", "Guest", category="enterprise")
    pending = make_delegate(summit, "Pen", "Ding", accreditation="pending")
    cancelled = make_delegate(summit, "Can", "Celled", status="cancelled")
    old = checkin_code(guest)
    client.post(f"/api/v1/delegates/{guest.id}/badge/reissue", headers=staff)
    client.post("/api/v1/checkins", json={"code": checkin_code(gov), "zone": "ministerial"}, headers=staff)
    r = client.get("/api/v1/zones/ministerial/roster", headers=staff)
    assert r.status_code == 200 and r.json["zone"] == "ministerial"
    assert datetime.fromisoformat(r.json["generated_at"]).utcoffset() == timedelta(hours=8)
    by_hash = {e["code_sha256"]: e for e in r.json["entries"]}
    sha = lambda code: hashlib.sha256(code.encode()).hexdigest()  # noqa: E731
    g = by_hash[sha(checkin_code(gov))]
    assert {k: g[k] for k in ("delegate_id", "name", "native_name", "organisation", "country", "admitted")} == {
        "delegate_id": gov.id, "name": "ZHANG Wei", "native_name": "张伟", "organisation": "Ministry of Transport",
        "country": "CN", "admitted": True}
    assert g["checked_in_at"] is not None and g["status"] == "admitted"
    new_guest = checkin_code(db.session.get(Delegate, guest.id, populate_existing=True))
    assert (by_hash[sha(new_guest)]["admitted"], by_hash[sha(new_guest)]["status"]) == (False, "not_admitted")
    assert (by_hash[sha(old)]["admitted"], by_hash[sha(old)]["status"]) == (False, "revoked")
    assert by_hash[sha(checkin_code(pending))]["status"] == "not_accredited"
    assert cancelled.id not in {e["delegate_id"] for e in r.json["entries"]}
    assert not {"email", "phone", "dietary_needs"} & set(g)  # nothing more than the door needs
    audit = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "download",
                                                           AuditEntry.entity == "roster")).one()
    assert audit.changes["filters"] == {"zone": "ministerial"}
    unknown = client.get("/api/v1/zones/kitchen/roster", headers=staff)
    assert unknown.status_code == 404 and unknown.json["error"] == "unknown_zone"


def test_sync_per_the_contract(client, summit, staff):
    d = make_delegate(summit)
    code = checkin_code(d)
    t = datetime(2024, 9, 25, 9, 0).astimezone()
    scans = [{"id": str(uuid.uuid4()), "code": code, "zone": "venue", "scanned_at": (t + timedelta(minutes=m)).isoformat()}
             for m in (2, 0)]
    scans.append({"id": "junk", "code": code, "zone": "venue", "scanned_at": "yesterday"})
    r = client.post("/api/v1/checkins/sync", json={"scans": scans}, headers=staff)
    assert r.status_code == 200
    assert [(x["id"], x["outcome"]) for x in r.json["results"]] == [
        (scans[0]["id"], "already_checked_in"), (scans[1]["id"], "checked_in"), ("junk", "invalid_scan")]
    assert r.json["results"][1]["checked_in_at"] == r.json["results"][0]["checked_in_at"]
    assert r.json["results"][2]["error"]
    replay = client.post("/api/v1/checkins/sync", json={"scans": scans[:2]}, headers=staff)
    assert replay.json["results"] == r.json["results"][:2]


@pytest.mark.parametrize("body", [{}, {"scans": "all"}, {"scans": {"id": 1}}, [1, 2]])
def test_a_sync_body_that_is_not_a_list_of_scans_is_422(client, summit, staff, body):
    assert client.post("/api/v1/checkins/sync", json=body, headers=staff).status_code == 422


def test_a_sync_of_more_than_5000_scans_is_413(client, summit, staff):
    scans = [{"id": "0", "code": "", "zone": "v", "scanned_at": ""}] * (MAX_SCANS + 1)
    r = client.post("/api/v1/checkins/sync", json={"scans": scans}, headers=staff)
    assert r.status_code == 413 and r.json["error"] == "too_many_scans"


def test_undo_through_the_api(client, summit, staff, organiser):
    d = make_delegate(summit)
    first = client.post("/api/v1/checkins", json={"code": checkin_code(d)}, headers=staff)
    entry = first.json["entry_id"]
    blank = client.post(f"/api/v1/zone-entries/{entry}/undo", json={"reason": " "}, headers=organiser)
    assert blank.status_code == 422 and blank.json["error"] == "reason_required"
    done = client.post(f"/api/v1/zone-entries/{entry}/undo", json={"reason": "wrong badge"}, headers=organiser)
    assert done.status_code == 200
    assert client.post(f"/api/v1/zone-entries/{entry}/undo", json={"reason": "again"},
                       headers=organiser).status_code == 404
    listed = client.get(f"/api/v1/delegates?q={d.family_name}", headers=staff).json["delegates"][0]
    assert listed["checked_in_at"] is None
    assert client.post("/api/v1/checkins", json={"code": checkin_code(d)}, headers=staff).status_code == 200
    audit = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "checkin_undone")).one()
    assert audit.changes["reason"] == "wrong badge" and audit.entity_id == d.id
