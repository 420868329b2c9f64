"""The offline door scanner in a real browser: the page and its roster loaded, the network gone (Playwright's
offline mode), badges decided on the device, the page reloaded offline from its service worker with the queue
intact, the network back and the queue synced; and a second device's offline scan of the same badge reported
as a conflict once both have synced.  Screenshots of green, amber and red at 390 px, in English and Chinese."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from summit.plumbing.extensions import db
from summit.models import Delegate
from summit.services.checkin.codes import checkin_code

from browser.console_login import sign_in
from browser.journey import words
from support.factories import make_delegate

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
#: resolves once a service worker controls the page (the first visit installs it, then claims the page)
CONTROLLED = """navigator.serviceWorker.ready.then(() => new Promise(resolve => {
  if (navigator.serviceWorker.controller) resolve(true);
  else navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true));
}))"""


def open_door(journey, site, role: str, language: str) -> Page:
    page = journey.open(locale="en-GB")
    page.set_viewport_size(PHONE)
    site.fresh()  # no read transaction of ours in the way of the account's write (SQLite)
    sign_in(journey, page, role, "/desk/door")
    journey.look(page, f"{role}-door")
    if language != "en":
        page.goto(f"/desk/door?lang={language}")
        journey.look(page, f"{role}-door-{language}")
    expect(page.locator("[data-door]")).to_have_attribute("data-settled", "true")
    page.select_option("#door-zone", "venue")
    expect(page.locator("[data-roster-age]")).to_have_attribute("data-zone", "venue")
    expect(page.locator("[data-roster-age]")).to_have_attribute("data-generated-at", re.compile(r"\d{4}-"))
    assert page.evaluate(CONTROLLED) is True
    return page


def type_code(page: Page, code: str, colour: str, kind: str) -> None:
    before = page.evaluate("window.summitDoor.timings.length")
    page.fill("#door-code", code)
    page.keyboard.press("Enter")
    verdict = page.locator("[data-verdict] .door-verdict-box")
    expect(verdict).to_have_attribute("data-colour", colour)
    expect(verdict).to_have_attribute("data-kind", kind)
    assert page.evaluate("window.summitDoor.timings.length") == before + 1
    expect(page.locator("#door-code")).to_have_value("")  # ready for the next badge


def queued(page: Page, n: int) -> None:
    expect(page.locator("[data-queue]")).to_have_attribute("data-count", str(n))


def venue_roster(page: Page) -> dict[int, dict]:
    body = page.request.get("/desk/door/zones/venue/roster.json").json()
    return {entry["delegate_id"]: entry for entry in body["entries"] if entry["status"] != "revoked"}


def test_the_door_decides_offline_keeps_its_queue_through_a_reload_and_syncs(journey, site):
    na = make_delegate(site.summit, "Na", "Li", "李娜", country="CN")
    ada = make_delegate(site.summit, "Ada", "Lovelace", country="GB", category="academia")
    amadou = make_delegate(site.summit, "Amadou", "Diallo", country="SN")
    codes = {d.id: checkin_code(d) for d in (na, ada, amadou)}

    page = open_door(journey, site, "staff", "en")
    expect(page.locator("[data-net-text]")).to_have_text(words("en", "Online"))
    queued(page, 0)
    journey.look(page, "roster-loaded")

    page.context.set_offline(True)
    expect(page.locator("[data-net-text]")).to_have_text(words("en", "Offline: scans are kept on this device"))

    type_code(page, codes[na.id], "green", "admit")
    expect(page.locator("[data-verdict]")).to_contain_text("LI Na")
    expect(page.locator("[data-verdict]")).to_contain_text(words("en", "Admit"))
    queued(page, 1)
    journey.look(page, "green-en")

    type_code(page, codes[na.id], "amber", "already")  # the same badge again: never twice
    expect(page.locator("[data-verdict]")).to_contain_text(words("en", "Already in"))
    journey.look(page, "amber-en")

    type_code(page, codes[ada.id], "green", "admit")
    type_code(page, codes[amadou.id], "green", "admit")
    type_code(page, codes[ada.id][:-3] + "abc", "red", "unknown")  # altered: nobody's name
    expect(page.locator("[data-verdict]")).not_to_contain_text("Lovelace")
    queued(page, 5)
    journey.look(page, "red-en")
    assert max(page.evaluate("window.summitDoor.timings")) >= 0  # measured (the figures are the bench's)

    site.fresh()
    assert db.session.get(Delegate, na.id).checked_in_at is None  # nothing has reached the server yet

    # Reloaded offline: the service worker serves the page, and the queue and the "in" set survive.
    page.reload()
    expect(page.locator("[data-door]")).to_have_attribute("data-settled", "true")
    expect(page.locator("#door-zone")).to_have_value("venue")
    queued(page, 5)
    expect(page.locator("[data-net-text]")).to_have_text(words("en", "Offline: scans are kept on this device"))
    journey.look(page, "reloaded-offline")
    type_code(page, codes[na.id], "amber", "already")
    queued(page, 6)

    # The network back: the queue goes by itself, and the server agrees with the door.
    page.context.set_offline(False)
    expect(page.locator("[data-net-text]")).to_have_text(words("en", "Online"))
    queued(page, 0)
    expect(page.locator("[data-conflicts]")).to_be_hidden()
    journey.look(page, "synced")
    site.fresh()
    roster = venue_roster(page)
    for d in (na, ada, amadou):
        assert roster[d.id]["checked_in_at"] is not None, d.id
        assert db.session.get(Delegate, d.id).checked_in_at is not None  # the first entry at venue
    # Sending the queue again (a retry) changes nothing: the server keeps the first result.
    first_in = db.session.get(Delegate, na.id).checked_in_at
    page.get_by_role("button", name=words("en", "Sync now")).click()
    queued(page, 0)
    site.fresh()
    assert db.session.get(Delegate, na.id).checked_in_at == first_in


def test_a_second_devices_offline_scan_of_the_same_badge_is_a_conflict_after_both_sync(journey, site):
    wei = make_delegate(site.summit, "Wei", "Zhang", "张伟", country="CN")
    code = checkin_code(wei)

    first = open_door(journey, site, "staff", "en")
    second = open_door(journey, site, "organiser", "zh")
    for page in (first, second):
        page.context.set_offline(True)
        expect(page.locator(".door-net.is-offline")).to_be_visible()

    type_code(first, code, "green", "admit")
    journey.look(first, "first-device-green")

    # The other door, offline too, cannot know: it admits the same badge (green), and only once.
    type_code(second, code, "green", "admit")
    expect(second.locator("[data-verdict]")).to_contain_text(words("zh", "Admit"))
    journey.look(second, "green-zh")
    type_code(second, code, "amber", "already")
    expect(second.locator("[data-verdict]")).to_contain_text(words("zh", "Already in"))
    journey.look(second, "amber-zh")
    type_code(second, code[:-3] + "abc", "red", "unknown")
    expect(second.locator("[data-verdict]")).to_contain_text(words("zh", "Unknown code"))
    journey.look(second, "red-zh")
    queued(second, 3)

    first.context.set_offline(False)
    queued(first, 0)
    expect(first.locator("[data-conflicts]")).to_be_hidden()
    journey.look(first, "first-device-synced")

    second.context.set_offline(False)
    queued(second, 0)
    conflict = second.locator("[data-conflict-list] li")
    expect(conflict).to_have_count(1)
    expect(conflict).to_have_attribute("data-local", "checked_in")
    expect(conflict).to_have_attribute("data-server", "already_checked_in")
    expect(second.locator("[data-conflicts]")).to_contain_text(words("zh", "The server decided differently"))
    journey.look(second, "conflict-zh")

    site.fresh()
    assert venue_roster(first)[wei.id]["checked_in_at"] is not None
    assert db.session.get(Delegate, wei.id).checked_in_at is not None


def test_the_door_of_a_zone_tells_revoked_unapproved_and_not_admitted_badges_apart(journey, site):
    from summit.services.badges.reissue import reissue_badge

    minister = make_delegate(site.summit, "Amina", "Diallo", country="SN", category="government")
    scholar = make_delegate(site.summit, "Ada", "Byron", country="GB", category="academia")
    pending = make_delegate(site.summit, "Olga", "Petrova", "Ольга Петрова", country="RU", accreditation="pending")
    lost = make_delegate(site.summit, "Kwame", "Mensah", country="GH", category="government")
    old_code = checkin_code(lost)
    reissue_badge(lost, None)
    site.fresh()
    lost = db.session.get(Delegate, lost.id)
    reissued_at = lost.badge_reissued_at.astimezone(site.summit.zone).strftime("%H:%M")

    page = open_door(journey, site, "staff", "en")
    page.select_option("#door-zone", "ministerial")
    expect(page.locator("[data-roster-age]")).to_have_attribute("data-zone", "ministerial")
    page.context.set_offline(True)
    verdict = page.locator("[data-verdict]")

    type_code(page, checkin_code(minister), "green", "admit")
    type_code(page, checkin_code(scholar), "red", "not_admitted")  # a genuine badge, but not for this room
    expect(verdict).to_contain_text(words("en", "Not admitted here"))
    expect(verdict).to_contain_text("Ada BYRON")
    journey.look(page, "not-admitted-red")
    type_code(page, old_code, "amber", "revoked")
    expect(verdict).to_contain_text(words("en", "This badge was reissued at %(time)s: ask for the new one.",
                                          time=reissued_at))
    journey.look(page, "revoked-amber")
    type_code(page, checkin_code(lost), "green", "admit")  # the new badge works
    type_code(page, checkin_code(pending), "amber", "not_accredited")
    expect(verdict).to_contain_text(words("en", "Not accredited"))
    journey.look(page, "not-accredited-amber")

    page.context.set_offline(False)
    queued(page, 0)
    expect(page.locator("[data-conflicts]")).to_be_hidden()  # the server agrees with every verdict
    journey.look(page, "synced")
    roster = {e["delegate_id"]: e for e in page.request.get("/desk/door/zones/ministerial/roster.json").json()["entries"]
              if e["status"] != "revoked"}  # a reissued badge's old code is listed too
    assert roster[minister.id]["checked_in_at"] and roster[lost.id]["checked_in_at"]
    assert roster[scholar.id]["checked_in_at"] is None
