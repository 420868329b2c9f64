"""POST /api/v1/registrations and the delegate's /self, through HTTP, as the contract says."""
from __future__ import annotations

import json

import pytest

from summit.plumbing.extensions import db
from summit.models import Delegate

from support.factories import delegate_data, route, set_capacity
from summit.plumbing.mail_transport import wait_for_pending_mail


def post(client, body=None, **kwargs):
    # json.dumps escapes to ASCII, so even a lone surrogate travels as a client would send it ("\\ud800").
    return client.post("/api/v1/registrations", data=json.dumps(body), content_type="application/json", **kwargs)


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_register_returns_the_contract_shape(client, summit):
    r1 = route(summit, "R1")
    response = post(client, delegate_data(route_id=r1.id, native_name="王小明", banquet=True, language="zh"))
    assert response.status_code == 201
    body = response.get_json()
    assert list(body)[:3] == ["id", "status", "route"]
    assert body["status"] == "registered"
    assert body["route"] == {"id": r1.id, "status": "confirmed", "waitlist_position": None, "code": "R1"}
    assert len(body["token"]) >= 40
    assert body["manage_url"].startswith("https://summit.test/manage/") and body["token"] in body["manage_url"]
    assert body["calendar_url"].startswith("https://summit.test/calendar/") and body["token"] not in body["calendar_url"]
    assert response.headers["Cache-Control"] == "no-store"
    stored = db.session.get(Delegate, body["id"])
    assert stored.native_name == "王小明" and stored.banquet is True and stored.manage_token_hash != body["token"]


def test_register_with_no_route_and_on_a_waiting_list(client, summit):
    assert post(client, delegate_data()).get_json()["route"] is None
    r1 = route(summit, "R1")
    set_capacity(r1, 0)
    body = post(client, delegate_data(route_id=r1.id, join_waitlist=True)).get_json()
    assert body["route"] == {"id": r1.id, "status": "waitlisted", "waitlist_position": 1, "code": "R1"}
    routes = client.get("/api/v1/routes").get_json()["routes"]
    assert (routes[0]["confirmed"], routes[0]["waitlisted"], routes[0]["remaining"]) == (0, 1, 0)


@pytest.mark.parametrize("change, field", [
    ({"given_name": ""}, "given_name"),
    ({"given_name": "   "}, "given_name"),
    ({"family_name": None}, "family_name"),
    ({"email": "not-an-email"}, "email"),
    ({"email": 42}, "email"),
    ({"organisation": "a" * 201}, "organisation"),
    ({"given_name": "A" * 101}, "given_name"),
    ({"native_name": "王" * 101}, "native_name"),
    ({"country": "XX"}, "country"),
    ({"country": "CHN"}, "country"),
    ({"category": "royalty"}, "category"),
    ({"language": "fr"}, "language"),
    ({"consent": False}, "consent"),
    ({"consent": "true"}, "consent"),
    ({"route_id": 99999}, "route_id"),
    ({"route_id": "1"}, "route_id"),
    ({"route_id": True}, "route_id"),
    ({"join_waitlist": "yes"}, "join_waitlist"),
    ({"banquet": 1}, "banquet"),
    ({"organisation": "Ministry\x00of Transport"}, "organisation"),
    ({"given_name": "Ali\x1b[31m"}, "given_name"),
    ({"native_name": "abc\ud800"}, "native_name"),
    ({"given_name": "Иван"}, "given_name"),
])
def test_invalid_fields_are_422_naming_the_field_and_create_nothing(client, summit, change, field):
    body = {**delegate_data(), **change}
    response = post(client, body)
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    assert payload["error"] == "validation_failed" and field in payload["errors"]
    assert all(isinstance(m, str) and m for m in payload["errors"][field])
    assert db.session.query(Delegate).count() == 0


def test_missing_required_fields_are_each_named(client, summit):
    payload = post(client, {}).get_json()
    assert set(payload["errors"]) >= {"given_name", "family_name", "email", "organisation", "country",
                                      "category", "consent"}


def test_input_is_trimmed_and_nfc_normalised(client, summit):
    body = delegate_data(given_name="  Nguye\u0302\u0303n  ", native_name=" Nguyê\u0303n   Văn ", country="vn")
    token = post(client, body).get_json()["token"]
    stored = db.session.scalars(db.select(Delegate)).one()
    assert stored.given_name == "Nguyễn" and stored.native_name == "Nguyễn Văn" and stored.country == "VN"
    assert token


def test_messages_follow_the_askers_language(client, summit):
    payload = client.post("/api/v1/registrations", json={}, headers={"Accept-Language": "zh-CN"}).get_json()
    assert payload["errors"]["given_name"] == ["此项为必填项。"]


def test_email_taken_is_409_case_insensitively(client, summit):
    assert post(client, delegate_data(email="Ana@Example.org")).status_code == 201
    response = post(client, delegate_data(email="ana@EXAMPLE.ORG"))
    assert response.status_code == 409 and response.get_json()["error"] == "email_taken"


def test_route_full_without_waitlist_is_409_and_creates_nothing(client, summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 0)
    response = post(client, delegate_data(route_id=r1.id))
    assert response.status_code == 409 and response.get_json()["error"] == "route_full"
    assert db.session.query(Delegate).count() == 0


@pytest.mark.parametrize("data, content_type", [
    (b"{not json", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b"\x00\xff\xfe", "application/octet-stream"),
    (b"", "application/json"),
    (b'"just a string"', "text/plain"),
])
def test_bodies_that_are_not_a_json_object_are_4xx_json(client, summit, data, content_type):
    response = client.post("/api/v1/registrations", data=data, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]


def test_a_body_over_one_mebibyte_is_413(client, summit):
    body = b'{"given_name": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    response = client.post("/api/v1/registrations", data=body, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"] == "payload_too_large"


def test_self_get_patch_delete(client, summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    created = post(client, delegate_data(route_id=r1.id)).get_json()
    token = created["token"]
    mine = client.get("/api/v1/registrations/self", headers=auth(token))
    assert mine.status_code == 200
    body = mine.get_json()
    assert "token" not in body and body["id"] == created["id"] and body["route"]["id"] == r1.id
    assert body["manage_url"] == created["manage_url"] and body["calendar_url"] == created["calendar_url"]

    moved = client.patch("/api/v1/registrations/self", json={"route_id": r2.id}, headers=auth(token))
    assert moved.status_code == 200 and moved.get_json()["route"]["id"] == r2.id
    dropped = client.patch("/api/v1/registrations/self", json={"route_id": None}, headers=auth(token))
    assert dropped.get_json()["route"] is None

    assert client.delete("/api/v1/registrations/self", headers=auth(token)).status_code == 204
    assert client.get("/api/v1/registrations/self", headers=auth(token)).status_code == 401


def test_patch_to_a_full_route_is_409_and_keeps_the_old_place(client, summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r2, 0)
    token = post(client, delegate_data(route_id=r1.id)).get_json()["token"]
    response = client.patch("/api/v1/registrations/self", json={"route_id": r2.id}, headers=auth(token))
    assert response.status_code == 409 and response.get_json()["error"] == "route_full"
    assert client.get("/api/v1/registrations/self", headers=auth(token)).get_json()["route"]["id"] == r1.id
    queued = client.patch("/api/v1/registrations/self", json={"route_id": r2.id, "join_waitlist": True},
                          headers=auth(token))
    assert queued.get_json()["route"] == {"id": r2.id, "status": "waitlisted", "waitlist_position": 1, "code": "R2"}


def test_patch_needs_route_id_and_valid_types(client, summit):
    token = post(client, delegate_data()).get_json()["token"]
    assert client.patch("/api/v1/registrations/self", json={}, headers=auth(token)).status_code == 422
    assert client.patch("/api/v1/registrations/self", json={"route_id": "R1"}, headers=auth(token)).status_code == 422
    assert client.patch("/api/v1/registrations/self", json={"route_id": 424242},
                        headers=auth(token)).status_code == 422


def test_delete_promotes_the_first_in_line(client, summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    holder = post(client, delegate_data(route_id=r1.id)).get_json()["token"]
    waiting = post(client, delegate_data(route_id=r1.id, join_waitlist=True)).get_json()["token"]
    client.delete("/api/v1/registrations/self", headers=auth(holder))
    assert client.get("/api/v1/registrations/self", headers=auth(waiting)).get_json()["route"]["status"] == "confirmed"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic abc", "Bearer " + "x" * 5000])
def test_self_without_a_valid_token_is_401(client, summit, header):
    headers = {"Authorization": header} if header else {}
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)("/api/v1/registrations/self", headers=headers, json={"route_id": None})
        assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_registration_is_rate_limited_per_address_when_enabled(database_url, summit):
    from support.app import make_app

    app = make_app(database_url, RATELIMIT_ENABLED=True, REGISTRATION_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.post("/api/v1/registrations", json=delegate_data()).status_code for _ in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    assert client.post("/api/v1/registrations", json={}).get_json()["error"] == "rate_limited"
    other = client.post("/api/v1/registrations", json=delegate_data(), environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 201


def test_whoever_moves_up_is_told_in_their_language_whichever_door_freed_the_place(client, summit, caplog):
    from summit.services.console import accounts

    caplog.set_level("INFO", logger="summit.mail")
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 1)
    holder = post(client, delegate_data(route_id=r1.id)).get_json()["token"]
    first = delegate_data(route_id=r1.id, join_waitlist=True, language="zh", email="first@example.org")
    second = delegate_data(route_id=r1.id, join_waitlist=True, email="second@example.org")
    third = delegate_data(route_id=r1.id, join_waitlist=True, email="third@example.org")
    for body in (first, second, third):
        post(client, body)
    wait_for_pending_mail()
    caplog.clear()

    client.patch("/api/v1/registrations/self", json={"route_id": r2.id}, headers=auth(holder))  # frees R1
    wait_for_pending_mail()
    assert "to first@example.org\nSubject: 您已获得名额：R1" in caplog.text
    caplog.clear()

    client.delete("/api/v1/registrations/self", headers=auth(holder))  # holder's R2 seat: nobody waits there
    wait_for_pending_mail()
    assert "Subject:" not in caplog.text

    accounts.save_user("org@example.org", "organiser", "a long enough password")
    _, token = accounts.issue_token("org@example.org")
    client.patch(f"/api/v1/routes/{r1.id}", json={"capacity": 3}, headers=auth(token))
    wait_for_pending_mail()
    assert "to second@example.org\nSubject: A place is yours: R1" in caplog.text
    assert "to third@example.org\nSubject: A place is yours: R1" in caplog.text
