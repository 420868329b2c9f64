"""Event day in a real browser: the live zone board updates by itself when a scanner checks someone in
through the API, and a reissued badge prints at once, its old code then revoked at the door."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from summit.models import Delegate
from summit.plumbing.extensions import db
from summit.services.checkin.codes import checkin_code

from browser.console_login import sign_in
from browser.journey import words
from support.badge_helpers import decode_qr_codes, staff_token
from support.factories import make_delegate

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def en(msgid: str, **params) -> str:
    return words("en", msgid, **params)


def api_check_in(site, token: str, code: str, zone: str = "venue") -> tuple[int, dict]:
    request = urllib.request.Request(
        site.url + "/api/v1/checkins", data=json.dumps({"code": code, "zone": zone}).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # nosec B310: the local test server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_zone_board_refreshes_by_itself_after_a_check_in_through_the_api(journey, site):
    delegate = make_delegate(site.summit, "Layla", "Haddad", "ليلى حداد", country="JO")
    token = staff_token("scanner@example.org")

    page = journey.open(locale="en-GB")
    page.set_viewport_size({"width": 390, "height": 844})  # a supervisor's phone
    sign_in(journey, page, "staff", "/desk/board")
    expect(page.get_by_role("heading", name=en("Zone board"), level=1)).to_be_visible()
    expect(page.locator("[data-board-scans]")).to_contain_text(en("No scan yet today."))
    expect(page.locator('[data-zone-inside="venue"]')).to_have_text("0")
    journey.look(page, "board-empty")

    status, body = api_check_in(site, token, checkin_code(delegate))
    assert status == 200, body
    # No reload: the page's poll brings the scan and the count.
    expect(page.locator("[data-board-scans]")).to_contain_text("Layla HADDAD")
    expect(page.locator("[data-board-scans]")).to_contain_text(en("Admitted"))
    expect(page.locator('[data-zone-inside="venue"]')).to_have_text("1")
    journey.look(page, "board-after-check-in")

    status, body = api_check_in(site, token, checkin_code(delegate)[:-4] + "abcd")
    assert status == 404, body
    expect(page.locator("[data-board-alerts]")).to_contain_text(en("Unknown or forged code"))
    journey.look(page, "board-alert")


def test_reissue_prints_the_new_badge_at_once_and_the_old_code_is_revoked(journey, site, tmp_path):
    delegate = make_delegate(site.summit, "Wei", "Zhang", "张伟", country="CN")
    old_code = checkin_code(delegate)
    token = staff_token("scanner2@example.org")

    page = journey.open(locale="en-GB")
    sign_in(journey, page, "staff", "/desk/delegates")
    journey.look(page, "find")
    page.fill("#q", "张")
    page.get_by_role("button", name=en("Search")).click()
    expect(page).to_have_url(re.compile(r"q="))
    journey.look(page, "found")
    page.get_by_role("link", name=re.compile("ZHANG Wei")).click()
    expect(page.get_by_role("heading", name="ZHANG Wei", level=1)).to_be_visible()
    journey.look(page, "delegate")
    page.get_by_role("link", name=en("Reissue (lost or damaged badge)…")).click()
    journey.look(page, "reissue-confirm")
    page.get_by_label(en("The old badge (version %(n)s) must stop working.", n=1)).check()
    # The answer is the new badge itself, shown inline by the browser to print at once. Chromium hands a
    # PDF to its viewer, so the bytes are kept as they pass (the route lets the answer through unchanged).
    reissue_url = f"/desk/delegates/{delegate.id}/reissue"  # read here: the handlers run outside the app context
    answers = []

    def keep(route):
        fetched = route.fetch()
        answers.append((fetched.status, fetched.headers, fetched.body()))
        route.fulfill(response=fetched)

    page.route(re.compile(re.escape(reissue_url) + "$"), lambda route: keep(route) if route.request.method == "POST"
               else route.fallback())
    with page.expect_response(lambda r: r.url.endswith(reissue_url) and r.request.method == "POST"):
        page.get_by_role("button", name=en("Reissue and print the new badge")).click()
    status, headers, pdf = answers[0]
    assert status == 200 and headers["content-type"] == "application/pdf" and pdf[:5] == b"%PDF-"
    assert headers["content-disposition"].startswith("inline")
    codes = decode_qr_codes(pdf, tmp_path)
    assert len(codes) == 1 and codes[0] != old_code
    journey.look(page, "new-badge")

    site.fresh()
    assert db.session.get(Delegate, delegate.id).badge_version == 2
    status, body = api_check_in(site, token, old_code)
    assert (status, body["error"]) == (409, "badge_revoked"), body
    status, body = api_check_in(site, token, codes[0])
    assert status == 200, body
