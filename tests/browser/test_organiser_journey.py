"""An organiser in a real browser: signs in to the console, moves and renames a session, raises a
route's capacity (after first trying to cut it too far), and sees both on the public pages."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from summit.plumbing.database import writing
from summit.plumbing.extensions import db
from summit.models import ProgrammeItem, RouteBooking
from summit.services.visits import capacity as places

from browser.console_login import sign_in
from browser.journey import words
from support.factories import register, route

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def en(msgid: str, **params) -> str:
    return words("en", msgid, **params)


def test_an_organiser_edits_a_session_and_a_route_and_the_public_pages_follow(journey, site):
    session = db.session.scalars(db.select(ProgrammeItem).where(
        ProgrammeItem.summit_id == site.summit.id, ProgrammeItem.title_en.startswith("Thematic Session 4"))).one()
    # R3: two places, both taken, one delegate waiting.
    r3 = route(site.summit, "R3")
    holders = [register(site.summit, route_id=r3.id).delegate for _ in range(2)]
    with writing():
        places.set_capacity(r3, 2)
    waiting = register(site.summit, route_id=r3.id, join_waitlist=True).delegate
    assert (holders[0].booking.status, waiting.booking.status) == ("confirmed", "waitlisted")

    page = journey.open(locale="en-GB")
    sign_in(journey, page, "organiser", "/console/")
    expect(page.locator("[data-figure=registered]")).to_have_text("3")
    expect(page.locator("[data-figure=waiting]")).to_have_text("1")
    journey.look(page, "dashboard")

    # The session: later by a quarter of an hour, and a shorter title in both languages.
    page.get_by_role("navigation").get_by_role("link", name=en("Programme")).click()
    row = page.locator(f"#item-{session.id}")
    expect(row).to_contain_text("11:00")
    journey.look(page, "programme")
    row.get_by_role("link", name=en("Edit")).click()
    expect(page.locator("[name=starts_at]")).to_have_value("2024-09-26T11:00")
    journey.look(page, "session-edit")
    page.fill("[name=title_en]", "Thematic Session 4: Ecology First — Green Transport")
    page.fill("[name=title_zh]", "主题会议4：生态优先——绿色交通")
    page.fill("[name=starts_at]", "2024-09-26T11:15")
    page.fill("[name=ends_at]", "2024-09-26T13:00")
    page.get_by_role("button", name=en("Save"), exact=True).click()
    expect(page.locator(".flash-success")).to_have_text(en("Saved. Calendars pick the change up at their next refresh."))
    expect(row).to_contain_text("11:15")
    expect(row).to_contain_text("13:00")
    expect(row).to_contain_text("Green Transport")
    journey.look(page, "session-saved")

    # The route: cutting below the places taken is refused and says why; raising it promotes the waiting.
    page.get_by_role("navigation").get_by_role("link", name=en("Routes")).click()
    journey.look(page, "routes")
    page.locator(f"#route-{r3.id}").get_by_role("link", name=en("Edit")).click()
    expect(page.locator("[name=capacity]")).to_have_value("2")
    journey.look(page, "route-edit")
    page.fill("[name=capacity]", "1")
    page.get_by_role("button", name=en("Save"), exact=True).click()
    expect(page.locator("#capacity-error")).to_contain_text("2 delegates already hold a place on this route")
    expect(page.locator("[name=capacity]")).to_have_value("1")  # what was typed stays, to be corrected
    journey.look(page, "route-capacity-refused")
    page.fill("[name=capacity]", "5")
    page.get_by_role("button", name=en("Save"), exact=True).click()
    expect(page.locator(".flash-success")).to_have_text(
        "Saved. 1 delegate moved up from the waiting list and has been told.")
    r3_row = page.locator(f"#route-{r3.id}")
    expect(r3_row.locator("td.num").nth(0)).to_have_text("5")  # capacity
    expect(r3_row.locator("td.num").nth(1)).to_have_text("3")  # confirmed
    journey.look(page, "route-saved")
    site.fresh()
    assert db.session.get(RouteBooking, waiting.booking.id).status == "confirmed"

    # What the public sees, in both languages.
    page.goto("/agenda?lang=en")
    card = page.locator("article, li, .item").filter(has_text="Thematic Session 4: Ecology First — Green Transport")
    expect(card.first).to_contain_text("11:15")
    expect(card.first).to_contain_text("13:00")
    journey.look(page, "agenda-en")
    page.goto("/agenda?lang=zh")
    expect(page.get_by_text("主题会议4：生态优先——绿色交通")).to_be_visible()
    journey.look(page, "agenda-zh")
    page.goto("/routes?lang=en")
    card = page.locator("#route-R3")
    expect(card).to_contain_text(en("%(confirmed)d of %(capacity)d taken", confirmed=3, capacity=5))
    expect(card.locator(".places-open")).to_have_text("2 places left")
    journey.look(page, "routes-public")
