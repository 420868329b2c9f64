"""GET /api/v1/audit (the contract's "Personal data"): organisers only, newest first, downloads with who,
when, what and which filter; an entry holds no personal data itself.  And the console's audit page,
downloads apart from changes."""
from __future__ import annotations

from datetime import datetime

from jsonschema import Draft202012Validator

from summit.models import AuditEntry
from summit.plumbing.database import writing
from summit.plumbing.extensions import db
from summit.services.console import audit

from support.console_support import api_token, sign_in, text
from support.factories import make_delegate


def _check(client, payload, name):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    errors = list(Draft202012Validator({**schemas[name], "components": {"schemas": schemas}}).iter_errors(payload))
    assert errors == [], errors


def test_the_audit_needs_an_organisers_token(client, summit):
    assert client.get("/api/v1/audit").status_code == 401
    assert client.get("/api/v1/audit", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    staff = client.get("/api/v1/audit", headers=api_token("staff"))
    assert staff.status_code == 403 and staff.json["error"]
    assert client.get("/api/v1/audit", headers=api_token("organiser")).status_code == 200


def test_downloads_are_listed_newest_first_with_who_what_filter_and_count(client, summit):
    ada = make_delegate(summit, "Ada", "Lovelace", route="R1")
    make_delegate(summit, "Wei", "Zhang", "张伟", country="CN")
    staff = api_token("staff", "scanner@example.org")
    organiser = api_token("organiser", "olga@example.org")
    assert client.get("/api/v1/delegates?q=Lovelace&country=GB&page=1&per_page=10", headers=staff).status_code == 200
    assert client.get("/api/v1/zones/venue/roster", headers=staff).status_code == 200
    assert client.get(f"/api/v1/badges.pdf?ids={ada.id}", headers=staff).status_code == 200
    # a delegate's own download (pd-consent's data copy) and one by the command line
    audit.record_download(None, "data_copy", delegate_id=ada.id, count=1)
    audit.record_download(None, "delegates.csv", filters={"status": "all"}, count=2)

    r = client.get("/api/v1/audit?action=download", headers=organiser)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    _check(client, r.json, "AuditPage")
    entries = r.json["entries"]
    assert [e["actor"] for e in entries] == ["system", "delegate", "scanner@example.org", "scanner@example.org",
                                             "scanner@example.org"]
    assert [e["what"] for e in entries] == ["delegates.csv", "data_copy", "badges.pdf", "roster", "delegates"]
    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert times == sorted(times, reverse=True) and entries[0]["at"].endswith("+08:00")
    listing = entries[-1]
    assert listing["filters"] == {"q": "Lovelace", "country": "GB", "page": 1, "per_page": 10}
    assert listing["count"] == 1
    assert listing["detail"] == "delegates · country=GB; page=1; per_page=10; q=Lovelace · 1 delegate"
    assert entries[1]["detail"] == f"data_copy · delegate #{ada.id} · 1 delegate"
    assert entries[1]["delegate_id"] == ada.id
    assert entries[3]["detail"] == "roster · zone=venue · 2 delegates"
    # the entries name the delegate by id only: no name, email or organisation of theirs
    flat = str(r.json)
    for personal in ("Ada", "ZHANG", "张伟", ada.email, "Ministry of Transport"):
        assert personal not in flat, personal


def test_changes_and_downloads_apart_and_paged(client, summit):
    organiser = api_token("organiser", "olga@example.org")
    with writing():
        audit.record(None, "summit.registration_mode", "summit", summit.id, {"registration_mode": ["open", "approval"]})
    for page in range(3):
        audit.record_download(None, "roster", filters={"zone": "venue"}, count=page + 1)
    changes = client.get("/api/v1/audit?kind=changes", headers=organiser).json["entries"]
    assert [e["action"] for e in changes] == ["summit.registration_mode"]
    assert changes[0]["actor"] == "system" and changes[0]["detail"] == f"summit #{summit.id}: registration_mode"
    downloads = client.get("/api/v1/audit?kind=downloads&per_page=2&page=2", headers=organiser).json
    assert downloads["total"] == 3 and downloads["page"] == 2 and [e["count"] for e in downloads["entries"]] == [1]
    everything = client.get("/api/v1/audit", headers=organiser).json
    assert everything["total"] == 4 and everything["per_page"] == 50
    for bad in ("kind=everything", "per_page=501", "page=0", "action=%00"):
        answer = client.get(f"/api/v1/audit?{bad}", headers=organiser)
        assert answer.status_code == 422 and answer.json["error"], bad


def test_older_roster_entries_read_as_downloads(client, summit):
    """Rosters wrote "roster_download" before downloads had one action: they stay in the downloads."""
    with writing():
        db.session.add(AuditEntry(user_id=None, action="roster_download", entity="zone", entity_id=1,
                                  changes={"zone": "venue", "entries": 7}))
    entry = client.get("/api/v1/audit?kind=downloads", headers=api_token("organiser")).json["entries"][0]
    assert (entry["what"], entry["filters"], entry["count"], entry["actor"]) == ("roster", {"zone": "venue"}, 7,
                                                                               "system")


def test_the_console_page_shows_downloads_apart_from_changes(app, client, summit):
    ada = make_delegate(summit, "Ada", "Lovelace")
    sign_in(client, "organiser", "olga@example.org")
    client.get("/console/exports/delegates.xlsx?q=Love")
    audit.record_download(None, "data_copy", delegate_id=ada.id, count=1)
    with writing():
        audit.record(None, "summit.registration_mode", "summit", summit.id, {"registration_mode": ["open", "approval"]})
    page = text(client.get("/console/audit?kind=downloads&lang=en").get_data(as_text=True))
    assert "Delegate list (Excel)" in page and "olga@example.org" in page and "q: Love" in page
    assert "A delegate's copy of their data" in page and f"delegate #{ada.id}" in page
    assert "the delegate" in page and "registration_mode" not in page
    changes = text(client.get("/console/audit?kind=changes&lang=en").get_data(as_text=True))
    assert "registration_mode" in changes and "Delegate list (Excel)" not in changes
    zh = text(client.get("/console/audit?kind=downloads&lang=zh").get_data(as_text=True))
    assert "代表名单（Excel）" in zh and "个人信息下载" in zh
    assert client.get("/console/audit").status_code == 200
    staff = sign_in(app.test_client(), "staff")
    assert staff.get("/console/audit?kind=downloads").status_code == 403
