"""Every view that follows a ?next= goes only to a path on this site (summit.web.redirects.safe_next).

A table of hostile values, each sent to every such view: the answer is a redirect to the view's
own fallback (or a 400, for NUL, which no view even reads), never to another site and never a 500.
The browser's reading is what counts: it drops tabs and line breaks anywhere in a Location header
and reads a backslash as a slash, so "/\\t/evil.example" is "//evil.example" to it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.app import csrf_token
from support.console_support import PASSWORD, make_user, same_origin, sign_in

HOSTILE = [
    "/\t/evil.example",          # the issue's ?next=/%09/evil.example: a browser reads //evil.example
    "/\n/evil.example",          # the 500: a line break cannot go into a header
    "/\r\nSet-Cookie: x=1",
    "/\x0b/evil.example", "/\x1f/evil.example", "/\x7f/evil.example", "/\x85/evil.example",
    "\t//evil.example", " //evil.example", "//evil.example", "///evil.example", "//evil.example/agenda",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example",
    "https://evil.example/", "http:/evil.example", "HTTPS://evil.example", "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "evil.example", "agenda", "%2F%2Fevil.example",
    "", "/" + "a" * 3000, "/\x00/evil.example",
]
FINE = ["/agenda", "/agenda?lang=zh", "/routes#r1", "/console/delegates?q=Wang%20Wei", "/%2F%2Fevil.example"]


def views(client, summit):
    """(name, a client for it, how to ask it to follow next, where it goes without one)."""
    signed_in = sign_in(client, "organiser", "next-organiser@example.org")
    make_user("organiser", "next-login@example.org")

    def language(c, target):
        return c.get("/language/zh", query_string={"next": target})

    def login_page_when_signed_in(c, target):
        return c.get("/console/login", query_string={"next": target})

    def login(_, target):
        c = same_origin(client.application.test_client())  # signed out, each time
        page = c.get("/console/login").get_data(as_text=True)
        return c.post("/console/login", query_string={"next": target}, data={
            "csrf_token": csrf_token(page), "email": "next-login@example.org", "password": PASSWORD})

    anonymous = same_origin(client.application.test_client())
    return [("language switch", anonymous, language, "/"),
            ("console login, already signed in", signed_in, login_page_when_signed_in, "/console/"),
            ("console login", anonymous, login, "/console/")]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_next_never_leaves_the_site(client, summit, target):
    for name, asker, follow, fallback in views(client, summit):
        response = follow(asker, target)
        where = (name, target)
        if "\x00" in target:
            assert response.status_code == 400, where  # refused before any view (summit.plumbing.request_input)
            continue
        assert response.status_code == 302, (where, response.status_code)
        assert response.headers["Location"] == fallback, (where, response.headers["Location"])


@pytest.mark.parametrize("target", FINE)
def test_a_path_on_this_site_is_followed(client, summit, target):
    for name, asker, follow, _ in views(client, summit):
        response = follow(asker, target)
        assert response.status_code == 302 and response.headers["Location"] == target, (name, target)


def test_every_view_that_reads_next_goes_through_safe_next():
    """So a new view cannot follow a next of its own: every read of "next" in the code is a safe_next call."""
    package = Path(__file__).resolve().parents[2] / "summit"
    reads = []
    for path in package.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"""args\.get\(\s*["']next["']|args\[\s*["']next["']|form\.get\(\s*["']next["']""", line):
                reads.append((path.name, number, line))
    assert reads, "the views that read next moved: update this test"
    assert all("safe_next(" in line for _, _, line in reads), reads
