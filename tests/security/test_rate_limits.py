"""Rate limits hold across worker processes, and a 429 says when to come back.

The live tests run gunicorn with three workers and a low registration limit, and send more
requests than the limit at once: the storage every worker shares (the database without
Redis, Redis with REDIS_URL) admits exactly the limit. The control runs the same crowd
against memory://, one count per worker, and must admit more: that proves the crowd
reaches several workers, so the check would catch per-process counting.
"""
from __future__ import annotations


import pytest

from support.app import csrf_token, make_app
from support.console_support import text
from support.factories import delegate_data
from support.live_server import gunicorn
from support.redis_check import answering_redis

LIMIT = 5
CROWD = 24


def _redis_url() -> str | None:
    return answering_redis("SUMMIT_TEST_RATELIMIT_REDIS_URL", "redis://127.0.0.1:6379/4")


def _forget_redis_limits(url: str) -> None:
    from redis import Redis

    connection = Redis.from_url(url)
    for key in connection.scan_iter("LIMITS:*"):
        connection.delete(key)


def registration_crowd(database_url: str, env: dict):
    env = {"REGISTRATION_RATE_LIMIT": f"{LIMIT} per minute", "RATELIMIT_STORAGE_URI": "", "REDIS_URL": "", **env}
    # Sync workers take one request at a time, so a crowd spreads over all three (a threaded
    # worker would accept the whole crowd by itself); --preload loads the app before the fork,
    # so all three are ready when the first answers.
    with gunicorn(database_url, app="support.live_app:make(rate_limits=True)", workers=3, env=env,
                  extra_args=("-k", "sync", "--preload")) as server:
        server.parallel([("GET", "/api/v1/routes", None, None)] * 12, concurrency=12)
        answers = server.parallel([("POST", "/api/v1/registrations", delegate_data(), None)
                                   for _ in range(CROWD)], concurrency=CROWD)
        after = server.fetch("POST", "/api/v1/registrations", {"Content-Type": "application/json"}, b"{}")
    return answers, after


def assert_exactly_the_limit(crowd):
    answers, (status, headers, _) = crowd
    statuses = [status for status, _ in answers]
    assert sorted(set(statuses)) == [201, 429], statuses
    assert statuses.count(201) == LIMIT, statuses
    assert all(body["error"] == "rate_limited" for status, body in answers if status == 429)
    # Whichever worker answers next refuses too, and says when to come back.
    assert status == 429 and 0 < int(headers["retry-after"]) <= 60, (status, headers)


@pytest.mark.slow
def test_the_database_storage_admits_the_limit_across_workers(database_url, summit):
    assert_exactly_the_limit(registration_crowd(database_url, {}))


@pytest.mark.slow
@pytest.mark.skipif(_redis_url() is None, reason="no Redis server to test the shared storage against")
def test_with_redis_url_redis_admits_the_limit_across_workers(database_url, summit):
    url = _redis_url()
    _forget_redis_limits(url)
    try:
        assert_exactly_the_limit(registration_crowd(database_url, {"REDIS_URL": url}))
    finally:
        _forget_redis_limits(url)


@pytest.mark.slow
def test_control_memory_storage_counts_per_worker_and_admits_more(database_url, summit):
    answers, _ = registration_crowd(database_url, {"RATELIMIT_STORAGE_URI": "memory://"})
    admitted = [status for status, _ in answers].count(201)
    assert admitted > LIMIT, "memory:// admitted only the limit: the crowd did not reach several workers"


def test_the_default_storage_is_shared(monkeypatch, tmp_path):
    import config

    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert config.from_environment(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "database://"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/4")
    assert config.from_environment(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/4"


@pytest.fixture
def limited(database_url, summit):
    # After the app fixture (through summit): the limiter is one object, and the last app made sets it up.
    app = make_app(database_url, RATELIMIT_ENABLED=True, REGISTRATION_RATE_LIMIT="2 per minute",
                   LOGIN_RATE_LIMIT="2 per minute")
    # From a clean slate: in a full run an earlier test's hits were once still counted here.
    from summit.plumbing.extensions import limiter

    with app.app_context():
        limiter.reset()
    yield app
    app.config["RATELIMIT_ENABLED"] = False


def test_an_api_429_has_retry_after_and_the_contracts_error_body(limited):
    client = limited.test_client()
    statuses = [client.post("/api/v1/registrations", json=delegate_data()).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    response = client.post("/api/v1/registrations", json=delegate_data())
    assert response.status_code == 429 and response.is_json
    body = response.get_json()
    assert body["error"] == "rate_limited" and isinstance(body["message"], str)
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_a_page_429_is_a_friendly_page_in_the_visitors_language(limited):
    client = limited.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    form = client.get("/console/login")
    # Only POSTs are limited: a login page that is not the form says which page it was.
    assert form.status_code == 200, (form.status_code, text(form.get_data(as_text=True))[:400])
    token = csrf_token(form.get_data(as_text=True))  # valid for the session's every POST
    for _ in range(3):
        response = client.post("/console/login", data={"csrf_token": token, "email": "a@example.org",
                                                        "password": "wrong password"})
    assert response.status_code == 429
    page = text(response.get_data(as_text=True))
    assert "请求过于频繁。" in page and "分钟后再试" in page, page
    assert 0 < int(response.headers["Retry-After"]) <= 60
