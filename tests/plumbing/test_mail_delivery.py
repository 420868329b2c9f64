"""Mail leaves after the answer: a registration never waits on the mail server, and nothing is lost."""
from __future__ import annotations

import email
import logging
import socket
import threading
from email import policy

import pytest

from support.app import _empty_tables, make_app
from support.factories import delegate_data, route
from support.smtp_sink import smtp_sink
from summit.plumbing.extensions import db
from summit.plumbing import mail_transport as notify
from summit.services.summits.seeding import seed_summit
from summit.services.summits.current import current_summit


@pytest.fixture
def mail_app(database_url):
    apps = []

    def make(**mail):
        app = make_app(database_url, MAIL_USE_TLS=False, **mail)
        apps.append(app)
        return app

    yield make
    notify.wait_for_pending_mail()
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    _empty_tables(database_url)


def test_registration_answers_while_the_mail_server_is_stalled_and_the_mail_follows(mail_app):
    stalled = threading.Event()
    with smtp_sink(hold=stalled) as (host, port, inbox):
        app = mail_app(MAIL_SERVER=host, MAIL_PORT=port)
        with app.app_context():
            seed_summit()
            r1 = route(current_summit(), "R1")
            # Sent inside the request, this would hang until the mail server answers, which it
            # does only once the answer below has been checked.
            answer = app.test_client().post("/api/v1/registrations",
                                            json=delegate_data(route_id=r1.id, email="stalled@example.org"))
            assert answer.status_code == 201 and inbox == []
            stalled.set()
            notify.wait_for_pending_mail()
    [raw] = inbox
    message = email.message_from_string(raw, policy=policy.default)
    assert message["To"] == "stalled@example.org"
    assert answer.get_json()["manage_url"] in message.get_body(("plain",)).get_content()


def test_a_refused_send_is_tried_again_then_logged_without_the_link(mail_app, monkeypatch, caplog):
    with socket.socket() as unused:  # a port nobody listens on: every connection is refused
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setattr(notify, "RETRY_DELAYS", (0.01, 0.01))
    app = mail_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    caplog.set_level(logging.ERROR, logger="summit.mail")
    with app.app_context():
        seed_summit()
        answer = app.test_client().post("/api/v1/registrations", json=delegate_data())
        notify.wait_for_pending_mail()
    assert answer.status_code == 201
    tries = [r.getMessage() for r in caplog.records if r.name == "summit.mail"]
    assert len(tries) == 3 and tries[-1].endswith("giving up") and "trying again" in tries[0]
    assert all(r.request_id == answer.headers["X-Request-ID"] for r in caplog.records if r.name == "summit.mail")
    assert answer.get_json()["token"] not in caplog.text


def test_inline_delivery_sends_before_the_answer(mail_app, monkeypatch):
    def no_mail_thread():
        raise AssertionError("inline delivery handed the message to the mail thread")

    monkeypatch.setattr(notify, "_mail_thread", no_mail_thread)
    with smtp_sink() as (host, port, inbox):
        app = mail_app(MAIL_SERVER=host, MAIL_PORT=port, MAIL_DELIVERY="inline")
        with app.app_context():
            seed_summit()
            assert app.test_client().post("/api/v1/registrations", json=delegate_data()).status_code == 201
            assert len(inbox) == 1
