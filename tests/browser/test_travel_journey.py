"""Issue 18's journey: a delegate asks for a visa letter as she registers; an organiser approves her; she
downloads the letter, whose QR (read back from the rendered PDF) opens the verify page that confirms it; she
gives her arrival flight, which the transport desk's pick-up list shows in its window. At 1280 and 390 px,
en and zh."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from summit.models import Flight, VisaLetter
from summit.plumbing.extensions import db
from summit.services.accreditation import modes

from browser.console_login import sign_in
from browser.journey import words
from browser.test_delegate_journeys import delegate_by_email, fill_registration
from support.badge_helpers import decode_qr_codes
from support.visa_letters import open_requests

#: the letter's QR names the public address, not the test server's: the test opens its path on the live site
PUBLIC_BASE = "https://summit.test"
SERVER_ENV = {"PUBLIC_BASE_URL": PUBLIC_BASE, "ALLOWED_HOSTS": "127.0.0.1"}

FAMILY = "Mensah-Okafor"  # in no other journey
DETAILS = {"given_name": "Abena", "family_name": FAMILY, "email": "abena-travel@example.org",
           "organisation": "Ghana Highway Authority", "country": "GH", "category": "government",
           "language": "en", "consent": True}
PASSPORT = {"passport_name": "ABENA MENSAH-OKAFOR", "passport_number": "G0912 4471",
            "passport_nationality": "GH", "passport_date_of_birth": "1984-07-19",
            # the summit ends on 2024-09-26: valid for six months after it
            "passport_expires_on": "2031-02-03"}


def en(msgid: str, **params) -> str:
    return words("en", msgid, **params)


def zh(msgid: str, **params) -> str:
    return words("zh", msgid, **params)


def test_a_delegate_gets_her_visa_letter_verified_and_her_flight_on_the_pickup_list(journey, site, tmp_path):
    # 1. Approval mode (the organiser's approval issues the letter), and the letter deadline opened: the summit
    # file's 2024-09-04 is past by the tests' clock (as tests/travel do).
    modes.set_mode(site.summit, "approval", None)
    open_requests(site.summit)
    site.fresh()

    # 2. The delegate registers, asking for a letter, with her passport and its own consent.
    page = journey.open(locale="en-GB")
    page.goto("/register")
    journey.look(page, "register")
    fill_registration(page, DETAILS)
    page.check("[name=visa_letter]")
    expect(page.locator(".visa-passport")).to_be_visible()
    for name, value in PASSPORT.items():
        if name == "passport_nationality":
            page.select_option(f"[name={name}]", value)
        else:
            page.fill(f"[name={name}]", value)
    page.check("[name=passport_consent]")
    journey.look(page, "register-visa-filled")
    page.click("button[type=submit].primary")
    expect(page.locator("#visa")).to_be_visible()
    manage = page.url.split("?")[0]
    status = page.locator(".letter-status")
    expect(status).to_have_text(en("Requested: it will be issued once the organisers have approved your registration."))
    expect(page.get_by_role("link", name=en("Download the letter (PDF)"))).to_have_count(0)
    # one consent covers the passport and any needs: the page says withdrawing it erases the passport too
    expect(page.locator(".personal-data h3")).to_have_text(en("Sensitive personal information"))
    expect(page.get_by_role("button", name=en("Withdraw my consent and erase this information"))).to_be_visible()
    journey.look(page, "manage-letter-requested")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#visa").scroll_into_view_if_needed()
    journey.look(page, "manage-letter-requested-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    delegate = delegate_by_email(site, DETAILS["email"])
    assert delegate.accreditation == "pending"
    letter = db.session.scalars(db.select(VisaLetter).where(VisaLetter.delegate_id == delegate.id)).one()
    assert letter.status == "requested" and letter.serial is None
    db.session.rollback()

    # 3. The organiser approves her in the accreditation queue.
    organiser = journey.open(locale="en-GB")
    sign_in(journey, organiser, "organiser", "/console/accreditation/queue")
    row = organiser.get_by_role("row").filter(has_text=DETAILS["email"])
    expect(row).to_have_count(1)
    journey.look(organiser, "queue")
    row.get_by_role("button", name=re.compile(en("Approve"))).click()
    expect(organiser.locator(".flash-success")).to_have_text("1 delegate approved; they are told by email.")
    expect(organiser.get_by_role("row").filter(has_text=DETAILS["email"])).to_have_count(0)
    journey.look(organiser, "queue-approved")

    # 4. The delegate reloads her page: the letter is issued, and she downloads it.
    page.reload()
    expect(status).to_have_text(en("Issued: download it below and take it to your embassy or consulate."))
    journey.look(page, "manage-letter-issued")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=en("Download the letter (PDF)")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf_file:
        pdf = pdf_file.read()
    assert pdf[:5] == b"%PDF-"
    site.fresh()
    serial = db.session.scalars(db.select(VisaLetter.serial).where(VisaLetter.delegate_id == delegate.id)).one()
    db.session.rollback()
    assert serial
    # its QR, read by a real decoder from the rendered page, names the public verify page
    codes = decode_qr_codes(pdf, tmp_path)
    assert codes == [f"{PUBLIC_BASE}/verify/{serial}"]
    verify_path = urlsplit(codes[0]).path

    # scanning it: the verify page, on the live site, confirms the letter
    scanner = journey.open(locale="en-GB")
    scanner.goto(verify_path)
    expect(scanner.locator("#verdict")).to_have_text(en("This letter is genuine and valid."))
    facts = scanner.locator(".verify-result .facts")
    expect(facts).to_contain_text(serial)
    expect(facts).to_contain_text(PASSPORT["passport_name"])
    expect(facts).to_contain_text("Ghana")
    expect(facts).to_contain_text("4471")
    expect(facts).not_to_contain_text("G0912")  # masked: never the whole number
    journey.look(scanner, "verify-en")
    scanner.set_viewport_size({"width": 390, "height": 844})
    journey.look(scanner, "verify-en-390")
    scanner.goto(verify_path + "?lang=zh")
    expect(scanner.locator("#verdict")).to_have_text(zh("This letter is genuine and valid."))
    expect(facts).to_contain_text("加纳")
    expect(facts).to_contain_text(PASSPORT["passport_name"])
    expect(facts).not_to_contain_text("G0912")
    journey.look(scanner, "verify-zh-390")
    scanner.set_viewport_size({"width": 1280, "height": 900})
    journey.look(scanner, "verify-zh")

    # 5. Her arrival flight, from her page: typed loosely, saved as the airline writes it.
    page.get_by_role("link", name=en("Add my flights and hotel")).click()
    expect(page.locator("h1")).to_have_text(en("Your travel"))
    journey.look(page, "travel")
    page.fill("#arrival_at", "2024-09-24T14:30")
    page.fill("#arrival_flight", "ca 981")
    page.fill("#arrival_airport", "PEK")
    page.get_by_role("button", name=en("Save my travel")).click()
    expect(page.locator(".flash-success")).to_have_text(en("Your travel details are saved."))
    journey.look(page, "travel-saved")
    page.goto(manage.rstrip("/") + "/travel")
    expect(page.locator("#arrival_flight")).to_have_value("CA981")
    expect(page.locator("#arrival_airport")).to_have_value("PEK")
    expect(page.locator("#arrival_at")).to_have_value("2024-09-24T14:30")
    journey.look(page, "travel-again")
    site.fresh()
    flight = db.session.scalars(db.select(Flight).where(Flight.delegate_id == delegate.id)).one()
    assert (flight.direction, flight.flight, flight.airport) == ("arrival", "CA981", "PEK")
    db.session.rollback()

    # 6. Staff at the transport desk: the day's pick-ups at PEK, she is in the 14:30 window.
    desk = journey.open(locale="en-GB")
    sign_in(journey, desk, "staff", "/desk/transport")
    journey.look(desk, "transport")
    desk.goto("/desk/transport?direction=arrival&date=2024-09-24&airport=PEK")
    window = desk.locator(".pickup-window").filter(has_text="CA981")
    expect(window).to_have_count(1)
    expect(window.locator("h2")).to_contain_text("14:30–15:00")
    pickup = window.get_by_role("row").filter(has_text="CA981")
    expect(pickup).to_contain_text(FAMILY.upper())
    expect(pickup).to_contain_text("14:30")
    expect(pickup).to_contain_text("CA981 · PEK")
    journey.look(desk, "pickups-pek")
    desk.set_viewport_size({"width": 390, "height": 844})
    journey.look(desk, "pickups-pek-390")
