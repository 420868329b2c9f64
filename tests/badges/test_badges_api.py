"""GET and POST /api/v1/badges.pdf: at most BADGE_SYNC_LIMIT badges a request, ids in a JSON body,
and who may ask (issue 12, findings 10 and 14)."""
from __future__ import annotations

import time
from io import BytesIO

import pytest
from pypdf import PdfReader

from summit.plumbing.extensions import db
from summit.models import Delegate

from support.badge_helpers import decode_qr_codes, staff_token
from support.factories import make_delegate, register
from summit.services.checkin.codes import delegate_id_for_code


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def pages(response) -> int:
    return len(PdfReader(BytesIO(response.data)).pages)


def test_a_request_renders_at_most_the_sync_limit_and_says_where_batches_are(app, summit, client):
    app.config["BADGE_SYNC_LIMIT"] = 3
    token = staff_token()
    people = [make_delegate(summit, f"Given{chr(97 + i)}", "Family") for i in range(4)]
    ids = ",".join(str(d.id) for d in people)

    started = time.perf_counter()
    for response in (client.get("/api/v1/badges.pdf?all=1", headers=auth(token)),
                     client.get(f"/api/v1/badges.pdf?ids={ids}", headers=auth(token)),
                     client.post("/api/v1/badges.pdf", json={"ids": [d.id for d in people]}, headers=auth(token)),
                     client.post("/api/v1/badges.pdf", json={"all": True, "layout": "a4-4up"}, headers=auth(token))):
        assert response.status_code == 413, response.data[:200]
        body = response.json
        assert body["error"] == "too_many_badges" and body["limit"] == 3 and body["requested"] == 4
        assert body["batch_url"] == "/desk/badges" and "at most 3" in body["message"], body
    assert time.perf_counter() - started < 5  # refused, not rendered and then refused
    db.session.rollback()
    assert not any(d.badge_print_count for d in db.session.scalars(db.select(Delegate)))

    # up to the limit renders as before
    ok = client.get(f"/api/v1/badges.pdf?ids={ids.rsplit(',', 1)[0]}", headers=auth(token))
    assert ok.status_code == 200 and ok.mimetype == "application/pdf" and pages(ok) == 3


def test_the_default_limit_refuses_a_long_id_list_before_reading_it(summit, client):
    token = staff_token()
    make_delegate(summit)
    # 51 ids that name nobody: too many is said first, without loading 51 rows
    r = client.get("/api/v1/badges.pdf?ids=" + ",".join(str(i) for i in range(1000, 1051)), headers=auth(token))
    assert r.status_code == 413 and r.json["limit"] == 50 and r.json["requested"] == 51


def test_post_takes_the_ids_as_json_in_the_order_given(summit, client, tmp_path):
    token = staff_token()
    a, b, c = (make_delegate(summit, f"G{chr(97 + i)}", f"F{chr(97 + i)}") for i in range(3))
    r = client.post("/api/v1/badges.pdf", json={"ids": [c.id, a.id, c.id], "layout": "a6"}, headers=auth(token))
    assert r.status_code == 200 and r.mimetype == "application/pdf" and pages(r) == 2
    assert r.headers["Cache-Control"] == "no-store"
    assert [delegate_id_for_code(decode_qr_codes(r.data, tmp_path, p)[0]) for p in (1, 2)] == [c.id, a.id]
    sheet = client.post("/api/v1/badges.pdf", json={"ids": [a.id, b.id, c.id], "layout": "a4-4up"},
                        headers=auth(token))
    assert sheet.status_code == 200 and pages(sheet) == 1 and len(decode_qr_codes(sheet.data, tmp_path)) == 3
    everyone = client.post("/api/v1/badges.pdf", json={"all": True}, headers=auth(token))
    assert everyone.status_code == 200 and pages(everyone) == 3


@pytest.mark.parametrize("body, status, field", [
    ({"ids": "1,2"}, 422, "ids"),
    ({"ids": []}, 422, "ids"),
    ({"ids": [1, "2"]}, 422, "ids"),
    ({"ids": [True]}, 422, "ids"),
    ({"ids": [0]}, 422, "ids"),
    ({"ids": [-3]}, 422, "ids"),
    ({"ids": [1.5]}, 422, "ids"),
    ({"ids": [2**31]}, 422, "ids"),
    ({"ids": [[1]]}, 422, "ids"),
    ({"ids": list(range(1, 5002))}, 422, "ids"),
    ({}, 422, "ids"),
    ({"all": "yes"}, 422, "all"),
    ({"all": True, "ids": ["x"]}, 422, "ids"),
    ({"ids": [1], "layout": "letter"}, 422, "layout"),
    ({"ids": [1], "layout": 4}, 422, "layout"),
    ({"ids": [1], "colour": "red"}, 422, "colour"),
    ({"ids": [999999]}, 404, None),
    ([1, 2, 3], 422, "body"),
    ("ids", 422, "body"),
])
def test_post_refuses_what_get_refuses(summit, client, body, status, field):
    token = staff_token()
    make_delegate(summit)
    r = client.post("/api/v1/badges.pdf", json=body, headers=auth(token))
    assert r.status_code == status, r.json
    if field:
        assert r.json["error"] == "validation_failed" and field in r.json["errors"], r.json
    else:
        assert r.json["error"] == "unknown_delegate"


def test_post_with_a_body_that_is_not_json_is_a_4xx(summit, client):
    token = staff_token()
    r = client.post("/api/v1/badges.pdf", data=b"{not json", headers={**auth(token), "Content-Type": "application/json"})
    assert 400 <= r.status_code < 500 and r.json["error"]


def test_post_needs_a_staff_token(summit, client):
    d = make_delegate(summit)
    body = {"ids": [d.id]}
    # no token
    r = client.post("/api/v1/badges.pdf", json=body)
    assert r.status_code == 401 and r.json["error"] == "unauthorized" and "Bearer" in r.headers["WWW-Authenticate"]
    # a delegate's own token is no console token
    delegate_token = register(summit).manage_token
    r = client.post("/api/v1/badges.pdf", json=body, headers=auth(delegate_token))
    assert r.status_code == 401
    # a made-up token
    assert client.post("/api/v1/badges.pdf", json=body, headers=auth("x" * 43)).status_code == 401
    # staff and organisers may
    for role in ("staff", "organiser"):
        r = client.post("/api/v1/badges.pdf", json=body, headers=auth(staff_token(f"{role}@example.org", role)))
        assert r.status_code == 200 and r.mimetype == "application/pdf", role
    db.session.rollback()
    assert db.session.get(Delegate, d.id).badge_print_count == 2
