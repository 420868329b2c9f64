"""The durable mail outbox (summit/services/outbox): written with the change that causes it, sent once.

A row is written in the transaction of the change (a rollback leaves none), survives the process that
wrote it (a fresh server sends it), is claimed by one drainer only (several gunicorn workers drain the
same rows; the control, a claim without its condition, sends some twice), and a refused send is tried
again and finally marked failed with its error.
"""
from __future__ import annotations

import email
import socket
import time
from collections import Counter
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import func, insert, select

from support.app import _empty_tables, make_app
from support.factories import register, route, set_capacity
from support.live_server import gunicorn
from support.smtp_sink import smtp_sink
from summit.models import OutboxMail, RouteBooking, utcnow
from summit.plumbing import mail_transport
from summit.plumbing.extensions import db
from summit.services import outbox
from summit.services.registration import delegates
from summit.services.summits.current import current_summit
from summit.services.summits.seeding import seed_summit

PROMOTION = {"delegate": {"full_name": "Ada Lovelace", "addressed_name": "Ada Lovelace", "booking": None}, "summit_name": "GSTF",
             "booking": {"status": "confirmed", "route": {"code": "R1", "name_zh": "线路一", "name_en": "Route one"}}}


@pytest.fixture
def mail_app(database_url):
    apps = []

    def make(**settings):
        app = make_app(database_url, MAIL_USE_TLS=False, **settings)
        apps.append(app)
        return app

    yield make
    mail_transport.wait_for_pending_mail()
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    _empty_tables(database_url)


def refusing_port() -> int:
    with socket.socket() as unused:  # a port nobody listens on: every connection is refused
        unused.bind(("127.0.0.1", 0))
        return unused.getsockname()[1]


def recipients(inbox: list[str]) -> Counter:
    return Counter(email.message_from_string(raw, policy=policy.default)["To"] for raw in inbox)


def mails() -> list[OutboxMail]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def waiting_pair(summit):
    """One delegate holding R1's only place and one waiting for it."""
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    holder = register(summit, email="holder@example.org", route_id=r1.id)
    waiting = register(summit, email="waiting@example.org", route_id=r1.id, join_waitlist=True, language="zh")
    return holder.delegate, waiting.delegate


# ------------------------------------------------------------------ written in the same transaction

def test_a_rolled_back_promotion_leaves_no_mail_and_a_committed_one_leaves_one(mail_app):
    app = mail_app(MAIL_OUTBOX_DELIVERY="background", MAIL_OUTBOX_POLL=0)
    with app.app_context():
        seed_summit()
        holder, waiting = waiting_pair(current_summit())
        mail_transport.wait_for_pending_mail()
        before = len(mails())  # the confirmations go by the mail thread, not the outbox

        def fail(_delegate, _change):
            raise RuntimeError("the change fails after the promotion was decided")

        with pytest.raises(RuntimeError):
            delegates.cancel(holder, before_commit=fail)
        assert len(mails()) == before == 0
        assert db.session.scalars(select(RouteBooking.status)
                                  .where(RouteBooking.delegate_id == waiting.id)).one() == "waitlisted"

        delegates.cancel(holder)  # the control: the same change, committed, writes its mail with it
        [mail] = mails()
        assert (mail.template, mail.to, mail.language, mail.delegate_id) == (
            "promotion_notice", "waiting@example.org", "zh", waiting.id)
        mail_transport.wait_for_pending_mail()  # woken after the commit, in the mail thread
        assert mails()[0].status == "sent" and mails()[0].attempts == 1


def test_woken_after_the_commit_the_mail_thread_sends_the_notice(mail_app):
    with smtp_sink() as (host, port, inbox):
        app = mail_app(MAIL_SERVER=host, MAIL_PORT=port, MAIL_OUTBOX_DELIVERY="background", MAIL_OUTBOX_POLL=0)
        with app.app_context():
            seed_summit()
            holder, _waiting = waiting_pair(current_summit())
            mail_transport.wait_for_pending_mail()
            inbox.clear()
            delegates.cancel(holder)
            mail_transport.wait_for_pending_mail()
            assert recipients(inbox) == {"waiting@example.org": 1}
            message = email.message_from_string(inbox[0], policy=policy.default)
            assert message["Subject"].startswith("名额") or "R1" in message["Subject"]


# ------------------------------------------------------------------ retries and failure

def test_a_refused_mail_is_tried_again_with_backoff_then_failed_with_its_error(mail_app):
    app = mail_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=refusing_port(), MAIL_OUTBOX_RETRY_DELAYS=(0.2, 0.2, 0.2))
    with app.app_context():
        seed_summit()
        holder, _waiting = waiting_pair(current_summit())
        delegates.cancel(holder)  # inline: drained once right after the commit, and refused
        [mail] = mails()
        assert (mail.status, mail.attempts) == ("pending", 1)
        assert "ConnectionRefusedError" in mail.last_error
        assert mail.next_attempt_at > utcnow()  # not again at once: after the first delay
        assert outbox.drain(app) == 0 and mails()[0].attempts == 1  # not due yet
        for attempt in (2, 3, 4):
            time.sleep(0.25)
            outbox.drain(app)
            assert mails()[0].attempts == attempt
        [mail] = mails()
        assert (mail.status, mail.attempts, mail.claimed_by) == ("failed", 4, None)
        assert "ConnectionRefusedError" in mail.last_error
        time.sleep(0.25)
        assert outbox.drain(app) == 0 and mails()[0].attempts == 4  # failed stays failed


def test_a_mail_refused_once_is_sent_on_the_next_try_and_the_log_shows_the_retry(mail_app):
    app = mail_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=refusing_port(), MAIL_OUTBOX_RETRY_DELAYS=(0.1, 0.1, 0.1))
    with smtp_sink() as (host, port, inbox):
        with app.app_context():
            seed_summit()
            holder, _waiting = waiting_pair(current_summit())
            delegates.cancel(holder)
            assert mails()[0].status == "pending"
            app.config["MAIL_PORT"] = port  # the mail server is back
            time.sleep(0.15)
            assert outbox.drain(app) == 1
            [mail] = mails()
            assert (mail.status, mail.attempts) == ("sent", 2) and mail.sent_at is not None
            assert "ConnectionRefusedError" in mail.last_error  # what went wrong before, kept
    assert recipients(inbox) == {"waiting@example.org": 1}


def test_a_drainer_does_not_take_a_mail_another_holds_under_a_live_lease_but_takes_it_once_the_lease_ran_out(
        mail_app):
    with smtp_sink() as (host, port, inbox):
        app = mail_app(MAIL_SERVER=host, MAIL_PORT=port)
        with app.app_context():
            seed_summit()
            now = utcnow()
            db.session.execute(insert(OutboxMail), [
                {**outbox.row("promotion_notice", "held@example.org", "en", PROMOTION),
                 "status": "sending", "attempts": 1, "claimed_by": "someone", "lease_until": now + timedelta(minutes=5)},
                {**outbox.row("promotion_notice", "dead@example.org", "en", PROMOTION),
                 "status": "sending", "attempts": 1, "claimed_by": "died", "lease_until": now - timedelta(seconds=1)},
            ])
            db.session.commit()
            assert outbox.drain(app) == 1
            held, dead = mails()
            assert (held.status, held.claimed_by) == ("sending", "someone")
            assert (dead.status, dead.attempts) == ("sent", 2)
    assert recipients(inbox) == {"dead@example.org": 1}


# ------------------------------------------------------------------ restarts and several workers

ROWS = 40


def _leave_mail(app) -> None:
    """What a server that died left behind: pending rows, and one claimed whose lease has run out."""
    with app.app_context():
        seed_summit()
        rows = [outbox.row("promotion_notice", f"left{i}@example.org", "en" if i % 2 else "zh", PROMOTION)
                for i in range(ROWS)]
        rows.append({**outbox.row("promotion_notice", "claimed-by-the-dead@example.org", "en", PROMOTION),
                     "status": "sending", "attempts": 1, "claimed_by": "dead",
                     "lease_until": utcnow() - timedelta(seconds=1)})
        db.session.execute(insert(OutboxMail), rows)
        db.session.commit()
        db.session.remove()


def _drained_by_live_workers(mail_app, database_url, naive: bool, expected: int) -> tuple[Counter, list[OutboxMail]]:
    app = mail_app()
    _leave_mail(app)
    with smtp_sink() as (host, port, inbox):
        env = {"MAIL_SERVER": host, "MAIL_PORT": str(port), "MAIL_USE_TLS": "0", "MAIL_OUTBOX_POLL": "0.05",
               "SUMMIT_WORKERS": "4", "SUMMIT_ACCESS_LOG": "off", "SUMMIT_LOG_LEVEL": "warning"}
        live = f"support.live_app:make(naive_outbox={naive})"
        with gunicorn(database_url, app=live, env=env, config="python:summit.gunicorn_conf"):
            deadline = time.monotonic() + 60
            with app.app_context():
                while True:
                    db.session.rollback()
                    sent = db.session.scalar(select(func.count()).select_from(OutboxMail)
                                             .where(OutboxMail.status == "sent"))
                    if sent >= expected or time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
                time.sleep(0.5)  # a duplicate of a naive drainer may still be on its way
                rows = mails()
                db.session.remove()
        return recipients(inbox), rows


def test_mail_left_before_a_restart_is_sent_by_the_fresh_workers_once_each(mail_app, database_url):
    """Four gunicorn workers, each polling, drain the same 41 rows: every one sent, none twice."""
    sent, rows = _drained_by_live_workers(mail_app, database_url, naive=False, expected=ROWS + 1)
    assert all(row.status == "sent" for row in rows)
    assert len(sent) == ROWS + 1 and set(sent.values()) == {1}, sent.most_common(3)
    assert sent["claimed-by-the-dead@example.org"] == 1  # reclaimed once its lease ran out
    assert Counter(row.attempts for row in rows if row.to != "claimed-by-the-dead@example.org") == {1: ROWS}


def test_control_a_claim_without_its_condition_sends_some_mail_twice(mail_app, database_url):
    """The same drain with the claim's WHERE status='pending' taken away (race_controls.naive_outbox_claim)."""
    sent, _rows = _drained_by_live_workers(mail_app, database_url, naive=True, expected=ROWS)
    assert len(sent) >= ROWS  # (the naive claim never takes back a lapsed lease: not its point)
    assert max(sent.values()) > 1, "the control should have sent a mail twice"
