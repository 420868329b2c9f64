"""Event day at the desk, through the pages staff and supervisors use: the zones page, the live zone board,
finding a delegate in any script, their zones and scans, reissuing a badge (the new PDF at once, the old
code revoked), a supervisor's undo with a reason, and the zone choice on the check-in page."""
from __future__ import annotations

import re

import pytest

from support.app import csrf_token
from support.badge_helpers import decode_qr_codes, login, staff_user
from support.console_support import text
from support.factories import make_delegate
from summit.models import AuditEntry, Delegate, ZoneEntry
from summit.plumbing.extensions import db
from summit.services.checkin.codes import checkin_code

REFERER = {"Referer": "https://summit.test/desk/"}


def as_role(client, role="staff"):
    login(client, staff_user(f"{role}@example.org", role))
    return client


def post(client, url, **kwargs):
    return client.post(url, headers={**REFERER, **kwargs.pop("headers", {})}, **kwargs)


def scan(client, code: str, zone: str | None = None, language: str = "en"):
    page = client.get(f"/desk/checkin?lang={language}")
    body = {"code": code} if zone is None else {"code": code, "zone": zone}
    return post(client, "/desk/checkin.json", json=body, headers={"X-CSRFToken": csrf_token(page.text)})


def fresh(delegate) -> Delegate:
    db.session.expire_all()
    return db.session.get(Delegate, delegate.id)


# ---------------------------------------------------------------- who may open what

PAGES = ["/desk/board", "/desk/board.json", "/desk/delegates", "/desk/delegates/1", "/desk/delegates/1/reissue",
         "/desk/delegates/1/entries/1/undo", "/console/zones"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_the_login(summit, client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/login"), url


def test_staff_may_not_undo_a_check_in_organisers_may(summit, client):
    d = make_delegate(summit)
    as_role(client, "staff")
    assert scan(client, checkin_code(d)).status_code == 200
    entry = db.session.scalars(db.select(ZoneEntry)).one()
    url = f"/desk/delegates/{d.id}/entries/{entry.id}/undo"
    page = client.get(f"/desk/delegates/{d.id}?lang=en")
    assert page.status_code == 200 and url not in page.text  # no undo button for staff
    assert client.get(url).status_code == 403
    assert post(client, url, data={"csrf_token": csrf_token(page.text), "reason": "wrong badge"}).status_code == 403
    assert db.session.scalars(db.select(ZoneEntry)).one()  # still there
    as_role(client, "organiser")
    assert url in client.get(f"/desk/delegates/{d.id}").text
    assert client.get(url).status_code == 200


def test_a_delegate_of_another_summit_or_none_is_404(summit, client):
    as_role(client)
    assert client.get("/desk/delegates/999999").status_code == 404
    assert client.get("/desk/delegates/999999/reissue").status_code == 404


def test_every_post_needs_the_csrf_token(summit, client):
    d = make_delegate(summit)
    as_role(client, "organiser")
    assert scan(client, checkin_code(d)).status_code == 200
    entry = db.session.scalars(db.select(ZoneEntry)).one()
    assert post(client, f"/desk/delegates/{d.id}/reissue", data={"confirm": "yes"}).status_code == 400
    assert post(client, f"/desk/delegates/{d.id}/entries/{entry.id}/undo", data={"reason": "x"}).status_code == 400
    assert fresh(d).badge_version == 1 and db.session.get(ZoneEntry, entry.id) is not None


# ---------------------------------------------------------------- the console's zones page

def test_the_zones_page_lists_each_zone_its_rule_and_who_it_admits(summit, client):
    make_delegate(summit, "Wei", "Zhang", category="government")
    make_delegate(summit, "Ana", "Alpha", category="enterprise")
    as_role(client, "staff")
    page = client.get("/console/zones?lang=en")
    assert page.status_code == 200
    assert "flask seed" in text(page.text)
    for code in ("venue", "ministerial", "banquet", "visit-R1", "visit-R2", "visit-R3", "visit-R4"):
        assert f'id="zone-{code}"' in page.text, code
    assert 'href="/console/zones" aria-current="page"' in page.text  # in the console's menu
    row = lambda code: text(re.search(rf'<tr id="zone-{code}">.*?</tr>', page.text, re.S).group(0))  # noqa: E731
    assert row("venue").split()[-2:] == ["2", "0"]  # both admitted, none in yet
    assert row("ministerial").split()[-2:] == ["1", "0"]  # government only
    assert "Category: Government" in row("ministerial") and "Every approved delegate" in row("venue")
    assert "Confirmed on route R3" in row("visit-R3")
    zh = client.get("/console/zones?lang=zh")
    assert zh.status_code == 200 and "活动当天的区域" in text(zh.text)


def test_organisers_see_the_zones_page_too(summit, client):
    as_role(client, "organiser")
    assert client.get("/console/zones").status_code == 200


# ---------------------------------------------------------------- finding a delegate, in any script

@pytest.mark.parametrize("query, found", [
    ("张", "ZHANG Wei"),            # CJK, one character of the native name
    ("حداد", "Layla HADDAD"),       # Arabic
    ("петр", "Ivan PETROV"),        # Cyrillic, lower case against "Петров"
    ("ayl", "Layla HADDAD"),         # any part of a Latin name
    ("Haddad Layla", "Layla HADDAD"),  # the full name, either way round
])
def test_find_a_delegate_by_any_part_of_the_name_in_any_script(summit, client, query, found):
    make_delegate(summit, "Wei", "Zhang", "张伟", country="CN")
    make_delegate(summit, "Layla", "Haddad", "ليلى حداد", country="JO")
    make_delegate(summit, "Ivan", "Petrov", "Иван Петров", country="RU")
    as_role(client)
    page = client.get("/desk/delegates", query_string={"q": query, "lang": "en"})
    assert page.status_code == 200
    names = [text(m) for m in re.findall(r'<a class="find-item".*?</a>', page.text, re.S)]
    assert len(names) == 1 and names[0].startswith(found), (query, names)


def test_a_search_with_a_control_character_is_refused_with_a_message(summit, client):
    as_role(client)
    page = client.get("/desk/delegates", query_string={"q": "Wei\u202e", "lang": "en"})
    assert page.status_code == 400 and "The search was not understood" in page.text


# ---------------------------------------------------------------- the desk's delegate page

def test_the_delegate_page_shows_zones_with_reasons_entries_and_scans(summit, client):
    d = make_delegate(summit, "Wei", "Zhang", "张伟", category="enterprise", route="R2", country="CN")
    as_role(client)
    code = checkin_code(d)
    assert scan(client, code).status_code == 200
    assert scan(client, code).status_code == 409
    assert scan(client, code, zone="ministerial").status_code == 403
    page = client.get(f"/desk/delegates/{d.id}?lang=en")
    assert page.status_code == 200
    words = text(page.text)
    assert "ZHANG Wei" in words and "张伟" in words
    zone = lambda code: text(re.search(rf'<li [^>]*id="zone-{code}">.*?</li>', page.text, re.S).group(0))  # noqa: E731
    assert "Admitted" in zone("venue") and "every approved delegate" in zone("venue") and "in since" in zone("venue")
    assert "Not admitted" in zone("ministerial") and "not in this zone's rule" in zone("ministerial")
    assert "Admitted" in zone("visit-R2") and "confirmed on route R2" in zone("visit-R2")
    assert "Not admitted" in zone("visit-R1")
    history = text(re.search(r'id="scans-title".*?</section>', page.text, re.S).group(0))
    assert history.count("Admitted") == 1 and "Already in" in history and "Not admitted to this zone" in history
    assert "desk" in history and "staff@example.org" in history
    zh = client.get(f"/desk/delegates/{d.id}?lang=zh")
    assert zh.status_code == 200 and "扫描记录" in text(zh.text)


def test_a_waiting_list_place_does_not_open_the_coach(summit, client):
    d = make_delegate(summit, "Ana", "Alpha", route="R1", route_status="waitlisted")
    as_role(client)
    page = client.get(f"/desk/delegates/{d.id}?lang=en")
    assert "on the waiting list of route R1, not confirmed" in text(page.text)
    assert scan(client, checkin_code(d), zone="visit-R1").status_code == 403


# ---------------------------------------------------------------- reissue, and the new badge at once

def test_reissue_confirms_then_answers_with_the_new_badge_and_the_old_code_is_revoked(summit, client, tmp_path):
    d = make_delegate(summit, "Layla", "Haddad", "ليلى حداد", country="JO")
    old_code = checkin_code(d)
    as_role(client)
    confirm = client.get(f"/desk/delegates/{d.id}/reissue?lang=en")
    assert confirm.status_code == 200 and "must stop working" in text(confirm.text)
    token = csrf_token(confirm.text)
    # Not ticked: nothing happens, and the page says why.
    refused = post(client, f"/desk/delegates/{d.id}/reissue?lang=en", data={"csrf_token": token})
    assert refused.status_code == 422 and "Tick the box" in text(refused.text)
    assert fresh(d).badge_version == 1
    answer = post(client, f"/desk/delegates/{d.id}/reissue", data={"csrf_token": token, "confirm": "yes",
                                                                     "layout": "a6"})
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert fresh(d).badge_version == 2 and fresh(d).badge_reissued_at is not None
    codes = decode_qr_codes(answer.data, tmp_path)
    assert len(codes) == 1 and codes[0] != old_code and codes[0] == checkin_code(fresh(d))
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "badge_reissued")) == 1
    # At the door: the old code is amber, "reissued at HH:MM"; the new one checks in.
    old = scan(client, old_code)
    assert old.status_code == 409 and old.json["result"] == "revoked"
    reissued_at = fresh(d).badge_reissued_at.astimezone(summit.zone).strftime("%H:%M")
    assert f"Revoked badge, reissued at {reissued_at}" in text(old.json["html"]) and "verdict-amber" in old.json["html"]
    assert "⚠" in old.json["html"]
    zh = scan(client, old_code, language="zh")
    assert reissued_at in text(zh.json["html"]) and "补发" in text(zh.json["html"])
    new = scan(client, codes[0])
    assert new.status_code == 200 and new.json["result"] == "ok"


@pytest.mark.parametrize("state, words, status", [
    ("pending", "only delegates whose registration the organisers have approved", 409),
    ("cancelled", "this registration was cancelled", 409),
])
def test_no_reissue_for_a_delegate_without_a_badge(summit, client, state, words, status):
    d = make_delegate(summit, accreditation="pending") if state == "pending" else make_delegate(summit, status=state)
    as_role(client)
    token = csrf_token(client.get(f"/desk/delegates/{d.id}/reissue?lang=en").text)
    answer = post(client, f"/desk/delegates/{d.id}/reissue?lang=en", data={"csrf_token": token, "confirm": "yes"})
    assert answer.status_code == status and words in text(answer.text)
    assert fresh(d).badge_version == 1


# ---------------------------------------------------------------- a supervisor's undo

def test_undo_needs_a_reason_keeps_what_was_typed_and_lets_the_delegate_in_again(summit, client):
    d = make_delegate(summit, "Wei", "Zhang")
    as_role(client, "organiser")
    assert scan(client, checkin_code(d)).status_code == 200
    entry_id = db.session.scalars(db.select(ZoneEntry.id)).one()
    url = f"/desk/delegates/{d.id}/entries/{entry_id}/undo"
    token = csrf_token(client.get(url + "?lang=en").text)
    empty = post(client, url + "?lang=en", data={"csrf_token": token, "reason": "   "})
    assert empty.status_code == 422 and "Give the reason" in text(empty.text)
    too_long = "Scanned the wrong badge. " * 30
    long_answer = post(client, url + "?lang=en", data={"csrf_token": token, "reason": too_long})
    assert long_answer.status_code == 422 and too_long.strip() in long_answer.text  # kept as typed
    assert db.session.get(ZoneEntry, entry_id) is not None
    done = post(client, url, data={"csrf_token": token, "reason": "Scanned the wrong badge"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/desk/delegates/{d.id}")
    db.session.expire_all()
    assert db.session.get(ZoneEntry, entry_id) is None and fresh(d).checked_in_at is None
    audit = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "checkin_undone")).one()
    assert "Scanned the wrong badge" in str(audit.changes)
    page = client.get(f"/desk/delegates/{d.id}?lang=en")
    assert "undone at" in text(page.text) and "Scanned the wrong badge" in text(page.text)
    assert scan(client, checkin_code(d)).status_code == 200  # in again


# ---------------------------------------------------------------- the check-in page's zone and verdicts

def test_the_check_in_page_remembers_the_zone_and_names_it_when_not_admitted(summit, client):
    d = make_delegate(summit, "Ana", "Alpha", category="enterprise")
    as_role(client)
    page = client.get("/desk/checkin?zone=ministerial&lang=en")
    assert re.search(r'<option value="ministerial"[^>]* selected>', page.text)
    again = client.get("/desk/checkin?lang=en")  # remembered for the next page
    assert re.search(r'<option value="ministerial"[^>]* selected>', again.text)
    answer = post(client, "/desk/checkin?lang=en", data={"csrf_token": csrf_token(again.text),
                                                          "code": checkin_code(d)})
    assert answer.status_code == 403 and "verdict-not_admitted" in answer.text
    assert "Not admitted to Ministerial" in text(answer.text) or "Not admitted to" in text(answer.text)
    assert "✗" in answer.text
    assert fresh(d).checked_in_at is None
    venue = scan(client, checkin_code(d), zone="venue")
    assert venue.status_code == 200 and venue.json["zone"] == "venue"
    already = scan(client, checkin_code(d))  # the JSON without a zone: the one remembered (venue now)
    first = fresh(d).checked_in_at.astimezone(summit.zone).strftime("%H:%M")
    assert already.status_code == 409 and f"Already checked in at {first}" in text(already.json["html"])
    zh = client.get("/desk/checkin?lang=zh")
    assert zh.status_code == 200 and "区域" in text(zh.text)


# ---------------------------------------------------------------- the live zone board

def test_the_board_counts_each_zone_and_shows_scans_and_alerts(summit, client):
    a = make_delegate(summit, "Wei", "Zhang", category="government")
    b = make_delegate(summit, "Ana", "Alpha", category="enterprise")
    as_role(client)
    assert scan(client, checkin_code(a)).status_code == 200
    assert scan(client, checkin_code(b), zone="ministerial").status_code == 403
    assert scan(client, "forged.code.value").status_code == 404
    board = client.get("/desk/board.json?lang=en")
    assert board.status_code == 200 and board.headers["Cache-Control"] == "no-store"
    zones = {z["code"]: z for z in board.json["zones"]}
    assert (zones["venue"]["inside"], zones["venue"]["expected"]) == (1, 2)
    assert (zones["ministerial"]["inside"], zones["ministerial"]["expected"]) == (0, 1)
    outcomes = [s["outcome"] for s in board.json["scans"]]
    assert outcomes[:3] == ["unknown_code", "not_admitted", "checked_in"]
    assert board.json["scans"][2]["name"] == fresh(a).formal_name and board.json["scans"][2]["by"] == "staff@example.org"
    assert [s["outcome"] for s in board.json["alerts"]] == ["unknown_code"]
    assert "Unknown or forged code" in text(board.json["html"]["alerts"])
    page = client.get("/desk/board?lang=zh")
    assert page.status_code == 200 and "board.js" in page.text and 'http-equiv="refresh"' in page.text
    assert "<script>" not in page.text and "style=" not in page.text
