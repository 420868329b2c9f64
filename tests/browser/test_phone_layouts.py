"""The console and the desk on a phone (390 px) and a desktop (1280 px), in a real browser: no page
scrolls sideways on a phone, the console menu folds into a disclosure a keyboard opens and on a wide
screen fits on one line; staff land at the desk after signing in; cancelling a session asks first;
an error page carries the summit's name, and a dead personal link offers a new one."""
from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from summit.plumbing.extensions import db
from summit.models import ProgrammeItem
from summit.services.console.accounts import save_user

from browser.console_login import PASSWORD
from browser.journey import Journey, words
from support.factories import register, route

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

CONSOLE_PAGES = ["/console/", "/console/delegates", "/console/programme", "/console/routes", "/console/exports",
                 "/console/review", "/console/delegations", "/console/messages", "/console/accreditation",
                 "/console/audit", "/console/tokens", "/desk/badges", "/desk/checkin"]


_accounts = itertools.count(1)


def sign_in_at_login(journey: Journey, page: Page, role: str, language: str = "en") -> str:
    """A new account of ``role``, signed in through the login page like a person; its email."""
    db.session.rollback()  # no read left open on the database the server writes to
    user = save_user(f"{role}-{next(_accounts)}@example.org", role, PASSWORD)
    page.goto(f"/console/login?lang={language}")
    journey.look(page, f"login-{language}")
    page.fill("[name=email]", user.email)
    page.fill("[name=password]", PASSWORD)
    page.get_by_role("button", name=words(language, "Sign in")).click()
    return user.email


def no_sideways_scroll(page: Page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} is {width} px wide in a {inner} px window"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_console_and_desk_fit_a_phone_and_the_menu_folds(journey, site, language):
    for given, family, native in (("Layla", "Haddad", "ليلى حداد"), ("Maximilian-Alexander", "Oberhauser-Wittgenstein", "")):
        register(site.summit, given_name=given, family_name=family, native_name=native, route_id=route(site.summit, "R2").id)
    page = journey.open(locale="zh-CN" if language == "zh" else "en-GB")
    page.set_viewport_size(PHONE)
    sign_in_at_login(journey, page, "organiser", language)
    expect(page).to_have_url(re.compile(r"/console/$"))
    journey.look(page, "phone-landing")
    for path in CONSOLE_PAGES:
        page.goto(f"{path}?lang={language}")
        journey.look(page, f"phone-{path.strip('/').replace('/', '-')}")
        no_sideways_scroll(page)
        # chart labels keep a readable size on a phone
        if path == "/console/":
            sizes = page.evaluate("[...document.querySelectorAll('.chart text, .hchart-labels li')]"
                                  ".map(e => parseFloat(getComputedStyle(e).fontSize))")
            assert sizes and min(sizes) >= 11, sizes

    # The menu: folded, opened from the keyboard, every section reachable
    page.goto(f"/console/delegates?lang={language}")
    menu = page.locator("details.nav-menu")
    programme = menu.get_by_role("link", name=words(language, "Programme"))
    expect(programme).to_be_hidden()
    expect(page.locator(".console-nav")).to_be_hidden()
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(programme).to_be_visible()
    expect(menu.get_by_role("link", name=words(language, "Delegates"))).to_have_attribute("aria-current", "page")
    expect(menu.get_by_role("button", name=words(language, "Sign out"))).to_be_visible()
    journey.look(page, "phone-menu-open")
    no_sideways_scroll(page)
    programme.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console/programme"))
    journey.look(page, "phone-menu-followed")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_console_menu_fits_one_line_at_1280(journey, site, language):
    page = journey.open(locale="en-GB")
    page.set_viewport_size(DESKTOP)
    email = sign_in_at_login(journey, page, "organiser", language)
    journey.look(page, "desktop-dashboard")
    expect(page.locator("details.nav-menu")).to_be_hidden()
    tops = page.evaluate("[...document.querySelectorAll('.console-nav > a, .console-nav > .account')]"
                         ".map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2))")
    assert len(tops) == 11 and max(tops) - min(tops) <= 2, tops  # ten sections and the account, one line
    header = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
    assert header < 80, header
    # the account folds: who is signed in, and the way out
    page.locator(".account summary").click()
    expect(page.locator(".account").get_by_text(email)).to_be_visible()
    journey.look(page, "desktop-account-open")


def test_staff_land_at_the_desk_and_organisers_at_the_dashboard(journey, site):
    page = journey.open(locale="en-GB")
    staff = sign_in_at_login(journey, page, "staff")
    expect(page).to_have_url(re.compile(r"/desk/badges$"))
    journey.look(page, "staff-landing")
    # a page asked for before signing in still wins
    other = journey.open(locale="en-GB")
    other.goto("/console/delegates")
    expect(other).to_have_url(re.compile(r"/console/login\?next="))
    journey.look(other, "login-with-next")
    other.fill("[name=email]", staff)
    other.fill("[name=password]", PASSWORD)
    other.get_by_role("button", name=words("en", "Sign in")).click()
    expect(other).to_have_url(re.compile(r"/console/delegates$"))
    journey.look(other, "next-wins")
    boss = journey.open(locale="en-GB")
    sign_in_at_login(journey, boss, "organiser")
    expect(boss).to_have_url(re.compile(r"/console/$"))
    journey.look(boss, "organiser-landing")
    # the sign-in page shows no shell command
    fresh = journey.open(locale="en-GB")
    fresh.goto("/console/login")
    expect(fresh.locator("main code")).to_have_count(0)
    expect(fresh.locator("main")).not_to_contain_text("flask")
    journey.look(fresh, "login-plain")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_cancelling_a_session_asks_first(journey, site, language):
    site.fresh()
    item = db.session.scalars(db.select(ProgrammeItem).where(
        ProgrammeItem.summit_id == site.summit.id, ProgrammeItem.cancelled.is_(False),
        ProgrammeItem.kind == "thematic").order_by(ProgrammeItem.starts_at)).first()
    title = item.title_zh if language == "zh" else item.title_en
    page = journey.open(locale="en-GB")
    page.set_viewport_size(PHONE)
    sign_in_at_login(journey, page, "organiser", language)
    journey.look(page, "landing")
    page.goto(f"/console/programme?lang={language}")
    row = page.locator(f"#item-{item.id}")
    journey.look(page, "programme")
    row.get_by_role("link", name=words(language, "Cancel session…")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words(language, "Cancel the session “%(title)s”?", title=title))
    expect(page.locator("main")).to_contain_text(words(language, "The session stays on the programme, marked cancelled. Every calendar that subscribed to the programme or to a delegate’s feed will show it as cancelled at its next refresh."))
    journey.look(page, "cancel-asks")
    no_sideways_scroll(page)
    page.get_by_role("link", name=words(language, "No, keep the session")).click()
    expect(row).not_to_contain_text(words(language, "Cancelled"))
    journey.look(page, "kept")
    site.fresh()
    assert not db.session.get(ProgrammeItem, item.id).cancelled
    row.get_by_role("link", name=words(language, "Cancel session…")).click()
    expect(page.get_by_role("button", name=words(language, "Yes, cancel this session"))).to_be_visible()
    journey.look(page, "cancel-asks-again")
    page.get_by_role("button", name=words(language, "Yes, cancel this session")).click()
    expect(page.locator(".flash-success")).to_contain_text(title)
    expect(row).to_contain_text(words(language, "Cancelled"))
    expect(row.get_by_role("button", name=words(language, "Restore"))).to_be_visible()
    journey.look(page, "cancelled")
    site.fresh()
    assert db.session.get(ProgrammeItem, item.id).cancelled
    row.get_by_role("button", name=words(language, "Restore")).click()  # back, for the next language
    expect(row).not_to_contain_text(words(language, "Cancelled"))
    journey.look(page, "restored")


@pytest.mark.parametrize("language, width", [("en", 390), ("zh", 390), ("en", 1280), ("zh", 1280)])
def test_error_pages_carry_the_summits_name(journey, site, language, width):
    page = journey.open(locale="zh-CN" if language == "zh" else "en-GB")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/no-such-page?lang={language}")
    short = site.summit.short_name_zh if language == "zh" else site.summit.short_name_en
    name = site.summit.name_zh if language == "zh" else site.summit.name_en
    expect(page.locator(".brand")).to_have_text(short)
    expect(page).to_have_title(re.compile(re.escape(name)))
    expect(page.locator("body")).not_to_contain_text(words(language, "All times are Beijing time (UTC+8)."))
    expect(page.get_by_role("heading", level=1)).to_have_text(words(language, "We could not find that page."))
    journey.look(page, "not-found")
    no_sideways_scroll(page)
    # the brand never breaks inside a word: one line
    lines = page.evaluate("(() => { const s = document.querySelector('.brand span'); return Math.round(s.getBoundingClientRect().height / parseFloat(getComputedStyle(s).lineHeight)); })()")
    assert lines == 1
    page.goto(f"/manage/not-a-real-link?lang={language}")
    expect(page.get_by_role("heading", level=1)).to_have_text(words(language, "This personal link does not work."))
    journey.look(page, "dead-manage-link")
    page.get_by_role("link", name=words(language, "Get a new link")).click()
    expect(page).to_have_url(re.compile(r"/manage/lost-link"))
    journey.look(page, "lost-link")
