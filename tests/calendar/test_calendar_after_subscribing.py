"""What a calendar app that subscribed goes on seeing (issue 16, items 13–15).

Every file is read back by two independent parsers: icalendar (with the RFC 5545 check of
support/rfc5545.py) and Mozilla's ical.js, run by Node (support/icaljs.py).  Delegates, organisers
and calendar apps act through the same doors as in production: the JSON API, the console's pages,
and the feed's URL with the conditional headers apps send.
"""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from icalendar import Calendar

from support.app import csrf_token
from support.console_support import sign_in
from support.factories import route, set_capacity
from support.factories_calendar import item as item_by_key
from support.factories_calendar import let_time_pass, organiser_edit
from support.icaljs import icaljs_events, read_with_icaljs
from support.rfc5545 import assert_rfc5545, content_lines
from summit.plumbing.extensions import db
from summit.models import ProgrammeItem

from test_calendar_personal import choose_route, events, feed, register


def both_parsers(body: bytes) -> tuple[dict, dict]:
    """The events by UID as icalendar and as ical.js read them (each must accept the file)."""
    assert_rfc5545(body)
    return events(body), icaljs_events(body)


def cancel(client, registered: dict) -> None:
    response = client.delete("/api/v1/registrations/self",
                             headers={"Authorization": f"Bearer {registered['token']}"})
    assert response.status_code == 204


def http_date(response) -> datetime:
    return parsedate_to_datetime(response.headers["Last-Modified"])


def delete_in_the_console(client, item: ProgrammeItem) -> None:
    sign_in(client, "organiser")
    item_id = item.id
    url = f"/console/programme/{item_id}/delete"
    answer = client.post(url, data={"csrf_token": csrf_token(client.get(url).get_data(as_text=True))})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(db.select(ProgrammeItem).where(ProgrammeItem.id == item_id)).first() is None


# --- 13. a feed that no longer shows a live registration still answers a calendar -------------------

def test_a_cancelled_registrations_feed_shows_its_events_cancelled(client, summit):
    delegate = register(client, summit, "R2", banquet=True)
    let_time_pass()
    before = feed(client, delegate)
    held_ical, held_js = both_parsers(before.data)
    visit_uid = f"visit-{delegate['id']}-R2@gstf-2024.summit"
    banquet_uid = f"item-{item_by_key(summit, 'banquet').id}@gstf-2024.summit"
    assert held_js[visit_uid]["status"] == "CONFIRMED" and banquet_uid in held_js

    cancel(client, delegate)
    # The app polls as it did: with the ETag it holds, and with its Last-Modified.
    after = feed(client, delegate, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert feed(client, delegate, **{"If-Modified-Since": before.headers["Last-Modified"]}).status_code == 200

    now_ical, now_js = both_parsers(after.data)
    # Every event the app holds comes back cancelled, with a SEQUENCE past the one it holds: none is left behind.
    assert set(now_js) == set(held_js) == set(now_ical)
    for uid, event in now_js.items():
        assert event["status"] == "CANCELLED", uid
        assert event["sequence"] > held_js[uid]["sequence"], uid
        assert str(now_ical[uid]["STATUS"]) == "CANCELLED"
    assert now_js[visit_uid]["summary"] == "Cancelled: R2 · Technical visit: Route 2"
    assert now_js[visit_uid]["start"] == held_js[visit_uid]["start"]
    name = read_with_icaljs(after.data)["calendar"]["x-wr-calname"]
    assert name == "GSTF 2024 · My agenda (registration cancelled)"

    # It stays so, and unchanged it costs the app a 304.
    again = feed(client, delegate, **{"If-None-Match": after.headers["ETag"]})
    assert again.status_code == 304


def test_a_cancelled_feed_cancels_the_route_it_showed_last_and_not_those_left_before(client, summit):
    delegate = register(client, summit, "R1")
    feed(client, delegate)
    choose_route(client, delegate, route(summit, "R3").id)
    assert f"visit-{delegate['id']}-R3@gstf-2024.summit" in icaljs_events(feed(client, delegate).data)
    cancel(client, delegate)
    found = icaljs_events(feed(client, delegate).data)
    assert [uid for uid in found if uid.startswith("visit-")] == [f"visit-{delegate['id']}-R3@gstf-2024.summit"]
    assert {event["status"] for event in found.values()} == {"CANCELLED"}


def test_a_cancelled_registrations_feed_in_chinese(client, summit):
    delegate = register(client, summit, "R1", language="zh")
    feed(client, delegate)
    cancel(client, delegate)
    body = feed(client, delegate).data
    _, found = both_parsers(body)
    assert found[f"visit-{delegate['id']}-R1@gstf-2024.summit"]["summary"] == "已取消：R1 · 技术参观：线路1"
    assert "已取消" in read_with_icaljs(body)["calendar"]["x-wr-calname"]


def test_a_feed_signed_with_a_key_since_changed_answers_an_empty_calendar(app, client, summit):
    delegate = register(client, summit, "R2", given_name="Ngozi", family_name="Okafor")
    assert events(feed(client, delegate).data)
    previous = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another key entirely, as after a rotation"
    try:
        response = feed(client, delegate, **{"Accept-Language": "en"})
    finally:
        app.config["SECRET_KEY"] = previous
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-cache" and "Last-Modified" not in response.headers
    read = read_with_icaljs(response.data)
    assert read["events"] == [] and Calendar.from_ical(response.data).walk("VEVENT") == []
    assert read["calendar"]["x-wr-calname"] == "GSTF 2024 · This calendar address no longer works"
    assert_rfc5545(response.data)
    # Nothing of the delegate: the same bytes as for a token that never was.
    assert b"Okafor" not in response.data and b"R2" not in response.data
    forged = client.get("/calendar/WzEsMV0.forged.ics", headers={"Accept-Language": "en"})
    assert forged.status_code == 200 and forged.data == response.data


# --- 14. Last-Modified and SEQUENCE never go back ---------------------------------------------------

def test_deleting_a_session_moves_last_modified_on_not_back(client, summit):
    delegate = register(client, summit, "R1")
    let_time_pass(600)
    newest = item_by_key(summit, "thematic-4")
    organiser_edit(newest, venue_en="Hall D")  # the feed's newest change…
    let_time_pass(60)
    uid = f"item-{newest.id}@gstf-2024.summit"
    programme, personal = client.get("/agenda.ics?lang=en"), feed(client, delegate)
    assert uid in icaljs_events(programme.data) and uid in icaljs_events(personal.data)

    delete_in_the_console(client, newest)  # …is deleted: the rows left are all older
    for url, held in (("/agenda.ics?lang=en", programme), (delegate["calendar_url"], personal)):
        since = client.get(url, headers={"If-Modified-Since": held.headers["Last-Modified"]})
        assert since.status_code == 200, url  # not a 304 that would keep the deleted session
        assert uid not in icaljs_events(since.data)
        assert http_date(since) > http_date(held)
        both_parsers(since.data)
        # and then it holds still: the next poll is a 304 either way
        assert client.get(url, headers={"If-Modified-Since": since.headers["Last-Modified"]}).status_code == 304
        assert client.get(url, headers={"If-None-Match": since.headers["ETag"]}).status_code == 304


def test_leaving_and_rejoining_a_route_never_lowers_its_sequence(client, summit):
    r2 = route(summit, "R2")
    organiser_edit(r2, meeting_point_en="North gate")  # revision 1
    delegate = register(client, summit, "R2")
    uid = f"visit-{delegate['id']}-R2@gstf-2024.summit"
    first = icaljs_events(feed(client, delegate).data)[uid]
    assert first["status"] == "CONFIRMED" and first["sequence"] == 2

    choose_route(client, delegate, None)
    assert uid not in icaljs_events(feed(client, delegate).data)
    set_capacity(r2, db.session.get(type(r2), r2.id).confirmed)  # full now: back in on the waiting list
    choose_route(client, delegate, r2.id, join_waitlist=True)
    body = feed(client, delegate).data
    rejoined_ical, rejoined_js = both_parsers(body)
    assert rejoined_js[uid]["status"] == "TENTATIVE"
    # The rows alone would say 1 (the route's revision, not confirmed): the app would keep the old copy.
    assert rejoined_js[uid]["sequence"] > first["sequence"]
    assert int(rejoined_ical[uid]["SEQUENCE"]) == rejoined_js[uid]["sequence"]
    assert rejoined_js[uid]["last_modified"] >= first["last_modified"]


def test_an_unchanged_event_keeps_its_sequence_and_an_edit_still_raises_it(client, summit):
    session = item_by_key(summit, "thematic-2")
    uid = f"item-{session.id}@gstf-2024.summit"
    assert icaljs_events(client.get("/agenda.ics?lang=en").data)[uid]["sequence"] == 0
    assert icaljs_events(client.get("/agenda.ics?lang=zh").data)[uid]["sequence"] == 0  # same UID, same number
    organiser_edit(session, venue_en="Hall E")
    for lang in ("en", "zh", "en"):
        assert icaljs_events(client.get(f"/agenda.ics?lang={lang}").data)[uid]["sequence"] == 1
    assert icaljs_events(client.get(f"/agenda/{session.id}.ics?lang=zh").data)[uid]["sequence"] == 1


# --- 15. the calendar's own properties ---------------------------------------------------------------

def test_calendar_names_with_a_comma_or_a_line_break_are_escaped(client, summit):
    summit.name_en = "Forum, Beijing\nEdition; 2024"
    summit.short_name_en = "GSTF, 2024"
    db.session.commit()
    body = client.get("/agenda.ics?lang=en").data
    lines = content_lines(body)
    assert "NAME:Forum\\, Beijing\\nEdition\\; 2024" in lines
    assert "X-WR-CALNAME:Forum\\, Beijing\\nEdition\\; 2024" in lines
    assert read_with_icaljs(body)["calendar"]["x-wr-calname"] == "Forum, Beijing\nEdition; 2024"
    assert read_with_icaljs(body)["calendar"]["name"] == "Forum, Beijing\nEdition; 2024"
    assert_rfc5545(body)
    personal = feed(client, register(client, summit, "R1")).data
    assert read_with_icaljs(personal)["calendar"]["x-wr-calname"] == "GSTF, 2024 · My agenda"
    assert_rfc5545(personal)


def test_a_one_session_download_is_named_and_refreshes_like_the_feeds(client, summit):
    banquet = item_by_key(summit, "banquet")
    for lang, name in (("en", "Welcome Banquet"), ("zh", "欢迎晚宴")):
        body = client.get(f"/agenda/{banquet.id}.ics?lang={lang}").data
        read = read_with_icaljs(body)["calendar"]
        assert read["name"] == read["x-wr-calname"] == name
        assert read["refresh-interval"] == "PT1H" and read["x-published-ttl"] == "PT1H"
        [event] = read_with_icaljs(body)["events"]
        assert event["tzid"] == "Asia/Shanghai" and event["uid"] == f"item-{banquet.id}@gstf-2024.summit"
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in content_lines(body)
        assert_rfc5545(body)


def test_ical_js_reads_every_feed_with_the_right_times(client, summit):
    r2 = route(summit, "R2")
    set_capacity(r2, 1)
    register(client, summit, "R2")
    waiting = register(client, summit, "R2", join_waitlist=True, language="zh")
    organiser_edit(item_by_key(summit, "thematic-1"), cancelled=True)
    bodies = [client.get(f"/agenda.ics?lang={lang}").data for lang in ("en", "zh")]
    bodies += [client.get(f"/agenda/{item.id}.ics").data for item in summit.items]
    bodies += [feed(client, waiting).data, client.get("/calendar/nothing.ics").data]
    for body in bodies:
        from_ical, from_js = both_parsers(body)
        assert set(from_ical) == set(from_js)
        for uid, event in from_js.items():
            start = from_ical[uid].decoded("DTSTART").astimezone(timezone.utc)
            assert event["start"] == start.strftime("%Y-%m-%dT%H:%M:%S.000Z"), uid
            assert event["tzid"] == "Asia/Shanghai" and event["sequence"] == int(from_ical[uid]["SEQUENCE"])
    opening = icaljs_events(bodies[0])[f"item-{item_by_key(summit, 'opening').id}@gstf-2024.summit"]
    assert opening["start"] == "2024-09-25T01:00:00.000Z" and opening["status"] == "CONFIRMED"
    visit = icaljs_events(feed(client, waiting).data)[f"visit-{waiting['id']}-R2@gstf-2024.summit"]
    assert visit["status"] == "TENTATIVE" and "（候补）" in visit["summary"]
