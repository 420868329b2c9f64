"""A delegate subscribes to their calendar from their page: on a computer, by scanning its QR code with a
phone, with Google, Outlook.com or Microsoft 365, in English and in Chinese, at 1280 and 390 px."""
from __future__ import annotations

import subprocess
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from summit.services.calendar.tokens import calendar_token

from browser.journey import words
from support.factories import register, route


def decoded_qr(png: bytes) -> str:
    result = subprocess.run(["zbarimg", "--quiet", "-Sdisable", "-Sqrcode.enable", "--raw", "-"],
                            input=png, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode().strip()


def test_the_delegate_subscribes_from_a_computer_or_a_phone_in_either_language(journey, site):
    registered = register(site.summit, route_id=route(site.summit, "R1").id)
    manage = f"/manage/{registered.manage_token}"
    token = calendar_token(registered.delegate)

    for language in ("en", "zh"):
        say = lambda msgid, **kw: words(language, msgid, **kw)  # noqa: E731
        page = journey.open(locale="zh-CN" if language == "zh" else "en-GB")
        page.goto(f"{manage}?lang={language}")
        card = page.locator("section", has=page.locator("#cal"))
        # The live server's PUBLIC_BASE_URL is its own address: the feed's, as the page gives it.
        feed = card.get_by_role("link", name=say("Download .ics file")).get_attribute("href")
        assert feed == f"{site.url}/calendar/{token}.ics"
        webcal = "webcal://" + feed.split("://", 1)[1]

        # Microsoft 365 beside Outlook.com, each handed the https address and the calendar's name.
        for name, host in (("Add to Outlook.com", "outlook.live.com"),
                           ("Add to Microsoft 365", "outlook.office.com")):
            link = card.get_by_role("link", name=say(name))
            expect(link).to_be_visible()
            address = urlsplit(link.get_attribute("href"))
            assert (address.netloc, address.path) == (host, "/calendar/0/addfromweb")
            assert parse_qs(address.query)["url"] == [feed]
        # Google's slow refresh, said plainly, and that the day's changes come by email too.
        expect(card.get_by_text(say("Google Calendar refreshes a subscribed calendar only every 12 to 24 hours, "
                                    "so changes on the day also reach you by email."))).to_be_visible()

        # At 1280 px: the address as a QR code, which a phone's camera reads as the webcal:// address.
        qr = card.locator(".subscribe-qr svg")
        expect(qr).to_be_visible()
        expect(card.get_by_text(say("On your phone: scan this code with the camera to subscribe there."))).to_be_visible()
        assert decoded_qr(qr.screenshot()) == webcal
        journey.look(page, f"manage-calendar-1280-{language}")

        # At 390 px, on the phone itself, the buttons do it: no code to scan, and nothing wider than the screen.
        page.set_viewport_size({"width": 390, "height": 844})
        expect(qr).to_be_hidden()
        expect(card.get_by_role("link", name=say("Subscribe in your calendar app"))).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        journey.look(page, f"manage-calendar-390-{language}")

