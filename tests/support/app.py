"""The suite's app and database (a pytest plugin, registered in tests/conftest.py).

Fixtures: a real database (SQLite file, or PostgreSQL via SUMMIT_TEST_DATABASE_URL), the schema
built by the real Alembic migrations, and every table emptied after each test; ``app``, ``client``
and ``summit`` (GSTF 2024 seeded). Helpers: ``make_app`` for a test that needs other settings,
``_empty_tables`` for a test that builds its own app, ``csrf_token`` to read a form's token.
"""
from __future__ import annotations

import contextvars
import os
import re
import threading

import pytest
from sqlalchemy import create_engine, text

from flask import has_app_context
from flask.testing import FlaskClient

from summit import create_app
from summit.plumbing.extensions import db


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("SUMMIT_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "summit-test.sqlite3")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade

        if url.startswith("postgresql"):
            # A stale schema from an interrupted run would hide migration bugs.
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        db.engine.dispose()
    return url


def _empty_tables(url: str) -> None:
    # The same wait for the write lock as the app's own engine (summit/plumbing/database.py), not the
    # driver's 5 s: a live server or a job of the test may still be finishing its last write.
    engine = create_engine(url, connect_args={"timeout": 60} if url.startswith("sqlite") else {})
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production.

    The test body holds an app context for its own database reads; without this,
    requests would reuse it and share ``g`` (the cached locale, the logged-in user)
    across requests, which no real client ever sees.
    """

    def open(self, *args, buffered=True, **kwargs):
        # Buffered, as a server sends the answer whole and then closes it: what waits for the close
        # (the mail, plumbing/mail_transport.py) then happens, as it does behind gunicorn.
        response = contextvars.Context().run(super().open, *args, buffered=buffered, **kwargs)
        if has_app_context():
            # End the test body's read transaction and forget what it loaded, so its next
            # read sees what the request committed (some services commit without expiring).
            db.session.rollback()
            db.session.expire_all()
        return response


def make_app(database_url: str, **overrides):
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "summit.test",
        "PREFERRED_URL_SCHEME": "https",
        # The outbox drains in the thread that committed (services/outbox): a test body's own writes between
        # requests must not race a drainer in the mail thread (SQLite refuses a stale reader's write).
        "MAIL_OUTBOX_DELIVERY": "inline",
        # The public reads' cache checks the read version on every request: a test reads right after it writes.
        "PUBLIC_READ_CACHE_SECONDS": 0,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


def _wait_for_background_work(started_before: set[threading.Thread]) -> None:
    """Let what a test started in the background (badge jobs, mail) finish before the next test.

    A badge job started by one test's request runs in a thread of its own; left running, it
    wrote progress into the next test's database while that test seeded it.
    """
    from summit.plumbing.mail_transport import wait_for_pending_mail

    wait_for_pending_mail()
    for thread in threading.enumerate():
        if thread not in started_before and thread.name.startswith(BACKGROUND_JOB_THREADS):
            thread.join(timeout=120)


BACKGROUND_JOB_THREADS = ("badge-runner", "badge-heartbeat", "badge-job")


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    started_before = set(threading.enumerate())
    with app.app_context():
        yield app
        _wait_for_background_work(started_before)
        db.session.remove()
        db.engine.dispose()
    _empty_tables(database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def summit(app):
    from summit.services.summits.seeding import seed_summit
    from summit.services.summits.current import current_summit

    seed_summit()
    return current_summit()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)
