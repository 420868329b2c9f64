"""Every absolute link the app gives out starts with its configured public address, never with the
Host a request names; requests for another host are refused; production will not start unconfigured.

The attack this guards against (issue 12, finding 1): an outsider asks for a victim's lost link
with ``Host: attacker.example``, and the victim is emailed ``http://attacker.example/manage/<secret>``.
"""
from __future__ import annotations

import logging
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from support.app import _empty_tables, csrf_token, make_app
from support.factories import delegate_data, register
from summit import create_app
from summit.plumbing.extensions import db
from summit.services.programme.agenda import programme
from summit.plumbing.mail_transport import wait_for_pending_mail
from summit.services.summits.seeding import seed_summit
from summit.services.summits.current import current_summit
from tests.support.data_key import TEST_DATA_KEY

ROOT = Path(__file__).resolve().parents[2]
ATTACKER = "attacker.example"
PUBLIC = "https://summit.example.org"


@pytest.fixture
def site(database_url, caplog):
    """make(**settings): an app with those settings and GSTF 2024 loaded, in an app context;
    the tables are emptied afterwards.  Development mail goes to the log, which ``caplog`` keeps."""
    caplog.set_level(logging.INFO, logger="summit.mail")
    made = []

    def make(**settings):
        app = make_app(database_url, **settings)
        context = app.app_context()
        context.push()
        made.append(context)
        seed_summit()
        return app

    yield make
    for context in reversed(made):
        db.session.remove()
        db.engine.dispose()
        context.pop()
    _empty_tables(database_url)


def mail_log(caplog) -> str:
    wait_for_pending_mail()
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "summit.mail")


def ask_for_a_new_link(client, email, headers, base_url):
    """The attack as an outsider runs it: the form for its CSRF token, then the post, both with a forged host."""
    page = client.get("/manage/lost-link", headers=headers, base_url=base_url)
    if page.status_code != 200:
        return page
    return client.post("/manage/lost-link", headers=headers, base_url=base_url,
                       data={"email": email, "csrf_token": csrf_token(page.get_data(as_text=True))})


# What production looked like: no PUBLIC_BASE_URL (and no SERVER_NAME: that is only the tests' own setting).
UNCONFIGURED = {"SERVER_NAME": None}
CONFIGURED = {"SERVER_NAME": None, "PUBLIC_BASE_URL": PUBLIC}


@pytest.mark.parametrize("settings, base_url, headers", [
    (UNCONFIGURED, "http://localhost", {"Host": ATTACKER}),
    (CONFIGURED, PUBLIC, {"Host": ATTACKER}),
    # Behind a trusted proxy the forged name arrives as X-Forwarded-Host instead.
    ({**UNCONFIGURED, "TRUSTED_PROXIES": 1}, "http://localhost", {"X-Forwarded-Host": ATTACKER}),
    ({**CONFIGURED, "TRUSTED_PROXIES": 1}, PUBLIC, {"X-Forwarded-Host": ATTACKER, "X-Forwarded-Proto": "https"}),
], ids=["unconfigured", "configured", "unconfigured-proxy", "configured-proxy"])
def test_a_forged_host_never_reaches_a_lost_link_email(site, caplog, settings, base_url, headers):
    app = site(**settings)
    victim = register(current_summit(), email="victim@example.org")
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = base_url + "/manage/lost-link"  # as a browser sends it over HTTPS

    answer = ask_for_a_new_link(client, "victim@example.org", headers, base_url)

    assert ATTACKER not in mail_log(caplog)
    assert answer.status_code == 400  # refused before any work, so nothing was sent at all
    assert "victim@example.org" not in mail_log(caplog)
    # The victim's own link still opens their page.
    assert client.get(f"/manage/{victim.manage_token}", base_url=base_url).status_code == 200


def test_a_lost_link_email_starts_with_the_public_address(site, caplog):
    app = site(**CONFIGURED)
    register(current_summit(), email="someone@example.org")
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = PUBLIC + "/manage/lost-link"
    answer = ask_for_a_new_link(client, "someone@example.org", {}, PUBLIC)
    assert answer.status_code == 302
    assert PUBLIC + "/manage/" in mail_log(caplog)


@pytest.mark.parametrize("settings, base_url, headers", [
    (UNCONFIGURED, "http://localhost", {"Host": ATTACKER}),
    (CONFIGURED, PUBLIC, {"Host": ATTACKER}),
    ({**CONFIGURED, "TRUSTED_PROXIES": 1}, PUBLIC, {"X-Forwarded-Host": ATTACKER}),
], ids=["unconfigured", "configured", "configured-proxy"])
def test_api_and_feed_links_never_follow_a_forged_host(site, settings, base_url, headers):
    app = site(**settings)
    client = app.test_client()
    made = client.post("/api/v1/registrations", json=delegate_data(), headers=headers, base_url=base_url)
    assert ATTACKER not in made.get_data(as_text=True)
    assert made.status_code == 400 and made.get_json()["error"] == "bad_request"
    for path in ["/agenda.ics", "/agenda", "/routes", "/api/v1/routes"]:
        answer = client.get(path, headers=headers, base_url=base_url)
        assert answer.status_code == 400 and ATTACKER not in answer.get_data(as_text=True), path


def links_in(feed: bytes) -> list[str]:
    calendar = Calendar.from_ical(feed)
    found = [str(event["URL"]) for event in calendar.walk("VEVENT") if "URL" in event]
    assert found
    return found


def test_an_accepted_second_name_still_gets_links_on_the_public_address(site):
    """ALLOWED_HOSTS lets another name in (an alias, an internal name); links still name PUBLIC_BASE_URL."""
    app = site(**CONFIGURED, ALLOWED_HOSTS=["summit-internal.example.net"])
    client = app.test_client()
    other = "https://summit-internal.example.net"
    client.environ_base["HTTP_REFERER"] = other + "/"
    made = client.post("/api/v1/registrations", json=delegate_data(), base_url=other)
    assert made.status_code == 201
    body = made.get_json()
    assert body["manage_url"].startswith(PUBLIC + "/manage/")
    assert body["calendar_url"].startswith(PUBLIC + "/calendar/")
    assert client.get("/api/v1/registrations/self", base_url=other,
                      headers={"Authorization": f"Bearer {body['token']}"}).get_json()["manage_url"] == body["manage_url"]

    personal = client.get(body["calendar_url"].removeprefix(PUBLIC), base_url=other)
    assert personal.status_code == 200
    for feed in [client.get("/agenda.ics", base_url=other).data, personal.data]:
        assert all(link.startswith(PUBLIC + "/") for link in links_in(feed))
        assert b"summit-internal" not in feed
    item = client.get(f"/agenda/{programme(current_summit())[0].id}.ics", base_url=other)
    assert item.status_code == 200 and all(link.startswith(PUBLIC + "/") for link in links_in(item.data))
    page = client.get("/agenda", base_url=other).get_data(as_text=True)
    assert 'href="webcal://summit.example.org/agenda.ics' in page and "summit-internal" not in page
    manage = client.get(body["manage_url"].removeprefix(PUBLIC), base_url=other).get_data(as_text=True)
    assert body["calendar_url"] in manage and "summit-internal" not in manage


def test_development_links_name_the_servers_own_address_not_the_host_header(site):
    """Without any setting, a development server's links use the address it listens on, which no client picks."""
    app = site(**UNCONFIGURED)
    client = app.test_client()
    # The test client's base_url stands for the listening address; the Host header is the client's word.
    answer = client.post("/api/v1/registrations", json=delegate_data(), base_url="http://127.0.0.1:5000",
                         headers={"Host": "localhost:8123"})
    assert answer.status_code == 201
    assert answer.get_json()["manage_url"].startswith("http://127.0.0.1:5000/manage/")
    assert answer.get_json()["calendar_url"].startswith("http://127.0.0.1:5000/calendar/")


def test_the_tests_server_name_is_a_configured_address(site):
    app = site()  # conftest's SERVER_NAME "summit.test" with https
    answer = app.test_client().post("/api/v1/registrations", json=delegate_data())
    assert answer.get_json()["manage_url"].startswith("https://summit.test/manage/")


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_answer_a_load_balancer_that_names_the_ip(site, path):
    app = site(**CONFIGURED)
    answer = app.test_client().get(path, base_url="http://10.0.0.5:8000")
    assert answer.status_code == 200, answer.get_json()


def production_environment(monkeypatch, **env):
    monkeypatch.setenv("SUMMIT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    monkeypatch.setenv("DATA_KEY", TEST_DATA_KEY)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_production_will_not_start_without_a_public_address(monkeypatch, tmp_path):
    production_environment(monkeypatch)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL") as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert "https://" in str(refused.value)  # the message shows what to set


@pytest.mark.parametrize("value", ["summit.example.org", "ftp://summit.example.org", "https://",
                                   "https://summit.example.org/?x=1", "https://summit.example.org/#top",
                                   "https://user@summit.example.org"])
def test_a_public_address_that_is_no_http_origin_is_refused_at_start(monkeypatch, tmp_path, value):
    production_environment(monkeypatch, PUBLIC_BASE_URL=value)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_production_with_a_public_address_starts(monkeypatch, tmp_path):
    production_environment(monkeypatch, PUBLIC_BASE_URL="https://summit.example.org/",
                           ALLOWED_HOSTS=" summit-internal.example.net, .lb.example.net ")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert app.config["PUBLIC_BASE_URL"] == "https://summit.example.org"
    assert app.config["ALLOWED_HOSTS"] == ["summit-internal.example.net", ".lb.example.net"]


def test_gunicorn_with_the_shipped_settings_refuses_to_start_unconfigured_and_says_why(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "ALLOWED_HOSTS")}
    env.update(SUMMIT_ENV="production", SECRET_KEY="production-secret", SUMMIT_WORKERS="1",
               DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3", SUMMIT_BIND="127.0.0.1:0")
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "python:summit.gunicorn_conf",
                             "summit:create_app()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_no_code_builds_an_absolute_link_from_the_request():
    """The class, not only the cases above: absolute links come from summit/plumbing/urls.py alone."""
    following_the_request = re.compile(r"_external\s*=|\burl_root\b|\bhost_url\b|request\.host\b")
    files = [*(ROOT / "summit").rglob("*.py"), *(ROOT / "templates").rglob("*.html")]
    allowed = {ROOT / "summit" / "plumbing" / "urls.py", ROOT / "summit" / "plumbing" / "host_check.py"}  # the builder, and the check
    offenders = [str(path.relative_to(ROOT)) for path in files
                 if path not in allowed and following_the_request.search(path.read_text())]
    assert offenders == []
