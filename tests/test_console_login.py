"""Signing in and out of the console, through the login page."""
from __future__ import annotations

import pytest

from summit.services import accounts

from conftest import csrf_token, make_app
from console_support import PASSWORD, make_user, same_origin, sign_in, text


def login(client, email, password, next_url=""):
    token = csrf_token(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login" + (f"?next={next_url}" if next_url else ""),
                       data={"csrf_token": token, "email": email, "password": password})


def test_anonymous_visitor_is_sent_to_the_login_page_and_back_after_signing_in(client, summit):
    make_user("staff")
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login?next=" in response.headers["Location"]
    response = login(client, "STAFF@example.org", PASSWORD, next_url="/console/")
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200 and "staff@example.org" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_wrong_password_is_refused_and_the_account_locks_after_five(client, summit):
    make_user("organiser")
    for _ in range(accounts.MAX_FAILED_LOGINS):
        response = login(client, "organiser@example.org", "not the password")
        assert response.status_code == 401 and "Wrong email or password." in text(response.get_data(as_text=True))
    response = login(client, "organiser@example.org", PASSWORD)
    assert response.status_code == 429 and "locked" in text(response.get_data(as_text=True))
    assert client.get("/console/").status_code == 302


def test_login_messages_in_chinese(client, summit):
    make_user("staff")
    client.get("/console/login?lang=zh")
    response = login(client, "staff@example.org", "nope nope nope")
    assert "电子邮箱或密码错误。" in text(response.get_data(as_text=True))


def test_next_never_leads_off_the_site(client, summit):
    make_user("staff")
    same_origin(client)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = login(client, "staff@example.org", PASSWORD, next_url=target)
        assert response.headers["Location"] == "/console/", target
        client.post("/console/logout", data={"csrf_token": csrf_token(client.get("/console/").get_data(as_text=True))})


def test_logout_needs_a_post_with_csrf_and_ends_the_session(client, summit):
    sign_in(client, "staff")
    assert client.get("/console/logout").status_code == 405
    assert client.post("/console/logout").status_code == 400  # no CSRF token
    assert client.get("/console/").status_code == 200
    token = csrf_token(client.get("/console/").get_data(as_text=True))
    response = client.post("/console/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/console/login"
    assert client.get("/console/").status_code == 302


def test_stale_login_form_says_so(client, summit):
    make_user("staff")
    response = client.post("/console/login", data={"email": "staff@example.org", "password": PASSWORD})
    assert response.status_code == 400 and "expired" in text(response.get_data(as_text=True))


@pytest.fixture
def production_app(database_url, monkeypatch):
    monkeypatch.setenv("SUMMIT_ENV", "production")
    app = make_app(database_url)
    with app.app_context():
        yield app
        from summit.extensions import db
        db.session.remove()


def test_session_cookie_is_secure_httponly_and_samesite_in_production(production_app, summit):
    client = production_app.test_client()
    make_user("staff")
    response = login(client, "staff@example.org", PASSWORD)
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
