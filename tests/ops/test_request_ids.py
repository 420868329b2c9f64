"""Every response carries a request id: the caller's when it is safe to repeat, else a new one."""
from __future__ import annotations

import re

import pytest
from flask import g

from summit.plumbing.extensions import db

from support.app import make_app

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize("incoming", ["3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f", "lb.2024:09:25_0001", "x" * 128])
def test_a_plain_incoming_id_is_kept(client, incoming):
    assert client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["", "x" * 129, "two words", "<script>", "id;drop", "日志", "a\tb"])
def test_an_unsafe_incoming_id_is_replaced(client, incoming):
    assert GENERATED.fullmatch(client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"])


def test_each_request_gets_its_own_id_on_pages_api_and_errors(client, summit):
    ids = [client.get(path).headers["X-Request-ID"] for path in ("/", "/api/v1/routes", "/missing", "/healthz")]
    assert all(GENERATED.fullmatch(i) for i in ids) and len(set(ids)) == 4


def test_views_find_the_id_in_g(database_url):
    app = make_app(database_url)
    app.add_url_rule("/whoami", "whoami", lambda: {"request_id": g.request_id})
    with app.app_context():
        response = app.test_client().get("/whoami", headers={"X-Request-ID": "from-the-proxy"})
        assert response.get_json() == {"request_id": "from-the-proxy"}
        response = app.test_client().get("/whoami")
        assert response.get_json()["request_id"] == response.headers["X-Request-ID"]
        db.engine.dispose()
