"""A delegate erases everything from their self-service page, on a phone, in Chinese; the organiser's
console search no longer finds them, and the route's waiting list has moved on (the next delegate has
the place).  The data copy and the consent withdrawal (pd-consent) join this journey at the merge."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from summit.models import Delegate
from summit.plumbing.database import writing
from summit.plumbing.extensions import db
from summit.services.visits import capacity as places

from browser.console_login import sign_in
from browser.journey import words
from support.factories import register, route

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAMILY = "Erasmussen"  # in no other journey
PHONE = {"width": 390, "height": 844}


def test_a_delegate_erases_their_data_and_the_console_no_longer_finds_them(journey, site):
    zh = lambda msgid, **kw: words("zh", msgid, **kw)  # noqa: E731
    en = lambda msgid, **kw: words("en", msgid, **kw)  # noqa: E731
    r3 = route(site.summit, "R3")
    with writing():
        places.set_capacity(r3, 1)
    holder = register(site.summit, route_id=r3.id, given_name="Ingrid", family_name=FAMILY, language="zh",
                      native_name="艾瑞丝", email="ingrid.erasmussen@example.org")
    waiting = register(site.summit, route_id=r3.id, join_waitlist=True, given_name="Tomas",
                       family_name="Nextinline").delegate
    assert waiting.booking.status == "waitlisted"

    # The delegate, on a phone, in Chinese.
    page = journey.open(locale="zh-CN")
    page.set_viewport_size(PHONE)
    page.goto(f"/manage/{holder.manage_token}")
    expect(page.locator("#erase")).to_have_text(zh("Erase my data"))
    page.locator("#erase").scroll_into_view_if_needed()
    journey.look(page, "manage-phone-zh")
    page.get_by_role("link", name=zh("Erase my data…")).click()
    expect(page.locator("h1")).to_have_text(zh("Erase my data"))
    expect(page.get_by_text(zh("This cannot be undone."))).to_be_visible()
    journey.look(page, "erase-confirm-phone-zh")

    # The button alone does not erase: the box must be ticked, and the page says so.
    page.get_by_role("button", name=zh("Erase my data for good")).click()
    expect(page.locator(".error")).to_contain_text(zh("Tick the box to confirm that you want your data erased."))
    journey.look(page, "erase-unticked-phone-zh")
    site.fresh()
    assert db.session.get(Delegate, holder.delegate.id).erased_at is None
    db.session.rollback()  # our read ends here: on SQLite the erasure's checkpoint waits for open readers

    page.get_by_label(zh("I understand that my data will be erased for good and that this cannot be undone.")).check()
    page.get_by_role("button", name=zh("Erase my data for good")).click()
    expect(page).to_have_url(re.compile(r"/manage/erased(\?.*)?$"))
    expect(page.locator("h1")).to_have_text(zh("Your data is erased"))
    journey.look(page, "erased-phone-zh")

    # Back (a second tab, a bookmarked link): the link opens nothing that was theirs.
    page.goto(f"/manage/{holder.manage_token}")
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
    gone = db.session.get(Delegate, holder.delegate.id)
    assert gone.erased_at is not None and gone.family_name == "" and gone.booking is None
