"""The console sign-in under parallel wrong passwords: a real gunicorn with several workers,
on SQLite and (with SUMMIT_TEST_DATABASE_URL) PostgreSQL.

Every answer is a 401 (the password was checked, and was wrong) or a 429 (refused before any
check), never a 5xx, and exactly the documented number of passwords is checked. The control
runs the same burst against the old way of counting (read the count, check the password, then
write the count) and must let more checks through: that proves the burst races.
"""
from __future__ import annotations

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from support.app import csrf_token
from support.console_support import PASSWORD, make_user
from support.live_server import gunicorn

pytestmark = pytest.mark.slow

BURST = 16
EMAIL = "organiser@example.org"


class SignInPage:
    """A browser at the login page, from one loopback address (127.0.0.0/8 all reach the server)."""

    def __init__(self, server, source: str = "127.0.0.1"):
        self.server, self.source = server, source
        status, headers, html = self._send("GET", "/console/login")
        assert status == 200, status
        self.cookie = "; ".join(value.split(";", 1)[0] for name, value in headers if name.lower() == "set-cookie")
        self.token = csrf_token(html.decode())

    def _send(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=120,
                                          source_address=(self.source, 0))
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def submit(self, email: str, password: str) -> int:
        body = urlencode({"csrf_token": self.token, "email": email, "password": password})
        status, _, _ = self._send("POST", "/console/login", body, {
            "Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"})
        return status


def burst(server, password: str) -> list[int]:
    """BURST wrong passwords for one account from one address, all sent at the same moment."""
    pages = [SignInPage(server) for _ in range(BURST)]
    start = threading.Barrier(BURST)

    def go(page):
        start.wait()
        return page.submit(EMAIL, password)

    with ThreadPoolExecutor(max_workers=BURST) as pool:
        return list(pool.map(go, pages))


def test_parallel_wrong_passwords_check_exactly_the_limit_and_never_fail(app, database_url, summit):
    make_user("organiser", EMAIL)
    limit = app.config["LOGIN_ATTEMPTS_PER_ADDRESS"]
    with gunicorn(database_url) as server:
        statuses = burst(server, "not the password")
        assert set(statuses) <= {401, 429}, statuses
        assert statuses.count(401) == limit, statuses
        # That address is refused even the right password now; the owner, elsewhere, signs in.
        assert SignInPage(server).submit(EMAIL, PASSWORD) == 429
        assert SignInPage(server, source="127.0.0.2").submit(EMAIL, PASSWORD) == 302


def test_control_counting_after_the_check_lets_more_checks_through(app, database_url, summit):
    make_user("organiser", EMAIL)
    limit = app.config["LOGIN_ATTEMPTS_PER_ADDRESS"]
    with gunicorn(database_url, app="support.live_app:make(naive_login_throttle=True)") as server:
        statuses = burst(server, "not the password")
    checked = [status for status in statuses if status != 429]  # a 5xx too had its password checked
    assert len(checked) > limit, f"only {len(checked)} checks got through: the burst did not race {statuses}"
