"""What a delegate sees where they decide: the venue, each route's details, a full route's waiting
list offered under it, and the kept place, through the pages, the API and the mailbox (issue 16)."""
from __future__ import annotations

import email
import re
from email import policy
from html import unescape

import pytest

from summit.plumbing.extensions import db
from summit.models import Delegate
from summit.services.summits.seeding import seed_summit
from summit.services.summits.current import current_summit

from support.app import _empty_tables, csrf_token, make_app
from support.factories import delegate_data, route, set_capacity
from support.smtp_sink import smtp_sink


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize("path", ["/", "/agenda", "/routes"])
def test_the_public_pages_say_where_the_venue_is_and_how_to_get_there(client, summit, path):
    en = client.get(f"{path}?lang=en").get_data(as_text=True)
    assert "China National Convention Center" in en and "7 Tianchen East Road, Chaoyang District, Beijing" in en
    assert "Metro Line 8 or Line 15 to Olympic Park station" in en
    assert 'src="/static/maps/venue.svg"' in en and 'href="geo:40.00060,116.38890"' in en
    zh = client.get(f"{path}?lang=zh").get_data(as_text=True)
    assert "国家会议中心" in zh and "北京市朝阳区天辰东路7号" in zh and "奥林匹克公园站" in zh
    assert "交通指引" in zh and "会场示意图" in zh
    assert client.get("/static/maps/venue.svg").status_code == 200


def test_the_form_shows_each_routes_times_transport_what_to_bring_and_meeting_point(client, summit):
    page = text(client.get("/register?lang=en").get_data(as_text=True))
    r4 = page[page.index("R4 Route 4"):]
    assert "Departs Thursday 26 September 2024 13:00" in r4 and "Returns 19:30 (6 h 30 min)" in r4
    assert "Coach to Beijing South, intercity train to and from Tianjin" in r4
    assert "Bring Your passport or ID card (checked for the train and at the port" in r4
    assert "Meeting point China National Convention Center, south entrance plaza (coach bay)" in r4
    assert "Port of Tianjin's automated container terminal" in r4
    r3 = page[page.index("R3 Route 3"):page.index("R4 Route 4")]
    assert "Your passport or ID card (checked before the airport's restricted areas" in r3
    assert "Returns 18:00 (4 h 30 min)" in r3
    zh = text(client.get("/register?lang=zh").get_data(as_text=True))
    assert "返回 19:30 （6小时30分钟）" in zh and "请携带 护照或身份证（乘坐火车及进入港区均须查验证件" in zh


def form(client, url, **fields):
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "given_name": "Fatima", "family_name": "Al-Sayed", "email": "fatima@example.ae",
            "organisation": "RTA", "country": "AE", "category": "government", "language": "en", "consent": "y"}
    data.update(fields)
    return data


def test_a_full_route_offers_its_waiting_list_under_it_and_refuses_plainly_without_it(client, summit):
    r4 = route(summit, "R4")
    set_capacity(r4, 0)
    page = client.get("/register?lang=en").get_data(as_text=True)
    option = page[page.index('id="choose-R4"'):]
    option = option[:option.index('name="shown_full"')]
    assert "R4 is full." in text(option) and f'name="join_waitlist" value="{r4.id}"' in option
    assert 'name="join_waitlist"' not in page.replace(option, "")  # no box below all the routes any more
    assert f'name="shown_full" value="{r4.id}"' in page
    # chosen from a page that showed it full, without the box: said so, nothing created, all kept
    refused = client.post("/register", data=form(client, "/register", route=str(r4.id), shown_full=str(r4.id)))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "This route is full. Tick the box under it" in html
    assert "just filled up" not in html and 'value="Fatima"' in html
    assert db.session.query(Delegate).count() == 0
    # the real race (the page showed places): the race's words
    raced = client.post("/register", data=form(client, "/register", route=str(r4.id), shown_full=""))
    assert raced.status_code == 409 and "That route has just filled up." in raced.get_data(as_text=True)
    # the box under the route: on its waiting list
    joined = client.post("/register", data=form(client, "/register", route=str(r4.id), join_waitlist=str(r4.id),
                                                shown_full=str(r4.id)))
    assert joined.status_code == 302
    manage = client.get(joined.headers["Location"]).get_data(as_text=True)
    assert "You are number 1 on the waiting list for R4." in text(manage)


def test_a_box_ticked_under_another_route_does_not_put_one_in_line(client, summit):
    r3, r4 = route(summit, "R3"), route(summit, "R4")
    set_capacity(r3, 0)
    set_capacity(r4, 0)
    answer = client.post("/register", data=form(client, "/register", route=str(r4.id), join_waitlist=str(r3.id)))
    assert answer.status_code == 409 and db.session.query(Delegate).count() == 0


@pytest.fixture
def mailbox(database_url):
    with smtp_sink() as (host, port, inbox):
        app = make_app(database_url, MAIL_SERVER=host, MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_DELIVERY="inline")
        with app.app_context():
            seed_summit()
            yield app.test_client(), current_summit(), inbox
            db.session.remove()
            db.engine.dispose()
    _empty_tables(database_url)


def last_mail(inbox, to):
    for raw in reversed(inbox):
        message = email.message_from_string(raw, policy=policy.default)
        if message["To"] == to:
            return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    raise AssertionError(f"no mail to {to}")


def test_keeping_ones_place_while_waiting_then_the_swap_and_its_email(mailbox):
    client, summit, inbox = mailbox
    r2, r4 = route(summit, "R2"), route(summit, "R4")
    set_capacity(r4, 1)
    holder = client.post("/api/v1/registrations", json=delegate_data(route_id=r4.id)).get_json()
    mine = client.post("/api/v1/registrations", json=delegate_data(route_id=r2.id, email="kofi@example.gh")).get_json()
    confirmation, confirmation_html = last_mail(inbox, "kofi@example.gh")
    # the confirmation says more than "your place is confirmed": when, how, what to bring, where to meet
    for line in ("Departs: Thursday 26 September 2024 13:30 (Beijing time)", "Returns: 18:00 · 4 h 30 min in all",
                 "Transport: Coach", "Bring: Passport or ID card",
                 "Meeting point: China National Convention Center, south entrance plaza (coach bay)",
                 "Venue: China National Convention Center", "Address: 7 Tianchen East Road"):
        assert line in confirmation, line
    assert "Meeting point: </strong>China National Convention Center, south entrance plaza" in confirmation_html

    url = mine["manage_url"].replace("https://summit.test", "")
    page = client.get(url).get_data(as_text=True)
    assert f'name="keep_place_{r4.id}" value="1" checked' in page
    assert "Keep my place on R2 until a place frees on R4; then swap" in text(page)
    answer = client.post(f"{url}/route", data={"csrf_token": csrf_token(page), "route": str(r4.id),
                                               "join_waitlist": str(r4.id), f"keep_place_{r4.id}": "1"})
    assert answer.status_code == 302
    page = text(client.get(url).get_data(as_text=True))
    assert "Your place on R2 · Route 2 is confirmed." in page
    assert "You are also number 1 on the waiting list for R4. You keep your place on R2" in page
    body = client.get("/api/v1/registrations/self", headers={"Authorization": f"Bearer {mine['token']}"}).get_json()
    assert body["route"]["id"] == r2.id and body["route"]["status"] == "confirmed"
    assert body["waiting"] == {"id": r4.id, "status": "waitlisted", "waitlist_position": 1, "code": "R4"}

    assert client.delete("/api/v1/registrations/self", headers={"Authorization": f"Bearer {holder['token']}"}).status_code == 204
    promotion, promotion_html = last_mail(inbox, "kofi@example.gh")
    assert "your place on R4 Route 4 is confirmed" in promotion
    assert "your place on R2, which you kept while waiting, has been given up" in promotion
    assert "Departs: Thursday 26 September 2024 13:00 (Beijing time)" in promotion
    assert "given up and passed on" in promotion_html
    page = text(client.get(url).get_data(as_text=True))
    assert "Your place on R4 · Route 4 is confirmed." in page and "You are also number" not in page
    db.session.expire_all()
    assert [route(summit, c).confirmed for c in ("R2", "R4")] == [0, 1]


def test_stop_waiting_keeps_the_place(client, summit):
    r2, r4 = route(summit, "R2"), route(summit, "R4")
    set_capacity(r4, 0)
    mine = client.post("/api/v1/registrations", json=delegate_data(route_id=r2.id)).get_json()
    auth = {"Authorization": f"Bearer {mine['token']}"}
    body = client.patch("/api/v1/registrations/self", json={"route_id": r4.id, "join_waitlist": True,
                                                            "keep_place": True}, headers=auth).get_json()
    assert body["route"]["id"] == r2.id and body["waiting"]["id"] == r4.id
    url = mine["manage_url"].replace("https://summit.test", "")
    page = client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/route", data={"csrf_token": csrf_token(page), "stop_waiting": "1"}).status_code == 302
    body = client.get("/api/v1/registrations/self", headers=auth).get_json()
    assert body["route"]["id"] == r2.id and body["route"]["status"] == "confirmed" and body["waiting"] is None


def test_patch_without_keep_place_still_gives_up_the_old_place(client, summit):
    r2, r4 = route(summit, "R2"), route(summit, "R4")
    set_capacity(r4, 0)
    mine = client.post("/api/v1/registrations", json=delegate_data(route_id=r2.id)).get_json()
    auth = {"Authorization": f"Bearer {mine['token']}"}
    body = client.patch("/api/v1/registrations/self", json={"route_id": r4.id, "join_waitlist": True},
                        headers=auth).get_json()
    assert body["route"] == {"id": r4.id, "status": "waitlisted", "waitlist_position": 1, "code": "R4"}
    assert body["waiting"] is None
    bad = client.patch("/api/v1/registrations/self", json={"route_id": r4.id, "keep_place": "yes"}, headers=auth)
    assert bad.status_code == 422 and "keep_place" in bad.get_json()["errors"]
