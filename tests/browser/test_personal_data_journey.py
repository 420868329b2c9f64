"""A delegate gives dietary needs with their separate consent, reads the privacy notice, views, prints and
downloads their own data, and withdraws the consent (issue 17, items 1–3); at 1280 and 390 px, zh and en."""
from __future__ import annotations

import json

from playwright.sync_api import expect

from summit.models import Consent
from summit.plumbing.extensions import db

from browser.test_delegate_journeys import delegate_by_email, fill_registration

DETAILS = {"given_name": "Amina", "family_name": "Diallo", "email": "amina-pd@example.org",
           "organisation": "Ministère des Transports", "country": "SN", "category": "government",
           "dietary_needs": "Halal, no shellfish", "consent": True}


def test_a_delegate_consents_to_her_needs_downloads_her_data_and_withdraws(journey, site):
    page = journey.open(locale="en-GB")
    page.goto("/register")
    journey.look(page, "register")
    fill_registration(page, DETAILS)
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
