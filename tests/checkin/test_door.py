"""The offline door scanner's doors at the desk: the page, its manifest and service worker, the roster and the
sync, through the staff session (the browser journey in tests/browser/test_door_journey.py drives it offline)."""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime, timezone
from html import unescape
from pathlib import Path

from support.console_support import sign_in
from support.factories import make_delegate
from support.paths import ROOT
from summit.services.checkin.codes import checkin_code

HTTPS = {"Referer": "https://summit.test/desk/door"}


def door_config(client) -> dict:
    page = client.get("/desk/door?lang=en")
    assert page.status_code == 200
    raw = re.search(r'data-door="([^"]+)"', page.text).group(1)
    return json.loads(unescape(raw))


def roster(client, zone="venue"):
    return client.get(f"/desk/door/zones/{zone}/roster.json")


def sync(client, scans, token, **body):
    return client.post("/desk/door/sync.json", json={"scans": scans, **body},
                       headers={**HTTPS, "X-CSRFToken": token})


def scan(code, zone="venue", at=None):
    return {"id": str(uuid.uuid4()), "code": code, "zone": zone,
            "scanned_at": (at or datetime.now(timezone.utc)).isoformat()}


def test_every_door_of_the_scanner_needs_a_staff_login(summit, client):
    for url in ("/desk/door", "/desk/door.webmanifest", "/desk/door-sw.js", "/desk/door/zones/venue/roster.json"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/console/login"), url
    refused = client.post("/desk/door/sync.json", json={"scans": []}, headers=HTTPS)
    assert refused.status_code in (302, 400)


def test_the_page_offers_the_zones_and_carries_its_words_translated(summit, client):
    sign_in(client, "staff")
    config = door_config(client)
    assert config["scope"] == "/desk/door" and config["timezone"] == "Asia/Shanghai"
    assert config["words"]["green"] == "Admit" and config["csrf_token"]
    page = client.get("/desk/door?lang=en").text
    for code in ("venue", "ministerial", "banquet", "visit-R1"):
        assert f'<option value="{code}">' in page
    assert 'rel="manifest" href="/desk/door.webmanifest"' in page
    zh = json.loads(unescape(re.search(r'data-door="([^"]+)"', client.get("/desk/door?lang=zh").text).group(1)))
    assert zh["words"]["green"] != "Admit" and zh["lang"] == "zh"
    assert set(zh["words"]) == set(config["words"])


def test_the_manifest_installs_the_page_within_its_scope_with_icons_the_app_serves(summit, client):
    sign_in(client, "staff")
    response = client.get("/desk/door.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["start_url"] == manifest["scope"] == "/desk/door" and manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/door/")
        served = client.get(icon["src"])
        assert served.status_code == 200 and served.mimetype == "image/png"
        assert served.data[:8] == b"\x89PNG\r\n\x1a\n"
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes


def test_the_service_worker_is_served_from_inside_its_scope_and_keeps_only_the_apps_own_files(summit, client):
    sign_in(client, "staff")
    response = client.get("/desk/door-sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/desk/door"
    script = response.get_data(as_text=True)
    assets = json.loads(re.search(r"var SHELL_ASSETS = (\[.*?\]);", script).group(1))
    assert "/static/door/door.js" in assets and "/static/vendor/jsqr/jsQR.js" in assets
    for url in assets:
        assert url.startswith("/static/") and client.get(url).status_code == 200, url
    assert "http://" not in script and "https://" not in script  # nothing from outside


def test_the_assets_name_no_other_site_and_the_qr_reader_keeps_its_licence():
    for path in (ROOT / "static" / "door").glob("*.*"):
        if path.suffix in (".js", ".css"):
            assert not re.search(r"https?://", path.read_text()), path
    assert "Apache License" in (ROOT / "static" / "vendor" / "jsqr" / "LICENSE").read_text()


def test_the_roster_carries_hashes_of_the_codes_and_a_fresh_token(summit, client):
    sign_in(client, "staff")
    d = make_delegate(summit, "Wei", "Zhang", "张伟", country="CN")
    response = roster(client)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["zone"] == "venue" and body["generated_at"] and body["csrf_token"]
    by_id = {e["delegate_id"]: e for e in body["entries"]}
    assert by_id[d.id]["code_sha256"] == hashlib.sha256(checkin_code(d).encode()).hexdigest()
    assert by_id[d.id]["admitted"] is True and by_id[d.id]["native_name"] == "张伟"
    assert checkin_code(d) not in response.get_data(as_text=True)  # hashes only, never the codes


def test_a_roster_of_an_unknown_zone_is_404(summit, client):
    sign_in(client, "staff")
    response = roster(client, "no-such-zone")
    assert response.status_code == 404 and response.get_json()["error"] == "unknown_zone"


def test_the_sync_needs_the_csrf_token(summit, client):
    sign_in(client, "staff")
    d = make_delegate(summit)
    response = client.post("/desk/door/sync.json", json={"scans": [scan(checkin_code(d))]}, headers=HTTPS)
    assert response.status_code == 400
    token = roster(client).get_json()["csrf_token"]
    assert roster(client).get_json()["entries"][0]["checked_in_at"] is None  # the refused sync changed nothing
    assert sync(client, [scan(checkin_code(d))], token).status_code == 200


def test_the_sync_is_idempotent_and_says_already_for_a_second_scan(summit, client):
    sign_in(client, "staff")
    d = make_delegate(summit)
    token = roster(client).get_json()["csrf_token"]
    first, second = scan(checkin_code(d)), scan(checkin_code(d))
    body = sync(client, [first, second], token, device="door-test").get_json()
    assert [r["outcome"] for r in body["results"]] == ["checked_in", "already_checked_in"]
    assert [r["id"] for r in body["results"]] == [first["id"], second["id"]]
    again = sync(client, [first], body["csrf_token"]).get_json()
    assert again["results"][0]["outcome"] == "checked_in"  # the same scan sent twice counts once
    entry = next(e for e in roster(client).get_json()["entries"] if e["delegate_id"] == d.id)
    assert entry["checked_in_at"] is not None


def test_the_sync_refuses_what_is_not_a_list_of_scans(summit, client):
    sign_in(client, "staff")
    token = roster(client).get_json()["csrf_token"]
    for body in ({"scans": "x"}, {"scans": {}}, {}):
        response = client.post("/desk/door/sync.json", json=body, headers={**HTTPS, "X-CSRFToken": token})
        assert response.status_code == 422, body
    too_many = [scan("x") for _ in range(5001)]
    assert sync(client, too_many, token).status_code == 413


def test_a_bad_scan_does_not_spoil_the_others(summit, client):
    sign_in(client, "staff")
    d = make_delegate(summit)
    token = roster(client).get_json()["csrf_token"]
    good = scan(checkin_code(d))
    forged = scan(checkin_code(d)[:-2] + "xx")
    body = sync(client, [forged, {"id": "not-a-uuid", "code": 5}, good], token).get_json()
    outcomes = [r["outcome"] for r in body["results"]]
    assert outcomes[0] == "unknown_code" and outcomes[2] == "checked_in"
    assert outcomes[1] != "checked_in"
