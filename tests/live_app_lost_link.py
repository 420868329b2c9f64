"""The concurrency controls of tests/test_concurrency_lost_link.py, as gunicorn loads them.

``make_naive()`` is the app of live_app.make() with the lost-link and calendar-reset services as they
were: no write transaction first (so on SQLite a transaction that has already read fails with
"database is locked" when it comes to write), and the calendar version read, raised in Python and
written back (so on PostgreSQL parallel resets overwrite each other).  It exists only here, never in
the app's own configuration.
"""
import live_app

from summit.extensions import db
from summit.services import new_links
from summit.web import selfservice


def _read_then_write_calendar_reset(delegate):
    delegate.calendar_token_version += 1
    db.session.commit()


def make_naive():
    new_links.write_transaction = lambda: None
    selfservice.revoke_calendar_token = _read_then_write_calendar_reset
    return live_app.make()
