"""The durable outbox: mail written in the same transaction as the change that causes it, sent by a drainer.

Why: ``mail_transport.send`` hands a mail to this process's mail thread, and a worker killed before the
thread got to it loses the mail.  A row in ``mail_outbox`` is committed together with the decision, the
promotion or the message that causes it (or rolled back with it), and stays until it is sent.

What goes through it: the notices that carry no secret (a promotion from the waiting list, an
accreditation decision) and the organisers' messages (services/messages).  The confirmation and the
new-link mail stay on ``mail_transport.send``: they carry a delegate's manage link, whose secret is
stored only hashed, and an outbox row would keep it in clear in the database (and in its backups);
the lost-link page must also cost a registered address no more than an unknown one
(tests/registration/test_lost_link.py), and a row insert would be such a cost.

The drainer (``drain``) runs in the process's mail thread: woken after a commit that wrote rows, and
every ``MAIL_OUTBOX_POLL`` seconds by a poller thread (so rows written by a process that died, or due
for a retry, are found).  ``MAIL_DELIVERY=inline`` (or ``MAIL_OUTBOX_DELIVERY=inline`` for the outbox
alone) drains right after the commit, in the thread that committed: development, and the test suite,
whose test bodies write between requests and must not race a drainer writing from another thread.

- Claim: ``UPDATE … SET status='sending', claimed_by=<random token>, lease_until=now+lease,
  attempts=attempts+1 WHERE id=? AND (status='pending' AND next_attempt_at<=now OR status='sending'
  AND lease_until<now)``.  Only one claimer's UPDATE matches (PostgreSQL re-checks the WHERE on the
  row it waited for; SQLite runs one writer at a time), so two drainers never both send a row.
- Lease: a claim holds for ``MAIL_OUTBOX_LEASE`` seconds (300); a row still 'sending' after that was
  claimed by a process that died, and is claimed again.  Marking sent or failed is conditional on the
  claim token, so a claimer that lost its lease cannot overwrite the new one's outcome.
- Retry: a failed try puts the row back to 'pending' after 2, 10, then 30 s (``MAIL_OUTBOX_RETRY_DELAYS``),
  with the error kept in ``last_error``; after the last delay it is 'failed'.
- Exactly once: one row per recipient per message (UNIQUE(message_id, delegate_id)), and one sender
  per row.  The one gap no outbox closes: a process that dies after the mail server took the mail and
  before 'sent' is committed; after the lease, that mail goes once more.
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
from datetime import timedelta
from functools import partial
from types import SimpleNamespace

from flask import Flask, current_app
from sqlalchemy import and_, event, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from ...models import Delegate, Message, OutboxMail, utcnow
from ...plumbing import mail_transport
from ...plumbing.database import SQLITE_BEGIN_OPTION, in_writing_block, writing
from ...plumbing.extensions import db
from ...plumbing.mail_templates import render_email
from ...plumbing.urls import calendar_url
from ..calendar.tokens import calendar_token
from ..console.audit import jsonable

log = logging.getLogger("summit.mail")

RETRY_DELAYS = (2, 10, 30)
LEASE_SECONDS = 300
POLL_SECONDS = 5
BATCH = 50
ERROR_MAX = 500
#: Session.info key: the app whose drainer to wake once this transaction commits
_WAKE = "summit_outbox_wake"
_STATE = "summit.outbox"


# ------------------------------------------------------------------------------------------- writing rows

def enqueue(template: str, to: str, language: str, context: dict, *, delegate_id: int | None = None,
            message_id: int | None = None, cc: str | None = None) -> None:
    """Add one mail to the current write transaction; it is sent once that commits.

    ``context``: the template's variables, plain values (dataclasses and dicts are fine: a template
    reads ``a.b`` from a dict too).  Never a secret (the module's docstring says why).  Outside a
    ``writing()`` block the row gets a write transaction of its own.
    """
    enqueue_many([_row(template, to, language, context, delegate_id, message_id, cc)])


def sent_recorder(template: str, to: str, language: str, delegate_id: int):
    """What records a mail sent past the outbox (the confirmation, whose manage link must not be
    stored): ``mail_transport.send``'s ``on_sent``, run in the mail thread once the
    mail has gone, so the request that caused it pays nothing.  With the outbox delivering inline
    (development, the test suite, whose bodies must not race a writer in another thread) the row is
    written now and there is nothing left for the mail thread (None)."""
    record = partial(record_sent, template, to, language, delegate_id)
    if delivery(current_app) == "inline":
        record()
        return None
    return record


def record_sent(template: str, to: str, language: str, delegate_id: int) -> None:
    """A row already ``sent``, with no context: the delegate's data copy lists the messages sent to
    them from these rows (services/privacy/data_copy.py).  In the current write transaction, if any.

    One ``INSERT … SELECT … FROM delegate WHERE erased_at IS NULL``: a delegate erased while the mail
    was on its way gets no row (keep nothing of theirs), without a statement to look first."""
    if not in_writing_block():
        with writing(keep_state=True):  # inline (tests, development): what the request holds stays loaded
            record_sent(template, to, language, delegate_id)
        return
    now = utcnow()
    values = {"template": template, "to": to, "language": language, "context": {}, "status": "sent",
              "attempts": 1, "next_attempt_at": now, "created_at": now, "sent_at": now}
    columns = [OutboxMail.__table__.c[name] for name in values]
    source = select(*(literal(value, column.type) for value, column in zip(values.values(), columns)),
                    Delegate.id).where(Delegate.id == delegate_id, Delegate.erased_at.is_(None))
    db.session.execute(insert(OutboxMail).from_select([*columns, OutboxMail.__table__.c.delegate_id], source))


def row(template: str, to: str, language: str, context: dict, *, delegate_id: int | None = None,
        message_id: int | None = None, cc: str | None = None) -> dict:
    """One row's values for ``enqueue_many``."""
    return _row(template, to, language, context, delegate_id, message_id, cc)


def _row(template, to, language, context, delegate_id, message_id, cc) -> dict:
    now = utcnow()
    return {"template": template, "to": to, "cc": cc, "language": language, "context": jsonable(_plain(context)),
            "delegate_id": delegate_id, "message_id": message_id, "status": "pending", "attempts": 0,
            "next_attempt_at": now, "created_at": now}


def enqueue_many(rows: list[dict]) -> None:
    """Insert many rows in one statement (a message to thousands), in the current write transaction."""
    if not rows:
        return
    session = db.session()
    if not in_writing_block():
        with writing():
            _insert(session, rows)
        return
    _insert(session, rows)


def _insert(session: Session, rows: list[dict]) -> None:
    session.execute(insert(OutboxMail), rows)
    session.info[_WAKE] = current_app._get_current_object()


def _plain(value):
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    app = session.info.pop(_WAKE, None)
    if app is not None:
        wake(app)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_WAKE, None)


# ------------------------------------------------------------------------------------------- the drainer

def wake(app: Flask) -> None:
    """Have ``app``'s rows sent: now, in this thread (MAIL_DELIVERY=inline), else in the mail thread."""
    start_poller(app)
    if delivery(app) == "inline":
        drain(app)
        return
    state = _state(app)
    with state.lock:
        if state.queued:  # a drain already waits in the mail thread: it will see these rows too
            return
        state.queued = True
    mail_transport.in_mail_thread(partial(_queued_drain, app))


def delivery(app: Flask) -> str:
    """"inline" (drain in the thread that committed) or "background" (the mail thread):
    MAIL_OUTBOX_DELIVERY, else MAIL_DELIVERY's choice."""
    return app.config.get("MAIL_OUTBOX_DELIVERY") or app.config.get("MAIL_DELIVERY") or "background"


def _queued_drain(app: Flask) -> None:
    state = _state(app)
    with state.lock:
        state.queued = False
    try:
        drain(app)
    except Exception:  # the database away for a moment: the poller tries again
        log.exception("the outbox could not be drained")


def _state(app: Flask) -> SimpleNamespace:
    state = app.extensions.get(_STATE)
    if state is None:
        state = app.extensions.setdefault(_STATE, SimpleNamespace(lock=threading.Lock(), queued=False,
                                                                  poller=None, pid=None))
    return state


def start_poller(app: Flask) -> None:
    """Start this process's poller once, after gunicorn's fork (summit/gunicorn_conf.post_worker_init;
    else on the process's first request or wake-up)."""
    poll = poll_seconds(app)
    if not poll:
        return
    state = _state(app)
    if state.poller is not None and state.pid == os.getpid():
        return  # every request asks: the usual answer without the lock
    with state.lock:
        if state.poller is not None and state.pid == os.getpid():
            return
        state.pid = os.getpid()
        state.poller = threading.Thread(target=_poll, args=(app, poll), name="summit-outbox-poller", daemon=True)
        state.poller.start()


def _poll(app: Flask, seconds: float) -> None:
    stop = threading.Event()
    while not stop.wait(seconds):
        wake(app)


def poll_seconds(app: Flask) -> float:
    value = app.config.get("MAIL_OUTBOX_POLL")
    if value is None:
        return 0 if app.testing else POLL_SECONDS
    return float(value)


def init_app(app: Flask) -> None:
    """The poller starts with the process's first request; tests (TESTING) drain when woken only."""
    @app.before_request
    def _poller_running():
        start_poller(app)


def drain(app: Flask, *, batch: int = BATCH) -> int:
    """Send every row that is due, claiming each first; the number this call sent."""
    config = app.config
    lease = timedelta(seconds=float(config.get("MAIL_OUTBOX_LEASE") or LEASE_SECONDS))
    delays = tuple(config.get("MAIL_OUTBOX_RETRY_DELAYS") or RETRY_DELAYS)
    sent = 0
    with app.app_context():
        with Session(db.engine, expire_on_commit=False) as session:
            for _round in range(10_000):  # bounded: every round claims, or the loop ends
                ids = _due(session, batch)
                if not ids:
                    break
                for mail_id in ids:
                    token = claim(session, mail_id, lease)
                    if token is not None:
                        sent += _send_claimed(session, mail_id, token, delays)
    return sent


def _due(session: Session, batch: int) -> list[int]:
    now = utcnow()
    ids = list(session.scalars(select(OutboxMail.id).where(_claimable(now)).order_by(OutboxMail.id).limit(batch)))
    session.commit()  # end the read: on SQLite each claim below begins as a writer
    return ids


def _claimable(now):
    return or_(and_(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= now),
               and_(OutboxMail.status == "sending", OutboxMail.lease_until < now))


def _begin_write(session: Session) -> None:
    session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})


def claim(session: Session, mail_id: int, lease: timedelta) -> str | None:
    """Claim one row for this drainer: the token that holds it, or None when someone else has it."""
    token = secrets.token_hex(16)
    now = utcnow()
    _begin_write(session)
    result = session.execute(
        update(OutboxMail).where(OutboxMail.id == mail_id, _claimable(now))
        .values(status="sending", claimed_by=token, lease_until=now + lease, attempts=OutboxMail.attempts + 1)
        .execution_options(synchronize_session=False))
    session.commit()
    return token if result.rowcount == 1 else None


def _send_claimed(session: Session, mail_id: int, token: str, delays: tuple) -> int:
    mail = session.get(OutboxMail, mail_id, populate_existing=True)
    message = session.get(Message, mail.message_id) if mail.message_id else None
    session.commit()
    try:
        written = _render(mail, message)
    except Exception as exc:  # a template error: trying again would not help
        log.exception("could not write outbox mail %s (%r); not sent", mail_id, mail.template)
        _finish(session, mail_id, token, status="failed", error=f"could not write the mail: {exc}"[:ERROR_MAX])
        return 0
    try:
        mail_transport.deliver_once(mail.to, written, cc=mail.cc)
    except mail_transport.DeliveryFailed as exc:
        last = mail.attempts > len(delays)
        log.warning("could not send outbox mail %s (%r, try %d)%s: %s", mail_id, mail.template, mail.attempts,
                    "; giving up" if last else f"; trying again in {delays[mail.attempts - 1]} s", exc)
        if last:
            _finish(session, mail_id, token, status="failed", error=str(exc))
        else:
            _finish(session, mail_id, token, status="pending", error=str(exc),
                    next_attempt_at=utcnow() + timedelta(seconds=delays[mail.attempts - 1]))
        return 0
    _finish(session, mail_id, token, status="sent", sent_at=utcnow())
    return 1


def _finish(session: Session, mail_id: int, token: str, *, status: str, error: str | None = None, **values) -> None:
    """Record the outcome, if this drainer still holds the claim (a lost lease: someone else does)."""
    _begin_write(session)
    changes = {"status": status, "claimed_by": None, "lease_until": None, **values}
    if error is not None:
        changes["last_error"] = error[:ERROR_MAX]
    session.execute(update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.claimed_by == token)
                    .values(**changes).execution_options(synchronize_session=False))
    session.commit()


def _namespace(value):
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _namespace(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_namespace(v) for v in value]
    return value


def _render(mail: OutboxMail, message: Message | None):
    context = {name: _namespace(value) for name, value in (mail.context or {}).items()}
    if context.pop("calendar_feed", False) and mail.delegate_id is not None:
        # the feed's signed address is a credential: made now, never stored in the row
        delegate = db.session.get(Delegate, mail.delegate_id)
        if delegate is not None:
            context["calendar_url"] = calendar_url(calendar_token(delegate))
    if message is not None:  # an organiser's message: its words from the message, in the reader's language
        zh = mail.language == "zh"
        context.update(message_subject=message.subject_zh if zh else message.subject_en,
                       message_body=message.body_zh if zh else message.body_en)
    return render_email(mail.template, mail.language, **context)
