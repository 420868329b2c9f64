"""A delegate's journeys in a real browser: registering in Chinese and in English, correcting a
mistake without retyping, changing route, joining a waiting list, taking the personal calendar."""
from __future__ import annotations

import re

import icalendar
import pytest
from playwright.sync_api import Page, expect

from summit.plumbing.database import writing
from summit.plumbing.extensions import db
from summit.models import Delegate
from summit.services.visits import capacity as places

from browser.journey import words
from support.factories import register, route

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: the delegate's own page; the redirect after registering keeps the page's language in the address
MANAGE_URL = re.compile(r"/manage/[\w-]{20,}(\?lang=(zh|en))?$")


def delegate_by_email(site, email: str) -> Delegate:
    site.fresh()
    return db.session.scalars(db.select(Delegate).where(Delegate.email == email)).one()


def field_values(page: Page) -> dict:
    """What the registration form holds now, field by field."""
    form = page.locator("form.form")
    values = {name: form.locator(f"[name={name}]").input_value() for name in (
        "given_name", "family_name", "native_name", "email", "phone", "organisation", "job_title", "country",
        "dietary_needs", "accessibility_needs")}
    for name in ("category", "route", "language"):
        checked = form.locator(f"input[name={name}]:checked")
        values[name] = checked.get_attribute("value") if checked.count() else None
    for name in ("banquet", "consent"):
        values[name] = form.locator(f"[name={name}]").is_checked()
    # a full route's waiting-list box sits under that route (none while no route is full)
    values["join_waitlist"] = form.locator("[name=join_waitlist]:checked").count() > 0
    return values


def fill_registration(page: Page, details: dict) -> None:
    for name in ("given_name", "family_name", "native_name", "email", "phone", "organisation", "job_title",
                 "dietary_needs", "accessibility_needs"):
        if name in details:
            page.fill(f"[name={name}]", details[name])
    page.select_option("[name=country]", details["country"])
    for name in ("category", "route", "language"):
        if name in details:
            page.check(f"input[name={name}][value='{details[name]}']")
    for name in ("banquet", "consent"):
        page.set_checked(f"[name={name}]", bool(details.get(name)))
    if details.get("join_waitlist"):  # the box under the chosen (full) route
        page.check(f"[name=join_waitlist][value='{details['route']}']")


def test_a_delegate_registers_in_chinese_and_corrects_a_mistake_without_retyping(journey, site):
    zh = lambda msgid, **kw: words("zh", msgid, **kw)  # noqa: E731
    r2 = route(site.summit, "R2")
    page = journey.open(locale="zh-CN")  # the browser asks for Chinese: no switch needed

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("h1")).to_have_text(site.summit.name_zh)
    journey.look(page, "home")

    page.get_by_role("navigation").get_by_role("link", name=zh("Programme")).click()
    expect(page.locator("h1")).to_be_visible()
    journey.look(page, "agenda")
    page.get_by_role("navigation").get_by_role("link", name=zh("Technical visits")).click()
    expect(page.locator("#route-R2")).to_be_visible()
    journey.look(page, "routes")

    page.get_by_role("link", name=zh("Register and choose a route")).click()
    expect(page.locator("h1")).to_have_text(zh("Register for %(summit)s", summit=site.summit.name_zh))
    journey.look(page, "register")

    typed = {
        "given_name": "Xiaoming", "family_name": "Wang", "native_name": "王小明",
        "email": "wang.xiaoming.example.org",  # the mistake: no @
        "phone": "+86 138 0013 8000", "organisation": "交通运输部科学研究院", "job_title": "研究员",
        "country": "CN", "category": "academia", "route": str(r2.id), "language": "zh",
        "banquet": True, "dietary_needs": "素食", "accessibility_needs": "",
        "consent": False,  # the second mistake: consent not given
    }
    fill_registration(page, typed)
    page.get_by_role("button", name=zh("Register"), exact=True).click()

    # The errors are in Chinese, beside their fields; nothing typed is lost.
    expect(page.get_by_role("alert")).to_contain_text(
        zh("Some fields need attention; they are marked below. Nothing you typed has been lost."))
    expect(page.locator("#email-error")).to_have_text(zh("This is not a valid email address."))
    expect(page.locator("[name=email]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#consent-error")).to_have_text(
        zh("We need your consent to process your registration."))
    journey.look(page, "register-mistake")
    assert field_values(page) == {**typed, "join_waitlist": False}

    page.fill("[name=email]", "wang.xiaoming@example.org")
    page.check("[name=consent]")
    page.check("[name=sensitive_consent]")  # the needs given ask for their own consent
    page.get_by_role("button", name=zh("Register"), exact=True).click()

    # The confirmation is the delegate's own page: its address is the manage link.
    expect(page).to_have_url(MANAGE_URL)
    expect(page.locator(".flash-success")).to_have_text(
        zh("You are registered. We have emailed you this page's link: bookmark it to come back."))
    expect(page.locator(".status-ok")).to_have_text(
        zh("Your place on %(route)s is confirmed.", route=f"R2 · {r2.name_zh}"))
    expect(page.get_by_text("王小明")).to_be_visible()
    journey.look(page, "registered")

    delegate = delegate_by_email(site, "wang.xiaoming@example.org")
    assert (delegate.language, delegate.native_name, delegate.organisation, delegate.banquet) == (
        "zh", "王小明", "交通运输部科学研究院", True)
    assert (delegate.booking.route.code, delegate.booking.status) == ("R2", "confirmed")
    assert page.url.startswith(site.url)  # a link on this site, not on some other host

    # The link keeps working: a fresh visit to the same address shows the same registration.
    link = page.url
    page.goto("/")
    journey.look(page, "home-again")
    page.goto(link)
    expect(page.locator(".status-ok")).to_contain_text("R2")
    journey.look(page, "manage-link")


def test_a_delegate_registers_in_english_switches_route_waits_and_takes_the_calendar(journey, site):
    en = lambda msgid, **kw: words("en", msgid, **kw)  # noqa: E731
    r1, r2, r3 = (route(site.summit, code) for code in ("R1", "R2", "R3"))
    page = journey.open(locale="zh-CN")  # a Chinese browser; the delegate prefers English

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    journey.look(page, "home-zh")
    page.get_by_role("group").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    journey.look(page, "home-en")

    # The choice is kept from page to page (a cookie), not only on the page where it was made.
    page.get_by_role("navigation").get_by_role("link", name=en("Register")).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("input[name=language][value=en]")).to_be_checked()
    journey.look(page, "register")

    fill_registration(page, {
        "given_name": "Amina", "family_name": "Diallo", "email": "amina.diallo@example.org",
        "organisation": "Ministry of Infrastructure", "job_title": "Director of Mobility", "country": "SN",
        "category": "government", "route": str(r1.id), "consent": True,
    })
    page.get_by_role("button", name=en("Register"), exact=True).click()
    expect(page).to_have_url(MANAGE_URL)
    expect(page.locator(".status-ok")).to_have_text(
        en("Your place on %(route)s is confirmed.", route=f"R1 · {r1.name_en}"))
    journey.look(page, "registered")

    # Change of mind: R2 instead of R1.
    page.check(f"input[name=route][value='{r2.id}']")
    page.get_by_role("button", name=en("Save my route choice")).click()
    expect(page.locator(".flash-success")).to_have_text(en("Your place on %(route)s is confirmed.", route="R2"))
    expect(page.locator(".status-ok")).to_contain_text("R2")
    expect(page.locator(f"input[name=route][value='{r2.id}']")).to_be_checked()
    journey.look(page, "switched-to-R2")
    me = delegate_by_email(site, "amina.diallo@example.org")
    assert (me.booking.route.code, me.booking.status) == ("R2", "confirmed")
    assert db.session.get(type(r1), r1.id).confirmed == 0  # the R1 place went back

    # R3 fills up meanwhile.
    for _ in range(2):
        register(site.summit, route_id=r3.id)
    with writing():
        places.set_capacity(r3, 2)
    page.reload()
    option = page.locator("#choose-R3")
    expect(option.locator(".places-full")).to_have_text(en("Full"))
    # R3's waiting list is offered under R3 itself, once R3 is the one chosen
    offer = option.locator(".waitlist-offer")
    expect(offer).to_be_hidden()
    page.check(f"input[name=route][value='{r3.id}']")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text(en("%(route)s is full.", route="R3"))
    expect(offer.get_by_label(en("Keep my place on %(route)s until a place frees on %(wanted)s; then swap",
                                 route="R2", wanted="R3"))).to_be_checked()
    journey.look(page, "R3-full")

    # Asking for the full route without the waiting list keeps the R2 place and says why.
    page.get_by_role("button", name=en("Save my route choice")).click()
    expect(page.locator("#route-error")).to_have_text(en(
        "This route is full. Tick the box under it to join its waiting list, or choose another route."))
    expect(page.locator(".status-ok")).to_contain_text("R2")
    journey.look(page, "R3-refused")
    assert delegate_by_email(site, "amina.diallo@example.org").booking.route.code == "R2"

    # With the box under R3 ticked, giving up R2: on R3's waiting list, first in line.
    page.check(f"input[name=route][value='{r3.id}']")
    offer.get_by_label(en("Put me on the waiting list for %(route)s", route="R3")).check()
    offer.get_by_label(en("Give up my place on %(route)s now", route="R2")).check()
    page.get_by_role("button", name=en("Save my route choice")).click()
    expect(page.locator(".flash-warning")).to_have_text(
        en("You are on the waiting list for %(route)s. You will move up automatically.", route="R3"))
    expect(page.locator(".status-wait")).to_have_text(en(
        "You are number %(position)d on the waiting list for %(route)s. You will move up automatically and "
        "we will tell you.", position=1, route="R3"))
    journey.look(page, "waiting-for-R3")
    me = delegate_by_email(site, "amina.diallo@example.org")
    assert (me.booking.route.code, me.booking.status, places.waitlist_position(me.booking)) == ("R3", "waitlisted", 1)

    # The personal calendar: the programme, and R3 as not yet confirmed.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=en("Download .ics file")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    feed = icalendar.Calendar.from_ical(open(download.path(), "rb").read())
    events = list(feed.walk("VEVENT"))
    summaries = [str(e["SUMMARY"]) for e in events]
    assert any("Opening Ceremony" in s for s in summaries), summaries
    visit = [e for e in events if "R3" in str(e["SUMMARY"]) or r3.name_en in str(e["SUMMARY"])]
    assert len(visit) == 1, summaries
    assert str(visit[0]["STATUS"]) == "TENTATIVE"
    assert not any("R2" in s or r2.name_en in s for s in summaries)  # the place given up is gone
    journey.look(page, "after-calendar")


def test_a_delegate_gets_a_new_link_edits_details_and_cancels_and_the_next_in_line_moves_up(journey, site):
    en = lambda msgid, **kw: words("en", msgid, **kw)  # noqa: E731
    r4 = route(site.summit, "R4")
    with writing():
        places.set_capacity(r4, 1)
    me = register(site.summit, given_name="Kwame", family_name="Mensah", email="kwame.mensah@example.org",
                  country="GH", route_id=r4.id).delegate
    next_in_line = register(site.summit, route_id=r4.id, join_waitlist=True).delegate
    assert (me.booking.status, next_in_line.booking.status) == ("confirmed", "waitlisted")

    page = journey.open(locale="en-GB")
    page.goto("/manage/lost-link")
    journey.look(page, "lost-link")
    page.fill("[name=email]", "Kwame.Mensah@example.org")  # as typed from memory: case does not matter
    page.get_by_role("button", name=en("Send me a new link")).click()
    expect(page.locator(".flash-success")).to_have_text(
        en("If that address is registered, a new link is on its way. It works for %(hours)d hours; "
           "your current link keeps working until you open the new one.", hours=24))
    journey.look(page, "lost-link-sent")

    # The email (written to the server's log in development) carries the new link; opening it asks
    # to confirm, and confirming makes it the link (the page then offers a new calendar link too).
    sent = "mail (development, not sent) to kwame.mensah@example.org"
    site.server.wait_for_log(lambda log: sent in log)  # mail leaves after the answer
    mail = site.server.log().split(sent)[-1]
    link = re.search(re.escape(site.url) + r"/manage/[\w-]+", mail).group(0)
    page.goto(link)
    journey.look(page, "new-link")
    page.get_by_role("button", name=en("Use this link and open my registration")).click()
    expect(page.locator("h2#who")).to_have_text("Kwame MENSAH")  # in protocol form, as the badge prints it
    expect(page.locator(".flash-success")).to_have_text(
        en("This is now your personal link: bookmark it. Links sent before no longer work."))
    expect(page.get_by_role("link", name=en("Reset my calendar link…"))).to_be_visible()
    journey.look(page, "manage")

    page.get_by_role("link", name=en("Edit my details")).click()
    expect(page.locator("[name=email]")).to_have_value("kwame.mensah@example.org")
    journey.look(page, "details")
    page.fill("[name=phone]", "+233 20 123 4567")
    page.fill("[name=dietary_needs]", "Halal")
    page.check("[name=sensitive_consent]")
    page.check("[name=banquet]")
    page.get_by_role("button", name=en("Save my details")).click()
    expect(page.locator(".flash-success")).to_have_text(en("Your details are saved."))
    expect(page.locator("section[aria-labelledby=who] .facts")).to_contain_text(en("Attending"))
    journey.look(page, "details-saved")

    page.get_by_role("link", name=en("Cancel my registration…")).click()
    journey.look(page, "cancel")
    page.get_by_role("button", name=en("Yes, cancel my registration")).click()
    expect(page.locator(".flash-success")).to_have_text(
        en("Your registration is cancelled. We hope to see you at a future forum."))
    expect(page.locator("#route-R4 .places-full")).to_have_text(en("Full"))  # the place went on, not back
    journey.look(page, "cancelled")

    site.fresh()
    assert db.session.get(Delegate, me.id).status == "cancelled"
    assert db.session.get(Delegate, next_in_line.id).booking.status == "confirmed"
    page.goto(link)  # the link of a cancelled registration leads nowhere
    expect(page.locator("h1")).to_be_visible()
    journey.look(page, "old-link")
