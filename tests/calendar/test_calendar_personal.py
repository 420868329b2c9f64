"""A delegate's own calendar feed, reached through the contract's calendar_url.

Delegates register, switch routes and cancel through the real JSON API, as their
clients do; the feed is read back by icalendar and checked by the independent parser.
"""
from __future__ import annotations

import contextvars
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import render_template_string
from icalendar import Calendar

from support.app import csrf_token

from support.factories import delegate_data, route, set_capacity
from support.factories_calendar import item as item_by_key
from support.factories_calendar import let_time_pass, organiser_edit
from support.rfc5545 import assert_rfc5545
from summit.plumbing.extensions import db
from summit.models import Delegate
from summit.services.calendar.tokens import revoke_calendar_token
from summit.plumbing.mail_transport import wait_for_pending_mail

BEIJING = ZoneInfo("Asia/Shanghai")


def register(client, summit, route_code: str | None = None, **fields) -> dict:
    if route_code:
        fields["route_id"] = route(summit, route_code).id
    response = client.post("/api/v1/registrations", data=json.dumps(delegate_data(**fields)),
                           content_type="application/json")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def choose_route(client, registered: dict, route_id, **extra) -> dict:
    response = client.patch("/api/v1/registrations/self", data=json.dumps({"route_id": route_id, **extra}),
                            content_type="application/json",
                            headers={"Authorization": f"Bearer {registered['token']}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def feed(client, registered: dict, **headers):
    return client.get(registered["calendar_url"], headers=headers)


def events(body: bytes) -> dict:
    return {str(event["UID"]): event for event in Calendar.from_ical(body).walk("VEVENT")}


def visit_uids(found: dict) -> list[str]:
    return [uid for uid in found if uid.startswith("visit-")]


def test_the_feed_holds_the_programme_the_route_and_not_the_banquet(client, summit):
    delegate = register(client, summit, "R4")
    assert delegate["calendar_url"].startswith("https://summit.test/calendar/")
    response = feed(client, delegate)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="gstf-2024-my-agenda.ics"'
    calendar = Calendar.from_ical(response.data)
    assert calendar["X-WR-CALNAME"] == "GSTF 2024 · My agenda"
    assert calendar["METHOD"] == "PUBLISH" and calendar["X-WR-TIMEZONE"] == "Asia/Shanghai"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Shanghai"
    found = events(response.data)

    banquet, generic_visit = item_by_key(summit, "banquet"), item_by_key(summit, "visit")
    assert f"item-{banquet.id}@gstf-2024.summit" not in found
    # The route's own event stands in for the generic "technical visit" slot.
    assert f"item-{generic_visit.id}@gstf-2024.summit" not in found
    assert f"item-{item_by_key(summit, 'opening').id}@gstf-2024.summit" in found
    assert len(found) == 7

    visit = found[f"visit-{delegate['id']}-R4@gstf-2024.summit"]
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
    uid = f"item-{item_by_key(summit, 'banquet').id}@gstf-2024.summit"
    attending = register(client, summit, banquet=True)
    assert uid in events(feed(client, attending).data)
    assert uid not in events(feed(client, register(client, summit, banquet=False)).data)


def test_without_a_route_the_generic_visit_slot_stays(client, summit):
    found = events(feed(client, register(client, summit, banquet=True)).data)
    assert f"item-{item_by_key(summit, 'visit').id}@gstf-2024.summit" in found
    assert visit_uids(found) == [] and len(found) == 8


def test_the_feed_speaks_the_delegates_language_whatever_the_browser(client, summit):
    delegate = register(client, summit, "R1", language="zh", banquet=True)
    response = feed(client, delegate, **{"Accept-Language": "en-GB"})
    assert Calendar.from_ical(response.data)["X-WR-CALNAME"] == "全球可持续交通高峰论坛 · 我的日程"
    found = events(response.data)
    visit = found[f"visit-{delegate['id']}-R1@gstf-2024.summit"]
    assert visit["SUMMARY"] == "R1 · 技术参观：线路1"
    assert visit["LOCATION"] == "主会场正门集合"
    assert "1. 自动驾驶示范区\n2. 智能物流园区" in visit["DESCRIPTION"] and "北京时间" in visit["DESCRIPTION"]
    assert found[f"item-{item_by_key(summit, 'banquet').id}@gstf-2024.summit"]["SUMMARY"] == "欢迎晚宴"
    assert_rfc5545(response.data)


def test_a_route_switch_replaces_the_visit_event(client, summit):
    delegate = register(client, summit, "R1")
    let_time_pass()
    before = feed(client, delegate)
    assert visit_uids(events(before.data)) == [f"visit-{delegate['id']}-R1@gstf-2024.summit"]

    choose_route(client, delegate, route(summit, "R3").id)
    # The calendar app polls with the ETag it holds: it must get the new feed, not a 304.
    after = feed(client, delegate, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    found = events(after.data)
    assert visit_uids(found) == [f"visit-{delegate['id']}-R3@gstf-2024.summit"]
    visit = found[f"visit-{delegate['id']}-R3@gstf-2024.summit"]
    assert visit["SUMMARY"] == "R3 · Technical visit: Route 3"
    assert "Beijing Daxing International Airport" in visit["DESCRIPTION"]
    # An app that only sends If-Modified-Since sees the change too.
    since = feed(client, delegate, **{"If-Modified-Since": before.headers["Last-Modified"]})
    assert since.status_code == 200

    choose_route(client, delegate, None)
    found = events(feed(client, delegate).data)
    assert visit_uids(found) == [] and f"item-{item_by_key(summit, 'visit').id}@gstf-2024.summit" in found


def test_a_waiting_place_is_tentative_with_its_position_until_promoted(client, summit):
    r2 = route(summit, "R2")
    set_capacity(r2, 1)
    holder = register(client, summit, "R2")
    first = register(client, summit, "R2", join_waitlist=True)
    second = register(client, summit, "R2", join_waitlist=True)
    uid = f"visit-{second['id']}-R2@gstf-2024.summit"

    visit = events(feed(client, second).data)[uid]
    assert visit["STATUS"] == "TENTATIVE"
    assert visit["SUMMARY"] == "R2 · Technical visit: Route 2 (waiting list)"
    assert "you are number 2 for this route" in visit["DESCRIPTION"]
    tentative_sequence = visit["SEQUENCE"]
    etag = feed(client, second).headers["ETag"]

    choose_route(client, first, None)  # the one ahead leaves the line
    moved = feed(client, second, **{"If-None-Match": etag})
    assert moved.status_code == 200
    assert "you are number 1 for this route" in events(moved.data)[uid]["DESCRIPTION"]

    assert client.delete("/api/v1/registrations/self",
                         headers={"Authorization": f"Bearer {holder['token']}"}).status_code == 204
    visit = events(feed(client, second).data)[uid]  # promoted at once: same event, now confirmed
    assert visit["STATUS"] == "CONFIRMED" and "waiting list" not in str(visit["DESCRIPTION"]).lower()
    assert visit["SEQUENCE"] > tentative_sequence

    chinese = register(client, summit, "R2", join_waitlist=True, language="zh")
    body = feed(client, chinese).data
    zh_visit = events(body)[f"visit-{chinese['id']}-R2@gstf-2024.summit"]
    assert "您在本线路候补名单中排第 1 位" in zh_visit["DESCRIPTION"] and "（候补）" in zh_visit["SUMMARY"]
    assert_rfc5545(body)


def test_programme_edits_reach_the_personal_feed(client, summit):
    delegate = register(client, summit, "R1")
    before = feed(client, delegate)
    session = item_by_key(summit, "thematic-1")
    organiser_edit(session, venue_en="Hall C")
    after = feed(client, delegate, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    event = events(after.data)[f"item-{session.id}@gstf-2024.summit"]
    assert event["SEQUENCE"] == 1 and event["LOCATION"].startswith("Hall C")


def test_the_304_path_and_private_caching(client, summit):
    delegate = register(client, summit, "R1", banquet=True)
    let_time_pass()
    first = feed(client, delegate)
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert first.headers["X-Robots-Tag"] == "noindex"
    again = feed(client, delegate, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = feed(client, delegate, **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    row = db.session.get(Delegate, delegate["id"])
    assert first.last_modified == max(
        [row.updated_at, row.booking.confirmed_at, row.booking.route.updated_at]
        + [item.updated_at for item in summit.items]).replace(microsecond=0)


def opens_nothing(response) -> bool:
    """The answer to an address that opens no feed: an empty, valid calendar, never an error page."""
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert_rfc5545(response.data)
    return Calendar.from_ical(response.data).walk("VEVENT") == []


def test_revoked_and_forged_feeds_answer_an_empty_calendar(client, summit):
    delegate = register(client, summit, "R1")
    old = delegate["calendar_url"]
    assert events(client.get(old).data)
    new_token = revoke_calendar_token(db.session.get(Delegate, delegate["id"]))
    revoked = client.get(old)
    assert opens_nothing(revoked)
    new = f"/calendar/{new_token}.ics"
    assert events(client.get(new).data)

    forged = client.get(f"/calendar/{new_token[:-2]}xx.ics")
    assert opens_nothing(forged) and forged.data == revoked.data  # nothing tells one from the other
    assert opens_nothing(client.get("/calendar/not-a-token.ics"))
    # The manage secret is a different credential: it opens no calendar.
    assert opens_nothing(client.get(f"/calendar/{delegate['token']}.ics"))


def test_the_manage_page_offers_the_subscribe_options(client, summit):
    delegate = register(client, summit, "R1")
    html = client.get(delegate["manage_url"] + "?lang=en").get_data(as_text=True)
    webcal = "webcal://" + delegate["calendar_url"].split("://", 1)[1]
    assert f'href="{webcal}"' in html and f'href="{delegate["calendar_url"]}" download' in html
    assert "calendar.google.com/calendar/r?cid=webcal%3A//summit.test/calendar/" in html
    assert "Add to Outlook.com" in html
    # Microsoft 365 (work and school accounts) beside Outlook.com (personal ones), with the same https address.
    feed_query = "url=" + delegate["calendar_url"].replace("://", "%3A//") + "&amp;name=GSTF%202024%20%C2%B7%20My%20agenda"
    assert f'href="https://outlook.office.com/calendar/0/addfromweb?{feed_query}"' in html and "Add to Microsoft 365" in html
    assert f'href="https://outlook.live.com/calendar/0/addfromweb?{feed_query}"' in html
    # The address as a QR code, inline (no request of its own, no style attribute for the CSP to refuse).
    qr = re.search(r'<figure class="subscribe-qr">\s*(<svg .*?</svg>)', html, re.S).group(1)
    assert "<title>QR code of your calendar&#39;s address</title>" in qr or "QR code of your calendar" in qr
    assert "style=" not in qr and "<script" not in qr
    assert "only every 12 to 24 hours, so changes on the day also reach you by email" in html
    chinese = client.get(delegate["manage_url"] + "?lang=zh").get_data(as_text=True)
    assert "添加到 Microsoft 365" in chinese and "每 12 至 24 小时" in chinese and "电子邮件" in chinese
    assert "用相机扫描此二维码" in chinese


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


def test_the_delegate_resets_their_calendar_link_from_their_page(client, summit):
    delegate = register(client, summit, "R1")
    old = delegate["calendar_url"]
    manage = delegate["manage_url"] + "?lang=en"
    page = client.get(manage).get_data(as_text=True)
    reset = f"/manage/{delegate['token']}/calendar-reset"
    assert f'href="{reset}"' in page
    confirm = client.get(reset).get_data(as_text=True)
    assert "the old one stops working at once" in confirm
    assert client.post(reset, data={}).status_code == 400  # no CSRF token: nothing happens
    assert client.get(old).status_code == 200

    done = client.post(reset, data={"csrf_token": csrf_token(confirm)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/manage/{delegate['token']}#cal")
    page = client.get(manage).get_data(as_text=True)
    assert "Your calendar link is reset. The old address no longer works" in page
    new = re.search(r'href="(https://summit\.test/calendar/[^"]+\.ics)" download', page).group(1)
    assert new != old
    assert opens_nothing(client.get(old)) and not opens_nothing(client.get(new))
    # The API shows the same new URL.
    me = client.get("/api/v1/registrations/self", headers={"Authorization": f"Bearer {delegate['token']}"})
    assert me.get_json()["calendar_url"] == new


def test_opening_a_lost_link_offers_to_reset_the_calendar_link_once(client, summit, caplog):
    caplog.set_level("INFO", logger="summit.mail")
    delegate = register(client, summit, "R1", email="mele@example.to")
    old_calendar = delegate["calendar_url"]
    page = client.get("/manage/lost-link").get_data(as_text=True)
    client.post("/manage/lost-link", data={"csrf_token": csrf_token(page), "email": "mele@example.to"})
    wait_for_pending_mail()
    link = re.findall(r"https://summit\.test(/manage/[\w-]{40,})", caplog.text)[-1]
    confirm = client.get(link).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', confirm).group(1)
    assert client.post(action, data={"csrf_token": csrf_token(confirm)}).status_code == 302

    offer = "they may also know your calendar address"
    page = client.get(link + "?lang=en").get_data(as_text=True)
    assert offer in page and f'href="{link}/calendar-reset"' in page
    assert offer not in client.get(link + "?lang=en").get_data(as_text=True)  # offered once, not for ever
    assert client.get(old_calendar).status_code == 200  # an offer: nothing is reset unasked

    confirm = client.get(link + "/calendar-reset").get_data(as_text=True)
    client.post(link + "/calendar-reset", data={"csrf_token": csrf_token(confirm)})
    assert opens_nothing(client.get(old_calendar))


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic abc"])
def test_resetting_the_calendar_over_the_api_needs_the_delegates_token(client, summit, header):
    delegate = register(client, summit, "R1")
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/registrations/self/calendar-reset", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert client.get(delegate["calendar_url"]).status_code == 200


def test_resetting_the_calendar_over_the_api_resets_only_the_callers_own(client, summit):
    mine, theirs = register(client, summit, "R1"), register(client, summit, "R2")
    response = client.post("/api/v1/registrations/self/calendar-reset",
                           headers={"Authorization": f"Bearer {theirs['token']}"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["id"] == theirs["id"] and body["calendar_url"] != theirs["calendar_url"] and "token" not in body
    assert opens_nothing(client.get(theirs["calendar_url"]))
    assert not opens_nothing(client.get(body["calendar_url"]))
    assert not opens_nothing(client.get(mine["calendar_url"]))  # someone else's token touches nothing of mine
    # A cancelled registration's token no longer works here either.
    client.delete("/api/v1/registrations/self", headers={"Authorization": f"Bearer {mine['token']}"})
    assert client.post("/api/v1/registrations/self/calendar-reset",
                       headers={"Authorization": f"Bearer {mine['token']}"}).status_code == 401
