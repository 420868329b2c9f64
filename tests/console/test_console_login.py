"""Signing in and out of the console, through the login page."""
from __future__ import annotations

import re
import statistics
import time

import pytest

from summit.services.console import accounts

from support.app import csrf_token, make_app
from support.console_support import PASSWORD, make_user, same_origin, sign_in, text
from tests.support.data_key import TEST_DATA_KEY


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


def from_address(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_wrong_passwords_throttle_their_own_address_and_never_lock_the_owner_out(app, client, summit):
    make_user("organiser")
    attacker = from_address(client, "198.51.100.7")
    for _ in range(app.config["LOGIN_ATTEMPTS_PER_ADDRESS"]):
        response = login(attacker, "organiser@example.org", "not the password")
        assert response.status_code == 401 and "Wrong email or password." in text(response.get_data(as_text=True))
    # Even the right password is not checked from there now, and the answer says when to come back.
    response = login(attacker, "organiser@example.org", PASSWORD)
    assert response.status_code == 429 and "Too many sign-in attempts" in text(response.get_data(as_text=True))
    assert 0 < int(response.headers["Retry-After"]) <= app.config["LOGIN_WINDOW_SECONDS"]
    assert attacker.get("/console/").status_code == 302
    # The owner, from their own address, signs in as usual.
    owner = from_address(app.test_client(), "192.0.2.10")
    response = login(owner, "organiser@example.org", PASSWORD)
    assert response.status_code == 302 and owner.get("/console/").status_code == 200


def test_one_ipv6_network_counts_as_one_address(app, client, summit):
    make_user("organiser")
    limit = app.config["LOGIN_ATTEMPTS_PER_ADDRESS"]
    statuses = [login(from_address(client, f"2001:db8:1:2::{n:x}"), "organiser@example.org", "wrong!").status_code
                for n in range(1, limit + 2)]
    assert statuses == [401] * limit + [429]
    other_network = from_address(app.test_client(), "2001:db8:1:3::1")
    assert login(other_network, "organiser@example.org", "wrong!").status_code == 401


def test_many_addresses_cannot_lock_the_owner_out_of_an_address_they_signed_in_from(database_url, summit):
    capped = make_app(database_url, LOGIN_ATTEMPTS_PER_ACCOUNT=6)
    make_user("organiser")
    assert login(from_address(capped.test_client(), "192.0.2.10"), "organiser@example.org", PASSWORD).status_code == 302
    # A guessing run spread over addresses, each within its own limit, until the account's cap.
    statuses = []
    for n in range(1, 5):
        attacker = from_address(capped.test_client(), f"198.51.100.{n}")
        statuses += [login(attacker, "organiser@example.org", "guess!").status_code for _ in range(3)]
    assert statuses.count(401) == 5 and 429 in statuses  # the owner's own sign-in counted as the first
    newcomer = from_address(capped.test_client(), "203.0.113.50")
    assert login(newcomer, "organiser@example.org", PASSWORD).status_code == 429
    # From the address the owner signed in from before, the cap does not apply.
    owner = from_address(capped.test_client(), "192.0.2.10")
    assert login(owner, "organiser@example.org", PASSWORD).status_code == 302


def comparable(response, email: str):
    """An answer with what must differ (the email typed, the fresh CSRF token, the date, the
    request id) taken out: the rest must be the same whether or not the account exists."""
    body = response.get_data(as_text=True).replace(email, "EMAIL")
    body = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+', r"\1", body)
    volatile = {"date", "x-request-id", "content-length", "set-cookie"}
    headers = sorted((k.lower(), "SECONDS" if k.lower() == "retry-after" else v)  # the clock moves on
                     for k, v in response.headers.items() if k.lower() not in volatile)
    cookies = sorted(v.split("=", 1)[0] for v in response.headers.getlist("Set-Cookie"))
    return response.status_code, body, headers, cookies


def test_unknown_email_disabled_account_and_wrong_password_answer_alike(app, client, summit):
    make_user("organiser")
    make_user("staff")
    accounts.disable_user("staff@example.org")
    limit = app.config["LOGIN_ATTEMPTS_PER_ADDRESS"]
    answers = {}
    for n, (email, password) in enumerate([("organiser@example.org", "wrong password"),
                                           ("nobody.here@example.org", "wrong password"),
                                           ("staff@example.org", PASSWORD)]):
        visitor = from_address(app.test_client(), f"198.51.100.{n + 1}")
        answers[email] = [comparable(login(visitor, email, password), email) for _ in range(limit + 1)]
    known, unknown, disabled = answers.values()
    assert known == unknown == disabled
    assert [status for status, *_ in known] == [401] * limit + [429]


@pytest.mark.serial
def test_sign_in_takes_as_long_for_an_unknown_email_as_for_a_known_one(app, summit):
    """Both paths check one password hash; before, an unknown email answered 10 times as fast."""
    make_user("organiser")
    timings = {"organiser@example.org": [], "nobody.here@example.org": []}
    for n in range(20):
        for email, times in timings.items():  # interleaved, so a slow spell of the machine hits both
            visitor = from_address(app.test_client(), f"10.{n}.{len(times)}.{len(email)}")
            token = csrf_token(visitor.get("/console/login").get_data(as_text=True))
            started = time.perf_counter()
            response = visitor.post("/console/login", data={"csrf_token": token, "email": email, "password": "wrong!"})
            times.append(time.perf_counter() - started)
            assert response.status_code == 401
    known, unknown = (statistics.median(times) for times in timings.values())
    assert 0.67 < known / unknown < 1.5, f"median {known * 1000:.1f} ms known, {unknown * 1000:.1f} ms unknown"


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
        assert response.headers["Location"] == "/desk/", target  # staff's landing page, not the target
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
    monkeypatch.setenv("DATA_KEY", TEST_DATA_KEY)
    app = make_app(database_url)
    with app.app_context():
        yield app
        from summit.plumbing.extensions import db
        db.session.remove()


def test_session_cookie_is_secure_httponly_and_samesite_in_production(production_app, summit):
    client = production_app.test_client()
    make_user("staff")
    response = login(client, "staff@example.org", PASSWORD)
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def copied_session(client) -> str:
    return client.get_cookie("session", domain="summit.test").value


def replay(app, cookie: str):
    """Someone else's browser, holding a copy of the session cookie: the console home, or the login page."""
    other = app.test_client()
    other.set_cookie("session", cookie, domain="summit.test")
    return other.get("/console/")


def test_a_session_cookie_copied_before_signing_out_is_signed_out_too(app, client, summit):
    sign_in(client, "staff")
    copied = copied_session(client)
    assert replay(app, copied).status_code == 200
    client.post("/console/logout", data={"csrf_token": csrf_token(client.get("/console/").get_data(as_text=True))})
    response = replay(app, copied)
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(app, client, summit):
    sign_in(client, "organiser")
    copied = copied_session(client)
    assert replay(app, copied).status_code == 200
    result = app.test_cli_runner().invoke(args=["create-user", "organiser@example.org", "--role", "organiser",
                                                "--password-stdin"], input="a brand new password\n")
    assert result.exit_code == 0, result.output
    assert replay(app, copied).status_code == 302
    assert client.get("/console/").status_code == 302
    # Signing in with the new password works as before.
    assert login(client, "organiser@example.org", "a brand new password").status_code == 302
    assert client.get("/console/").status_code == 200


def test_disabling_an_account_ends_its_sessions_and_its_tokens(app, client, summit):
    sign_in(client, "staff")
    copied = copied_session(client)
    assert replay(app, copied).status_code == 200
    _, token = accounts.issue_token("staff@example.org")
    result = app.test_cli_runner().invoke(args=["disable-user", "staff@example.org"])
    assert result.exit_code == 0, result.output
    assert replay(app, copied).status_code == 302
    assert app.test_client().get("/api/v1/delegates", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # The right password no longer signs in, and says no more than a wrong one would.
    response = login(app.test_client(), "staff@example.org", PASSWORD)
    assert response.status_code == 401 and "Wrong email or password." in text(response.get_data(as_text=True))
    assert app.test_cli_runner().invoke(args=["disable-user", "nobody@example.org"]).exit_code != 0


def test_a_session_that_names_no_version_is_refused(app, summit):
    user = make_user("staff")
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["_user_id"] = str(user.id)  # how sessions looked before versions
        session["_fresh"] = True
    assert visitor.get("/console/").status_code == 302


def test_staff_land_on_the_desk_and_organisers_on_the_dashboard(client, summit):
    make_user("staff")
    make_user("organiser")
    same_origin(client)
    for email, landing in (("staff@example.org", "/desk/"), ("organiser@example.org", "/console/")):
        response = client.post("/console/login", data={
            "csrf_token": csrf_token(client.get("/console/login").get_data(as_text=True)),
            "email": email, "password": PASSWORD})
        assert response.status_code == 302 and response.headers["Location"] == landing, email
        assert client.get("/console/login").headers["Location"] == landing  # signed in already: the same page
        client.post("/console/logout", data={"csrf_token": csrf_token(client.get("/console/").get_data(as_text=True))})
    # a safe next still wins
    response = login(client, "staff@example.org", PASSWORD, next_url="/console/delegates")
    assert response.headers["Location"] == "/console/delegates"
