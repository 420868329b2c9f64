"""A delegate who lost their link asks for a new one on /manage/lost-link.

Typing someone's email must cost them nothing: the new link is mailed, and the working link keeps
working until the new one is opened and confirmed from its own page (a POST, so a mail scanner
fetching the link changes nothing).  The answer is the same, in content and in time, whether or not
the email is registered, and requests are limited per client address and per email.
"""
from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from support.app import csrf_token, make_app
from support.factories import register
from summit.plumbing.extensions import db
from summit.models import Delegate, utcnow
from summit.plumbing.mail_transport import wait_for_pending_mail

SITE = "https://summit.test"


def ask_for_a_new_link(client, email: str, lang: str = "en", **kwargs):
    page = client.get(f"/manage/lost-link?lang={lang}", **kwargs).get_data(as_text=True)
    return client.post(f"/manage/lost-link?lang={lang}", data={"csrf_token": csrf_token(page), "email": email},
                       **kwargs)


def mailed_links(caplog, email: str) -> list[str]:
    """The manage links mailed to ``email`` so far, oldest first (development mail goes to the log)."""
    wait_for_pending_mail()
    links = []
    for record in caplog.records:
        if record.name == "summit.mail" and record.args and record.args[0] == email:
            links += re.findall(re.escape(SITE) + r"(/manage/[\w-]{40,})", record.getMessage())
    return links


def open_new_link(client, link: str):
    """What the delegate does with the mail: open the link, and confirm on its page."""
    page = client.get(link)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    return client.post(action, data={"csrf_token": csrf_token(html)})


@pytest.fixture
def mail(caplog):
    caplog.set_level("INFO", logger="summit.mail")
    return caplog


def test_asking_for_a_new_link_revokes_nothing_until_the_new_link_is_opened(client, summit, mail):
    me = register(summit, email="kofi@example.gh")
    old = f"/manage/{me.manage_token}"

    response = ask_for_a_new_link(client, "  KOFI@example.gh ")  # as typed from memory
    assert response.status_code == 302
    sent = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "If that address is registered, a new link is on its way." in sent
    assert "your current link keeps working until you open the new one" in sent
    [new] = mailed_links(mail, "kofi@example.gh")
    assert new != old

    # Whoever typed the email (anyone can) has changed nothing: the working link works, page and API.
    assert client.get(old).status_code == 200
    bearer = {"Authorization": f"Bearer {me.manage_token}"}
    assert client.get("/api/v1/registrations/self", headers=bearer).status_code == 200

    # Opening the mailed link shows a page to confirm on; the GET alone (a mail scanner) changes nothing.
    confirm = client.get(new)
    assert confirm.status_code == 200 and "Use this link" in confirm.get_data(as_text=True)
    assert confirm.headers["Referrer-Policy"] == "no-referrer" and confirm.headers["Cache-Control"] == "no-store"
    assert client.get(old).status_code == 200
    # Until it is confirmed the new secret is no credential: not for the API, not for the other pages.
    new_token = new.rsplit("/", 1)[1]
    assert client.get("/api/v1/registrations/self",
                      headers={"Authorization": f"Bearer {new_token}"}).status_code == 401
    assert client.get(new + "/details").status_code == 404

    opened = open_new_link(client, new)
    assert opened.status_code == 302 and opened.headers["Location"].endswith(new)
    page = client.get(new).get_data(as_text=True)
    assert "This is now your personal link" in page
    assert client.get(old).status_code == 404
    assert client.get("/api/v1/registrations/self", headers=bearer).status_code == 401
    assert client.get("/api/v1/registrations/self",
                      headers={"Authorization": f"Bearer {new_token}"}).status_code == 200
    # Opened twice (a double click, a second tab): it simply is the link now.
    assert client.post(new + "/open", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert client.get(new).status_code == 200


def test_a_newer_request_replaces_the_older_link_and_a_link_expires_after_a_day(client, summit, mail):
    me = register(summit, email="ana@example.pt")
    old = f"/manage/{me.manage_token}"
    ask_for_a_new_link(client, "ana@example.pt")
    ask_for_a_new_link(client, "ana@example.pt")
    first, second = mailed_links(mail, "ana@example.pt")
    assert client.get(first).status_code == 404  # only the newest link waits
    assert client.get(second).status_code == 200

    # A day later the waiting link has expired: its page says so and offers another; nothing changes.
    db.session.execute(update(Delegate).values(pending_manage_token_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = client.get(second + "?lang=zh")
    html = expired.get_data(as_text=True)
    assert expired.status_code == 410 and "此链接已过期" in html and 'href="/manage/lost-link' in html
    token = csrf_token(client.get(old).get_data(as_text=True))
    assert client.post(second + "/open", data={"csrf_token": token}).status_code == 410
    assert client.get(old).status_code == 200

    # The lifetime is 24 hours from the request.
    ask_for_a_new_link(client, "ana@example.pt")
    db.session.expire_all()
    left = db.session.get(Delegate, me.delegate.id).pending_manage_token_expires_at - utcnow()
    assert timedelta(hours=23, minutes=59) < left <= timedelta(hours=24)


def test_a_cancelled_registration_gets_no_link_and_its_waiting_link_dies(client, summit, mail):
    me = register(summit, email="lin@example.cn")
    ask_for_a_new_link(client, "lin@example.cn")
    [new] = mailed_links(mail, "lin@example.cn")
    token = csrf_token(client.get(f"/manage/{me.manage_token}/cancel").get_data(as_text=True))
    client.post(f"/manage/{me.manage_token}/cancel", data={"csrf_token": token})
    assert client.get(new).status_code == 404
    ask_for_a_new_link(client, "lin@example.cn")
    assert mailed_links(mail, "lin@example.cn") == [new]


def comparable(response) -> tuple:
    """What an onlooker sees of an answer, less what differs on every request anyway."""
    headers = sorted((k, v) for k, v in response.headers.items() if k not in ("X-Request-ID", "Set-Cookie"))
    cookies = sorted(c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie"))
    body = re.sub(r'name="csrf_token"( type="hidden")? value="[^"]+"', "", response.get_data(as_text=True))
    return response.status_code, headers, cookies, body


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_answer_is_the_same_whether_or_not_the_email_is_registered(app, summit, lang):
    register(summit, email="known@example.org")
    answers = {}
    for email in ("known@example.org", "unknown@example.org"):
        client = app.test_client()
        posted = ask_for_a_new_link(client, email, lang)
        answers[email] = [comparable(posted), comparable(client.get(posted.headers["Location"]))]
    assert answers["known@example.org"] == answers["unknown@example.org"]


@pytest.mark.serial
def test_the_timing_does_not_tell_whether_the_email_is_registered(app, summit):
    """The registered path must do no more measurable work than the unknown one.

    Interleaved pairs, so that the machine's load (two shared cores) weighs on both alike; medians,
    so that a stall counts for nothing; the bound is generous against noise, yet tighter than the gap
    a database write and its commit make (a millisecond or more, far more on a busy disk).  A noisy
    round is measured once more.
    """
    register(summit, email="known@example.org")
    client = app.test_client()
    token = csrf_token(client.get("/manage/lost-link").get_data(as_text=True))

    def post(email, times):
        started = time.perf_counter()
        response = client.post("/manage/lost-link", data={"csrf_token": token, "email": email})
        times.append(time.perf_counter() - started)
        assert response.status_code == 302
        client.get(response.headers["Location"])  # reads the message, as a browser does, untimed
        wait_for_pending_mail()  # the mail, written after the answer, is no part of the next request

    def gap() -> tuple[float, float]:
        times = {"known@example.org": [], "nobody@example.org": []}
        for i in range(70):
            for email in (("known@example.org", "nobody@example.org") if i % 2 else
                          ("nobody@example.org", "known@example.org")):
                post(email, times[email])
        known, unknown = (statistics.median(times[e][10:]) for e in times)  # the first ones warm up
        return abs(known - unknown), max(0.0006, 0.15 * unknown)

    measured = [gap()]
    if measured[0][0] >= measured[0][1]:
        measured.append(gap())
    assert measured[-1][0] < measured[-1][1], measured


def test_a_mistyped_address_comes_back_with_the_text_kept_in_the_askers_language(client, summit):
    page = client.get("/manage/lost-link?lang=zh").get_data(as_text=True)
    response = client.post("/manage/lost-link?lang=zh", data={"csrf_token": csrf_token(page), "email": "kofi-at-gh"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "电子邮箱地址无效。" in html and 'value="kofi-at-gh"' in html
    response = client.post("/manage/lost-link?lang=en", data={"csrf_token": csrf_token(page), "email": " "})
    assert response.status_code == 422 and "This field is required." in response.get_data(as_text=True)
    # An expired form (no token) keeps the address too.
    response = client.post("/manage/lost-link?lang=en", data={"email": "kofi@example.gh"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "The page had expired" in html and 'value="kofi@example.gh"' in html


@pytest.mark.parametrize("lang, message", [("en", "Too many requests for a new link"), ("zh", "申请新链接的次数过多")])
def test_requests_are_limited_per_client_address_and_per_email(database_url, summit, lang, message):
    register(summit, email="victim@example.org")
    app = make_app(database_url, RATELIMIT_ENABLED=True, REGISTRATION_RATE_LIMIT="3 per minute",
                   LOST_LINK_EMAIL_RATE_LIMIT="2 per hour")
    client = app.test_client()

    def ask(email, address):
        return ask_for_a_new_link(client, email, lang, environ_base={"REMOTE_ADDR": address}).status_code

    # Per email, from whatever address: the third request for one email in the hour is refused,
    # registered or not (so a 429 tells nothing either).
    for email in ("victim@example.org", "nobody@example.org"):
        assert [ask(email, f"198.51.100.{i}") for i in (1, 2, 3)] == [302, 302, 429], email
    refused = ask_for_a_new_link(client, "Victim@Example.org", lang, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and message in html and 'value="Victim@Example.org"' in html
    assert int(refused.headers["Retry-After"]) > 0
    # Per address (shared with registering): a fourth request a minute from one address, whatever the email.
    assert [ask(f"someone{i}@example.org", "203.0.113.7") for i in range(4)] == [302, 302, 302, 429]
    assert ask("someone9@example.org", "203.0.113.8") == 302
