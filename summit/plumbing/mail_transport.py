"""Telling delegates what happened: email when SMTP is configured, the log in development.

A message carries the delegate's secret manage link, so in production without
SMTP we log only that a message could not be sent, never its body.

The message is handed to this process's mail thread, which renders it, writes it
out as MIME and talks to the mail server after the answer has gone: a
registration must not wait on a mail server (a flash crowd of them would tie up
every worker thread for as long as SMTP takes, or hangs).  A failed send is
retried a few times.  Pending messages are still sent when the process exits
normally (gunicorn's graceful restart or stop); ``MAIL_DELIVERY=inline`` sends
inside the request instead.
"""
from __future__ import annotations

import logging
import smtplib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from functools import partial
from typing import Protocol

from flask import Flask, after_this_request, current_app, g, has_request_context

from .request_id import current_request_id

log = logging.getLogger("summit.mail")

#: seconds to wait before each new try after a failure
RETRY_DELAYS = (2, 10, 30)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None  # this process's mail thread, see _mail_thread()


@dataclass(frozen=True)
class _Server:
    host: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None


@dataclass(frozen=True)
class _Letter:
    sender: str
    to: str
    subject: str
    text: str
    html: str | None
    cc: str | None = None


class Written(Protocol):
    """What ``send``'s ``write`` returns (mail_templates.Email is one)."""

    subject: str
    text: str
    html: str | None


def send(to: str, write: Callable[[], Written], what: str, *,
         on_sent: Callable[[], None] | None = None) -> None:
    """Hand a message to ``to`` to this process's mail thread, which writes it and sends it.

    ``write()`` renders the message (subject, text, and HTML or None); it runs in the mail thread,
    inside an app context, so it must hold plain values, not database rows.  The request thus
    neither renders nor waits: the lost-link page renders a mail for a registered address only,
    and its timing must not tell (services/registration/new_links.py).  The email package's MIME writing
    (about a millisecond) happens there too.  ``what`` names the message in the log when it
    cannot be sent.  With ``html`` the message is multipart/alternative, the text first (what a
    client that shows no HTML reads).  In development the text goes to the log instead.  Never raises.
    ``on_sent()`` runs in the mail thread, inside an app context, once the message has gone (a record of it).
    """
    app = current_app._get_current_object()
    config = app.config
    if not config.get("MAIL_SERVER") and config.get("SUMMIT_ENV") == "production":
        log.warning("mail not configured: a %r message to a delegate was not sent", what)
        return
    server = None
    if config.get("MAIL_SERVER"):
        server = _Server(config["MAIL_SERVER"], config["MAIL_PORT"], bool(config.get("MAIL_USE_TLS")),
                         config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD"))
    job = partial(_write_and_deliver, app, server, config.get("MAIL_FROM"), to, write, what,
                  current_request_id(), on_sent=on_sent)
    if config.get("MAIL_DELIVERY") == "inline":
        job(retry_delays=())
    elif has_request_context():
        _after_the_answer(job)
    else:  # a command or a job: no answer to wait for
        _mail_thread().submit(job)


def _after_the_answer(job) -> None:
    """Queue ``job`` once the answer has gone: when the server closes the response it sent.

    Queued at once, the mail thread would wake inside the request and take the interpreter at the
    request's next database call, so a request that sends mail would take longer than one that
    does not, however little it did itself (the lost-link page, services/registration/new_links.py).
    A request that ends without a response (an error that escaped) queues its mail at its teardown.
    """
    jobs = g.setdefault("summit_mail_jobs", [])
    jobs.append(job)
    if len(jobs) > 1:
        return

    @after_this_request
    def _queue_when_closed(response):
        g.summit_mail_jobs = []  # the response has them now; teardown finds none left
        response.call_on_close(lambda: [_mail_thread().submit(queued) for queued in jobs])
        return response


def _queue_what_no_response_took(_error=None) -> None:
    for job in g.pop("summit_mail_jobs", None) or ():
        _mail_thread().submit(job)


def init_app(app: Flask) -> None:
    app.teardown_request(_queue_what_no_response_took)


def _write_and_deliver(app: Flask, server: _Server | None, sender: str, to: str, write, what: str,
                       request_id: str | None, retry_delays=None, on_sent=None) -> bool:
    sent = _write_and_deliver_once(app, server, sender, to, write, what, request_id, retry_delays)
    if sent and on_sent is not None:
        try:
            with app.app_context():
                on_sent()
        except Exception:  # the record is a nicety; the mail has gone either way
            log.exception("a %r message was sent but could not be recorded", what,
                          extra={"request_id": request_id or "-"})
    return sent


def _write_and_deliver_once(app: Flask, server: _Server | None, sender: str, to: str, write, what: str,
                            request_id: str | None, retry_delays=None) -> bool:
    context = {"request_id": request_id or "-"}
    try:
        with app.app_context():
            written = write()
    except Exception:  # a template error; logged, and the thread lives on for the next message
        log.exception("could not write a %r message; not sent", what, extra=context)
        return False
    if server is None:
        log.info("mail (development, not sent) to %s\nSubject: %s\n\n%s", to, written.subject, written.text,
                 extra=context)
        return True
    letter = _Letter(sender, to, written.subject, written.text, written.html)
    return _deliver(server, letter, request_id, retry_delays)


def wait_for_pending_mail(timeout: float = 30) -> None:
    """Block until every message queued so far is sent or given up (tests; tools)."""
    with _lock:
        executor = _executor
    if executor is not None:
        executor.submit(lambda: None).result(timeout=timeout)  # one thread: runs after all queued before it


def _compose(letter: _Letter) -> EmailMessage:
    message = EmailMessage()
    message["From"] = letter.sender
    message["To"] = letter.to
    if letter.cc:
        message["Cc"] = letter.cc
    message["Subject"] = letter.subject
    message.set_content(letter.text)
    if letter.html is not None:
        message.add_alternative(letter.html, subtype="html")
    return message


def _deliver(server: _Server, letter: _Letter, request_id: str | None, retry_delays=None) -> bool:
    context = {"request_id": request_id or "-"}
    if retry_delays is None:
        retry_delays = RETRY_DELAYS
    try:
        message = _compose(letter)
    except (ValueError, TypeError):  # a header the email package refuses; logged, and the thread lives on
        log.exception("could not write %r; not sent", letter.subject, extra=context)
        return False
    for attempt, delay in enumerate((0, *retry_delays)):
        time.sleep(delay)
        try:
            _smtp_send(server, message)
            return True
        except (OSError, smtplib.SMTPException):
            last = attempt == len(retry_delays)
            log.exception("could not send %r%s", letter.subject,
                          "; giving up" if last else f"; trying again in {retry_delays[attempt]} s",
                          extra=context)
    return False


def _smtp_send(server: _Server, message: EmailMessage) -> None:
    with smtplib.SMTP(server.host, server.port, timeout=10) as smtp:
        if server.use_tls:
            smtp.starttls()
        if server.username:
            smtp.login(server.username, server.password or "")
        smtp.send_message(message)


class DeliveryFailed(Exception):
    """One try at sending did not work; the message says why (no part of the mail's body)."""


def _server(config) -> _Server | None:
    if not config.get("MAIL_SERVER"):
        return None
    return _Server(config["MAIL_SERVER"], config["MAIL_PORT"], bool(config.get("MAIL_USE_TLS")),
                   config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD"))


def deliver_once(to: str, written: Written, *, cc: str | None = None) -> None:
    """Send one message now, once, in this thread (the outbox's drainer, services/outbox): no retries
    here, the caller keeps the count.  Raises DeliveryFailed.  In development without MAIL_SERVER
    the text goes to the log, as ``send`` does; in production without it, nothing can be sent."""
    config = current_app.config
    server = _server(config)
    if server is None:
        if config.get("SUMMIT_ENV") == "production":
            raise DeliveryFailed("mail not configured (MAIL_SERVER is not set)")
        log.info("mail (development, not sent) to %s%s\nSubject: %s\n\n%s", to, f" (cc {cc})" if cc else "",
                 written.subject, written.text)
        return
    letter = _Letter(config.get("MAIL_FROM"), to, written.subject, written.text, written.html, cc)
    try:
        message = _compose(letter)
    except (ValueError, TypeError) as exc:
        raise DeliveryFailed(f"could not write the message: {exc}") from exc
    try:
        _smtp_send(server, message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500]) from exc


def in_mail_thread(job: Callable[[], object]) -> None:
    """Run ``job`` in this process's mail thread, after what is queued there already."""
    _mail_thread().submit(job)


def _mail_thread() -> ThreadPoolExecutor:
    """This process's mail thread, started on first use (so after gunicorn's fork, never before).

    One thread: messages leave in the order they were written, and a slow mail server
    slows only the mail.  Its queue is drained when the interpreter exits.
    """
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="summit-mail")
        return _executor
