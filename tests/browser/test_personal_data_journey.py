"""Issue 17's journey, one delegate from start to end: she gives dietary needs with their separate consent,
reads the privacy notice, views, prints and downloads her own data, withdraws the sensitive-data consent, then
erases everything, on a phone in Chinese. The organiser's console search no longer finds her, and the route's
waiting list has moved on (the next delegate has her place). At 1280 and 390 px, zh and en."""
from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from summit.models import Consent, Delegate
from summit.plumbing.database import writing
from summit.plumbing.extensions import db
from summit.services.visits import capacity as places

from browser.console_login import sign_in
from browser.journey import words
from browser.test_delegate_journeys import delegate_by_email, fill_registration
from support.factories import register, route

FAMILY = "Diallo-Erasmus"  # in no other journey

DETAILS = {"given_name": "Amina", "family_name": FAMILY, "email": "amina-pd@example.org",
           "organisation": "Ministère des Transports", "country": "SN", "category": "government",
           "dietary_needs": "Halal, no shellfish", "consent": True}


def test_a_delegate_downloads_her_data_withdraws_her_consent_and_erases_everything(journey, site):
    zh = lambda msgid, **kw: words("zh", msgid, **kw)  # noqa: E731
    en = lambda msgid, **kw: words("en", msgid, **kw)  # noqa: E731
    r3 = route(site.summit, "R3")
    with writing():
        places.set_capacity(r3, 1)
    page = journey.open(locale="en-GB")
    page.goto("/register")
    journey.look(page, "register")
    fill_registration(page, {**DETAILS, "route": str(r3.id)})
    page.click("button[type=submit].primary")
    # needs without their consent: refused beside the box, nothing typed lost
    expect(page.locator(".sensitive-consent .error")).to_be_visible()
    expect(page.locator("[name=dietary_needs]")).to_have_value("Halal, no shellfish")
    journey.look(page, "register-needs-without-consent")
    page.set_checked("[name=consent]", True)
    page.check("[name=sensitive_consent]")
    page.click("button[type=submit].primary")
    expect(page.locator("#personal-data")).to_be_visible()
    manage = page.url.split("?")[0]
    journey.look(page, "manage")
    delegate = delegate_by_email(site, DETAILS["email"])
    assert {c.kind for c in db.session.scalars(db.select(Consent).where(Consent.delegate_id == delegate.id))} == {
        "processing", "sensitive"}

    page.click("text=Privacy notice >> nth=0")
    expect(page.locator("h1")).to_have_text("Privacy notice")
    journey.look(page, "privacy-en")
    page.set_viewport_size({"width": 390, "height": 844})
    journey.look(page, "privacy-en-390")
    page.go_back()
    journey.look(page, "manage-again")

    page.click("text=View and print my data")
    expect(page.locator("h1")).to_have_text("Your personal data")
    expect(page.locator("text=Halal, no shellfish")).to_be_visible()
    journey.look(page, "data-en-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    journey.look(page, "data-en")
    page.emulate_media(media="print")
    page.screenshot(path=str(journey.folder / "data-en-print.png"), full_page=True)
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click(".data-copy >> text=Download my data (JSON)")
    copy = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert copy["details"]["dietary_needs"] == "Halal, no shellfish"

    # the same pages in Chinese
    page.goto(page.url.split("?")[0] + "?lang=zh")
    expect(page.locator("h1")).to_have_text("您的个人信息")
    journey.look(page, "data-zh")
    page.set_viewport_size({"width": 390, "height": 844})
    journey.look(page, "data-zh-390")
    page.goto("/privacy?lang=zh")
    journey.look(page, "privacy-zh-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    journey.look(page, "privacy-zh")

    page.goto(manage + "?lang=zh")
    expect(page.locator("#personal-data")).to_be_visible()
    journey.look(page, "manage-zh")
    page.click("button:has-text('撤回同意并删除我的需求信息')")
    expect(page.locator(".flash")).to_be_visible()
    journey.look(page, "withdrawn")
    site.fresh()
    assert delegate_by_email(site, DETAILS["email"]).dietary_needs == ""

    # Someone waits for her place on R3.
    waiting = register(site.summit, route_id=r3.id, join_waitlist=True, given_name="Tomas",
                       family_name="Nextinline").delegate
    assert waiting.booking.status == "waitlisted"
    db.session.rollback()  # our read ends here: on SQLite the erasure's checkpoint waits for open readers

    # Erasure, on a phone, in Chinese.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(manage + "?lang=zh")
    page.locator("#erase").scroll_into_view_if_needed()
    journey.look(page, "manage-phone-zh")
    page.get_by_role("link", name=zh("Erase my data…")).click()
    expect(page.locator("h1")).to_have_text(zh("Erase my data"))
    expect(page.get_by_text(zh("This cannot be undone."))).to_be_visible()
    journey.look(page, "erase-confirm-phone-zh")
    # the button alone does not erase: the box must be ticked, and the page says so
    page.get_by_role("button", name=zh("Erase my data for good")).click()
    expect(page.locator(".error")).to_contain_text(zh("Tick the box to confirm that you want your data erased."))
    journey.look(page, "erase-unticked-phone-zh")
    site.fresh()
    assert db.session.get(Delegate, delegate.id).erased_at is None
    db.session.rollback()
    page.get_by_label(zh("I understand that my data will be erased for good and that this cannot be undone.")).check()
    page.get_by_role("button", name=zh("Erase my data for good")).click()
    expect(page).to_have_url(re.compile(r"/manage/erased(\?.*)?$"))
    expect(page.locator("h1")).to_have_text(zh("Your data is erased"))
    journey.look(page, "erased-phone-zh")
    # her old link (a second tab, a bookmark) opens nothing that was hers
    page.goto(manage)
    expect(page.get_by_text(FAMILY.upper())).to_have_count(0)
    expect(page.get_by_text(FAMILY)).to_have_count(0)
    journey.look(page, "old-link-phone-zh")

    # The organiser, at a desk, in English: the search finds no one, and the line has moved on.
    console = journey.open(locale="en-GB")
    sign_in(journey, console, "organiser", "/console/")
    journey.look(console, "console-dashboard")
    console.goto(f"/console/delegates?q={FAMILY}&status=all")
    expect(console.locator("tbody tr")).to_have_count(0)
    journey.look(console, "console-search-finds-no-one")
    console.goto(f"/console/delegates?q=Nextinline&route={r3.id}")
    row = console.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(en("confirmed"))
    journey.look(console, "console-next-in-line-confirmed")
    console.goto(f"/console/delegates?route={r3.id}&waiting=1")
    expect(console.locator("tbody tr")).to_have_count(0)
    journey.look(console, "console-no-one-waiting")

    site.fresh()
    assert db.session.get(Delegate, waiting.id).booking.status == "confirmed"
    gone = db.session.get(Delegate, delegate.id)
    assert gone.erased_at is not None and gone.family_name == "" and gone.booking is None
