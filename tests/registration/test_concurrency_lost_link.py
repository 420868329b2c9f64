"""Lost-link requests, new links opened and calendar links reset, many at once: a real gunicorn server
with several worker processes, on SQLite and (with SUMMIT_TEST_DATABASE_URL) on PostgreSQL.

No answer may be a 5xx: each of these services takes its write transaction first (BEGIN IMMEDIATE on
SQLite), so parallel writers queue.  The control, on SQLite: the same crowd against the app without
that write transaction does fail with "database is locked", which proves the run exercises the race.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from support.app import csrf_token
from support.factories import register
from support.live_server import gunicorn
from summit.plumbing.extensions import db
from summit.models import Delegate

pytestmark = pytest.mark.slow

MAIL = "mail (development, not sent) to "


class Browser:
    """One visitor: a session cookie of their own, and the CSRF token of the last form read."""

    def __init__(self, server):
        self.server, self.cookie, self.token = server, "", ""

    def read(self, path: str) -> int:
        status, headers, body = self.server.fetch("GET", path, headers={"Cookie": self.cookie})
        if "set-cookie" in headers:
            self.cookie = headers["set-cookie"].split(";", 1)[0]
        if status == 200:
            self.token = csrf_token(body.decode())
        return status

    def send(self, path: str, **fields) -> int:
        status, _, _ = self.server.fetch(
            "POST", path, body=urlencode({"csrf_token": self.token, **fields}).encode(),
            headers={"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"})
        return status


def at_once(calls):
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def mailed(server, email: str) -> list[str]:
    """The manage paths mailed to ``email``, in the order sent (development mail goes to the log)."""
    return [re.search(r"/manage/[\w-]{40,}", chunk).group(0)
            for chunk in server.log().split(MAIL)[1:] if chunk.startswith(email + "\n")]


def lost_link_crowd(server, emails: list[str]) -> list[int]:
    browsers = [Browser(server) for _ in emails]
    assert at_once([lambda b=b: b.read("/manage/lost-link") for b in browsers]) == [200] * len(emails)
    return at_once([lambda b=b, e=e: b.send("/manage/lost-link", email=e) for b, e in zip(browsers, emails)])


def test_parallel_lost_links_openings_and_calendar_resets_never_fail(database_url, summit):
    people = [register(summit, email=f"crowd{i}@example.org") for i in range(10)]
    asked = [p.delegate.email for p in people] + ["crowd0@example.org"] * 6 + [f"nobody{i}@example.org" for i in range(6)]
    with gunicorn(database_url) as server:
        answers = lost_link_crowd(server, asked)
        assert answers == [302] * len(asked), answers
        assert "database is locked" not in server.log()

        # Nothing was revoked; of the links mailed to one address at once, only the newest waits.
        assert {Browser(server).read(f"/manage/{p.manage_token}") for p in people} == {200}
        server.wait_for_log(lambda log: log.count(MAIL) >= 16)  # mail leaves after the answer
        links = {p.delegate.email: mailed(server, p.delegate.email) for p in people}
        assert [len(links[p.delegate.email]) for p in people] == [7] + [1] * 9
        assert sorted(Browser(server).read(link) for link in links["crowd0@example.org"]) == [200] + [404] * 6
        waiting = [next(link for link in links[p.delegate.email] if Browser(server).read(link) == 200)
                   for p in people]

        # Every delegate opens their link, twice at once (a double click): each opens it exactly once.
        clicks = [Browser(server) for _ in range(2 * len(people))]
        for browser, link in zip(clicks, waiting * 2):
            assert browser.read(link) == 200
        assert at_once([lambda b=b, l=l: b.send(l + "/open") for b, l in zip(clicks, waiting * 2)]) == \
            [302] * len(clicks)
        assert {Browser(server).read(f"/manage/{p.manage_token}") for p in people} == {404}
        assert {Browser(server).read(link) for link in waiting} == {200}

        # One delegate resets their calendar link from six tabs at once: six resets, none lost.
        tabs = [Browser(server) for _ in range(6)]
        for tab in tabs:
            assert tab.read(waiting[1] + "/calendar-reset") == 200
        assert at_once([lambda t=t: t.send(waiting[1] + "/calendar-reset") for t in tabs]) == [302] * 6
        assert "database is locked" not in server.log()
    db.session.rollback()
    assert db.session.get(Delegate, people[1].delegate.id, populate_existing=True).calendar_token_version == 1 + 6


def test_control_the_same_crowds_fail_without_the_write_transaction(database_url, summit):
    """Proves the test above can fail: the services as they were, under the same crowds.

    SQLite: lost-link requests fail with "database is locked".  PostgreSQL (which takes its row
    locks as it writes, so nothing fails there): calendar resets that read and write back lose some.
    """
    people = [register(summit, email=f"crowd{i}@example.org") for i in range(10)]
    with gunicorn(database_url, app="support.live_app:make(naive_lost_link=True)") as server:
        if database_url.startswith("sqlite"):
            answers = lost_link_crowd(server, [p.delegate.email for p in people] * 3)
            assert any(status >= 500 for status in answers), answers
            assert "database is locked" in server.log()
            return
        page = f"/manage/{people[0].manage_token}/calendar-reset"
        tabs = [Browser(server) for _ in range(12)]
        for tab in tabs:
            assert tab.read(page) == 200
        assert at_once([lambda t=t: t.send(page) for t in tabs]) == [302] * 12
    db.session.rollback()
    assert db.session.get(Delegate, people[0].delegate.id, populate_existing=True).calendar_token_version < 1 + 12
