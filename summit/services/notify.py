"""Telling delegates what happened: email when SMTP is configured, the log in development.

A message carries the delegate's secret manage link, so in production without
SMTP we log only that a message could not be sent, never its body.

With SMTP, the message is handed to this process's mail thread, which writes it
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

from ..request_id import current_request_id

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
    """A message as the request leaves it.  The mail thread writes it out as MIME: the email package
    takes about a millisecond for that, which would show in the timing of the lost-link page for a
    registered address only (services/new_links.py)."""

    sender: str
    to: str
    subject: str
    text: str
    html: str | None


def send_message(to: str, subject: str, body: str, html: str | None = None) -> bool:
    """Send (or queue for sending); True when handed to SMTP or its queue, or logged in development.

    ``body`` is the text; with ``html`` the message is multipart/alternative, the text first (what a
    client that shows no HTML reads), then the HTML.  The development log shows the text.  Never raises.
    """
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        if config.get("SUMMIT_ENV") == "production":
            log.warning("mail not configured: message %r to a delegate was not sent", subject)
            return False
        log.info("mail (development, not sent) to %s\nSubject: %s\n\n%s", to, subject, body)
        return True
    letter = _Letter(config["MAIL_FROM"], to, subject, body, html)
    server = _Server(config["MAIL_SERVER"], config["MAIL_PORT"], bool(config.get("MAIL_USE_TLS")),
                     config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD"))
    request_id = current_request_id()
    if config.get("MAIL_DELIVERY") == "inline":
        return _deliver(server, letter, request_id, retry_delays=())
    _mail_thread().submit(_deliver, server, letter, request_id)
    return True


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
            with smtplib.SMTP(server.host, server.port, timeout=10) as smtp:
                if server.use_tls:
                    smtp.starttls()
                if server.username:
                    smtp.login(server.username, server.password or "")
                smtp.send_message(message)
            return True
        except (OSError, smtplib.SMTPException):
            last = attempt == len(retry_delays)
            log.exception("could not send %r%s", letter.subject,
                          "; giving up" if last else f"; trying again in {retry_delays[attempt]} s",
                          extra=context)
    return False



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
