"""Organisers edit routes; capacity changes keep the one capacity rule (console form and PATCH API)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from summit.plumbing.extensions import db
from summit.models import AuditEntry, RouteBooking, VisitRoute

from support.console_support import api_token, page_csrf, sign_in, text
from support.factories import register, route, set_capacity


@pytest.fixture
def organiser(client, summit):
    return sign_in(client, "organiser")


def full_route_with_a_queue(summit, code="R1"):
    """Capacity 1: one confirmed, two waiting (in this order)."""
    r = route(summit, code)
    set_capacity(r, 1)
    confirmed = register(summit, route_id=r.id).delegate
    first = register(summit, route_id=r.id, join_waitlist=True).delegate
    second = register(summit, route_id=r.id, join_waitlist=True).delegate
    return r, confirmed, first, second


def status_of(delegate):
    booking = db.session.scalars(db.select(RouteBooking).where(RouteBooking.delegate_id == delegate.id)).first()
    return booking.status if booking else None


def local(moment, zone):
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if moment else ""


def route_form(client, r, **fields):
    summit_zone = r.summit.zone
    url = f"/console/routes/{r.id}/edit"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": page_csrf(client, url), "name_zh": r.name_zh, "name_en": r.name_en,
            "stops": "\n".join(f"{s['zh']} | {s['en']}" for s in r.stops), "note_zh": r.note_zh, "note_en": r.note_en,
            "departs_at": local(r.departs_at, summit_zone), "returns_at": local(r.returns_at, summit_zone),
            "meeting_point_zh": r.meeting_point_zh,
            "meeting_point_en": r.meeting_point_en, "capacity": str(r.capacity)}
    data.update(fields)
    return url, data, page


def test_raising_capacity_in_the_console_promotes_the_first_in_line_at_once(organiser, summit):
    r, confirmed, first, second = full_route_with_a_queue(summit)
    revision = r.revision
    url, data, _ = route_form(organiser, r, capacity="2")
    response = organiser.post(url, data=data, follow_redirects=True)
    assert "1 delegate moved up from the waiting list" in text(response.get_data(as_text=True))
    db.session.expire_all()
    assert (status_of(confirmed), status_of(first), status_of(second)) == ("confirmed", "confirmed", "waitlisted")
    r = db.session.get(VisitRoute, r.id)
    assert (r.capacity, r.confirmed) == (2, 2) and r.revision > revision
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["visit_route.update", "delegate.promoted"]
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "visit_route.update")).one()
    assert entry.changes == {"capacity": [1, 2]} and entry.user.email == "organiser@example.org"


def test_lowering_below_confirmed_is_refused_with_an_explanation(organiser, summit):
    r, *_ = full_route_with_a_queue(summit)
    set_capacity(r, 5)  # set directly: nobody moves up from the queue
    register(summit, route_id=r.id)  # two confirmed now
    db.session.expire_all()
    r = db.session.get(VisitRoute, r.id)
    url, data, _ = route_form(organiser, r, capacity="0", name_en="Renamed too")
    response = organiser.post(url, data=data)
    page = text(response.get_data(as_text=True))
    assert response.status_code == 409
    assert f"{r.confirmed} delegates already hold a place on this route" in page
    db.session.expire_all()
    r = db.session.get(VisitRoute, r.id)
    assert r.capacity == 5 and r.name_en != "Renamed too"  # nothing of the refused save was kept
    assert db.session.query(AuditEntry).count() == 0


def test_names_stops_times_and_meeting_point_are_edited_in_order(organiser, summit):
    r = route(summit, "R3")
    url, data, page = route_form(organiser, r, stops="首钢园 | Shougang Park\nBeijing Daxing Airport\n北京南站",
                                 departs_at="2024-09-26T08:30", returns_at="2024-09-26T17:00",
                                 meeting_point_zh="国家会议中心北门", meeting_point_en="CNCC North Gate")
    assert organiser.post(url, data=data).status_code == 302
    db.session.expire_all()
    r = db.session.get(VisitRoute, r.id)
    assert r.stops == [{"zh": "首钢园", "en": "Shougang Park"}, {"zh": "", "en": "Beijing Daxing Airport"},
                       {"zh": "北京南站", "en": ""}]
    assert r.departs_at == datetime(2024, 9, 26, 0, 30, tzinfo=timezone.utc)
    assert r.meeting_point_en == "CNCC North Gate"
    public = organiser.get("/api/v1/routes").get_json()["routes"]
    shown = next(x for x in public if x["id"] == r.id)
    assert shown["departs_at"] == "2024-09-26T08:30:00+08:00" and shown["stops"][0]["en"] == "Shougang Park"


def test_bad_route_input_comes_back_with_messages(organiser, summit):
    r = route(summit, "R2")
    url, data, _ = route_form(organiser, r, name_zh="", capacity="lots", departs_at="2024-09-26T10:00",
                              returns_at="2024-09-26T09:00")
    response = organiser.post(url, data=data)
    assert response.status_code == 422
    page = text(response.get_data(as_text=True))
    assert "A whole number from 0 to 100000." in page
    url, data, _ = route_form(organiser, r, name_zh="", departs_at="2024-09-26T10:00", returns_at="2024-09-26T09:00")
    page = text(organiser.post(url, data=data).get_data(as_text=True))
    assert "This field is required." in page and "The return must come after the departure." in page


def patch(client, route_id, body, headers):
    return client.patch(f"/api/v1/routes/{route_id}", data=json.dumps(body), content_type="application/json",
                        headers=headers)


def test_patch_route_capacity_promotes_and_answers_the_route(client, summit):
    r, confirmed, first, second = full_route_with_a_queue(summit)
    headers = api_token("organiser")
    response = patch(client, r.id, {"capacity": 3}, headers)
    assert response.status_code == 200
    body = response.get_json()
    listed = next(x for x in client.get("/api/v1/routes").get_json()["routes"] if x["id"] == r.id)
    assert body == listed
    assert (body["capacity"], body["confirmed"], body["remaining"], body["waitlisted"]) == (3, 3, 0, 0)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "visit_route.update")).one()
    assert entry.user.email == "organiser@example.org"


def test_patch_route_refusals(client, summit):
    r, *_ = full_route_with_a_queue(summit)
    organiser = api_token("organiser")
    response = patch(client, r.id, {"capacity": 0}, organiser)
    assert response.status_code == 409
    assert response.get_json()["error"] == "capacity_below_confirmed" and response.get_json()["confirmed"] == 1
    for bad in ({"capacity": "5"}, {"capacity": -1}, {"capacity": True}, {"capacity": 100001}, {}, [], {"capacity": 2.5}):
        response = patch(client, r.id, bad, organiser)
        assert response.status_code == 422, bad
        assert response.get_json()["error"] == "validation_failed"
    assert client.patch(f"/api/v1/routes/{r.id}", data="{", content_type="application/json",
                        headers=organiser).status_code == 422
    assert patch(client, 999999, {"capacity": 5}, organiser).status_code == 404
    assert patch(client, r.id, {"capacity": 5}, api_token("staff")).status_code == 403
    assert patch(client, r.id, {"capacity": 5}, {}).status_code == 401
    assert patch(client, r.id, {"capacity": 5}, {"Authorization": "Bearer nonsense"}).status_code == 401
    db.session.expire_all()
    assert db.session.get(VisitRoute, r.id).capacity == 1
