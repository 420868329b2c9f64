"""An app whose mail goes to a local SMTP sink (support/smtp_sink.py) by the real mail thread, and reading what arrived."""
from __future__ import annotations

import email
from contextlib import contextmanager
from email import policy

from summit.plumbing.extensions import db
from summit.plumbing.mail_transport import wait_for_pending_mail

from support.app import _empty_tables, make_app
from support.smtp_sink import smtp_sink


@contextmanager
def app_with_inbox(database_url: str, **overrides):
    """(app, summit, inbox) inside the app's context, GSTF 2024 seeded; mail is queued as in production
    (when the answer has gone, so after the commit) unless ``MAIL_DELIVERY`` says otherwise."""
    from summit.services.summits.current import current_summit
    from summit.services.summits.seeding import seed_summit

    with smtp_sink() as (host, port, inbox):
        app = make_app(database_url, MAIL_SERVER=host, MAIL_PORT=port, MAIL_USE_TLS=False, **overrides)
        with app.app_context():
            seed_summit()
            try:
                yield app, current_summit(), inbox
            finally:
                wait_for_pending_mail()
                db.session.remove()
                db.engine.dispose()
    _empty_tables(database_url)


def mails_to(inbox, to: str) -> list:
    """Every message the sink received for ``to``, oldest first, parsed."""
    wait_for_pending_mail()
    found = []
    for raw in list(inbox):
        # as bytes: a short mail goes 8bit, and a str parse would hand its UTF-8 back escaped
        message = email.message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=policy.default)
        if message["To"] == to:
            found.append(message)
    return found


def plain_text(message) -> str:
    return message.get_body(("plain",)).get_content()
