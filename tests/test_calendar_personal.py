"""A delegate's own calendar feed: their route, the banquet, their language, a secret URL."""
from __future__ import annotations

import contextvars
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import render_template_string, url_for
from icalendar import Calendar

from factories_calendar import book, make_delegate, organiser_edit, promote, route
from factories_calendar import item as item_by_key
from rfc5545 import assert_rfc5545
from summit.extensions import db
from summit.services.calendar_tokens import calendar_token, revoke_calendar_token

BEIJING = ZoneInfo("Asia/Shanghai")


def feed_url(delegate) -> str:
    return url_for("calendar.personal_ics", token=calendar_token(delegate), _external=True)


def fetch(client, delegate, **headers):
    return client.get(feed_url(delegate), headers=headers)


def events(body: bytes) -> dict:
    return {str(event["UID"]): event for event in Calendar.from_ical(body).walk("VEVENT")}


def test_the_feed_holds_the_programme_the_route_and_not_the_banquet(client, summit):
    delegate = make_delegate(summit, route_code="R4")
    response = fetch(client, delegate)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="gstf-2024-my-agenda.ics"'
    calendar = Calendar.from_ical(response.data)
    assert calendar["X-WR-CALNAME"] == "GSTF 2024 · My agenda"
    assert calendar["METHOD"] == "PUBLISH" and calendar["X-WR-TIMEZONE"] == "Asia/Shanghai"
    found = events(response.data)

    banquet, generic_visit = item_by_key(summit, "banquet"), item_by_key(summit, "visit")
    assert f"item-{banquet.id}@gstf-2024.summit" not in found
    # The route's own event stands in for the generic "technical visit" slot.
    assert f"item-{generic_visit.id}@gstf-2024.summit" not in found
    assert f"item-{item_by_key(summit, 'opening').id}@gstf-2024.summit" in found
    assert len(found) == 7

    visit = found[f"visit-{delegate.id}-R4@gstf-2024.summit"]
    assert visit["SUMMARY"] == "R4 · Technical visit: Route 4"
    assert visit["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert visit.decoded("DTSTART") == datetime(2024, 9, 26, 13, 0, tzinfo=BEIJING)
    assert visit.decoded("DTEND") == datetime(2024, 9, 26, 19, 30, tzinfo=BEIJING)
    assert visit["LOCATION"] == "Main venue, front entrance"
    description = str(visit["DESCRIPTION"])
    assert "Thursday 26 September 2024, 13:00–19:30 Beijing time (UTC+8)" in description
    assert ("Stops:\n1. Beijing South Railway Station\n2. Beijing–Tianjin Intercity Railway\n"
            "3. Automated container terminal, Port of Tianjin") in description
    assert "Subject to adjustment" in description
    assert visit["URL"] == "https://summit.test/routes?lang=en#route-R4"
    assert visit["STATUS"] == "CONFIRMED" and visit["CATEGORIES"].cats == ["Technical visit"]
    assert_rfc5545(response.data)


def test_the_banquet_appears_only_for_those_who_attend(client, summit):
    banquet = item_by_key(summit, "banquet")
    uid = f"item-{banquet.id}@gstf-2024.summit"
    attending = make_delegate(summit, banquet=True)
    assert uid in events(fetch(client, attending).data)
    attending.banquet = False
    db.session.commit()
    assert uid not in events(fetch(client, attending).data)


def test_without_a_route_the_generic_visit_slot_stays(client, summit):
    delegate = make_delegate(summit, banquet=True)
    found = events(fetch(client, delegate).data)
    assert f"item-{item_by_key(summit, 'visit').id}@gstf-2024.summit" in found
    assert not [uid for uid in found if uid.startswith("visit-")]
    assert len(found) == 8


def test_the_feed_speaks_the_delegates_language_whatever_the_browser(client, summit):
    delegate = make_delegate(summit, language="zh", route_code="R1", banquet=True)
    response = fetch(client, delegate, **{"Accept-Language": "en-GB"})
    calendar = Calendar.from_ical(response.data)
    assert calendar["X-WR-CALNAME"] == "全球可持续交通高峰论坛 · 我的日程"
    found = events(response.data)
    visit = found[f"visit-{delegate.id}-R1@gstf-2024.summit"]
    assert visit["SUMMARY"] == "R1 · 技术参观：线路1"
    assert visit["LOCATION"] == "主会场正门集合"
    assert "1. 自动驾驶示范区\n2. 智能物流园区" in visit["DESCRIPTION"]
    assert "北京时间" in visit["DESCRIPTION"]
    assert found[f"item-{item_by_key(summit, 'banquet').id}@gstf-2024.summit"]["SUMMARY"] == "欢迎晚宴"
    assert_rfc5545(response.data)


def test_a_route_switch_replaces_the_visit_event(client, summit):
    delegate = make_delegate(summit, route_code="R1")
    before = fetch(client, delegate)
    assert f"visit-{delegate.id}-R1@gstf-2024.summit" in events(before.data)

    book(delegate, route(summit, "R3"))
    after = fetch(client, delegate, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    found = events(after.data)
    assert f"visit-{delegate.id}-R1@gstf-2024.summit" not in found
    visit = found[f"visit-{delegate.id}-R3@gstf-2024.summit"]
    assert visit["SUMMARY"] == "R3 · Technical visit: Route 3"
    assert "Beijing Daxing International Airport" in visit["DESCRIPTION"]
    assert [uid for uid in found if uid.startswith("visit-")] == [f"visit-{delegate.id}-R3@gstf-2024.summit"]


def test_a_waiting_place_is_tentative_with_its_position_until_promoted(client, summit):
    r2 = route(summit, "R2")
    first = make_delegate(summit, route_code="R2", waitlisted=True)
    second = make_delegate(summit, route_code="R2", waitlisted=True)
    make_delegate(summit, route_code="R2", waitlisted=False)  # a confirmed place does not count

    visit = events(fetch(client, second).data)[f"visit-{second.id}-R2@gstf-2024.summit"]
    assert visit["STATUS"] == "TENTATIVE"
    assert visit["SUMMARY"] == "R2 · Technical visit: Route 2 (waiting list)"
    assert "you are number 2 for this route" in visit["DESCRIPTION"]
    tentative_sequence = visit["SEQUENCE"]

    promote(first.booking)
    visit = events(fetch(client, second).data)[f"visit-{second.id}-R2@gstf-2024.summit"]
    assert "you are number 1 for this route" in visit["DESCRIPTION"]

    promote(second.booking)
    response = fetch(client, second)
    visit = events(response.data)[f"visit-{second.id}-R2@gstf-2024.summit"]
    assert visit["STATUS"] == "CONFIRMED" and "waiting list" not in str(visit["DESCRIPTION"]).lower()
    assert visit["SEQUENCE"] > tentative_sequence
    assert r2.confirmed == 3
    zh = make_delegate(summit, language="zh", route_code="R2", waitlisted=True)
    zh_visit = events(fetch(client, zh).data)[f"visit-{zh.id}-R2@gstf-2024.summit"]
    assert "您在本线路候补名单中排第1位" in zh_visit["DESCRIPTION"] and "候补" in zh_visit["SUMMARY"]
    assert_rfc5545(fetch(client, zh).data)


def test_programme_edits_reach_the_personal_feed(client, summit):
    delegate = make_delegate(summit, route_code="R1")
    before = fetch(client, delegate)
    session = item_by_key(summit, "thematic-1")
    organiser_edit(session, venue_en="Hall C")
    after = fetch(client, delegate, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    event = events(after.data)[f"item-{session.id}@gstf-2024.summit"]
    assert event["SEQUENCE"] == 1 and event["LOCATION"].startswith("Hall C")


def test_the_304_path_and_private_caching(client, summit):
    delegate = make_delegate(summit, route_code="R1", banquet=True)
    first = fetch(client, delegate)
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert first.headers["X-Robots-Tag"] == "noindex"
    assert fetch(client, delegate, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    since = fetch(client, delegate, **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304 and since.data == b""
    assert first.last_modified == max(
        [delegate.updated_at, delegate.booking.confirmed_at, route(summit, "R1").updated_at]
        + [item.updated_at for item in summit.items]).replace(microsecond=0)


def test_revoked_forged_and_cancelled_feeds_are_404(client, summit):
    delegate = make_delegate(summit, route_code="R1")
    old = feed_url(delegate)
    assert client.get(old).status_code == 200
    revoke_calendar_token(delegate)
    assert client.get(old).status_code == 404
    assert client.get(feed_url(delegate)).status_code == 200

    token = calendar_token(delegate)
    assert client.get(f"/calendar/{token[:-2]}xx.ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    # The manage secret's hash, or another delegate's id under a forged signature, opens nothing.
    assert client.get(f"/calendar/{delegate.manage_token_hash}.ics").status_code == 404

    delegate.status = "cancelled"
    delegate.cancelled_at = datetime.now(timezone.utc)
    db.session.commit()
    assert client.get(feed_url(delegate)).status_code == 404


def test_subscribe_links_offer_webcal_google_outlook_and_download(app, summit):
    template = ('{% from "calendar/_subscribe.html" import subscribe_links %}'
                '{{ subscribe_links(url, name="GSTF 2024 · My agenda") }}')
    url = "https://summit.test/calendar/abc.def.ics"

    def render(query: str) -> str:
        # A fresh context per request, as in production (the language is cached in g).
        def inside() -> str:
            with app.test_request_context(f"/?{query}"):
                return render_template_string(template, url=url)
        return contextvars.Context().run(inside)

    html = render("lang=en")
    assert 'href="webcal://summit.test/calendar/abc.def.ics"' in html
    assert 'href="https://calendar.google.com/calendar/r?cid=webcal%3A//summit.test/calendar/abc.def.ics"' in html
    assert ('href="https://outlook.live.com/calendar/0/addfromweb?url=https%3A//summit.test/calendar/abc.def.ics'
            '&amp;name=GSTF%202024%20%C2%B7%20My%20agenda"') in html
    assert f'href="{url}" download' in html and "Add to Google Calendar" in html
    assert "<script" not in html and "style=" not in html
    chinese = render("lang=zh")
    assert "添加到 Google 日历" in chinese and "Add to Google Calendar" not in chinese
