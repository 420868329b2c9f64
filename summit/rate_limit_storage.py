"""``database://``: Flask-Limiter's counters in the app's own database, shared by every worker.

Flask-Limiter keeps its counters in a `limits` storage. ``memory://`` is one per process, so
each gunicorn worker would admit the whole limit again. Redis (``REDIS_URL``) is shared, and is
used when it is set; without it, this storage keeps the counters in the ``rate_counter`` table
(services/ops/rate_counters.py: one atomic upsert per hit), on SQLite and PostgreSQL alike. It
supports the fixed-window strategy, Flask-Limiter's default, for any limit a decorator declares.

Each call uses a connection of its own from the app's engine and commits at once, apart from
the request's session: a hit counts even when the request later fails or rolls back.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from limits.storage import Storage
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .plumbing.database import SQLITE_BEGIN_OPTION
from .plumbing.extensions import db
from .services.ops import rate_counters


@contextmanager
def _writer():
    # SQLite: take the write lock at BEGIN, so the upsert queues on the busy timeout.
    with db.engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with conn.begin():
            yield conn


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        with _writer() as conn:
            return rate_counters.hit(conn, key, expiry, amount).hits

    def get(self, key: str) -> int:
        with db.engine.connect() as conn:
            window = rate_counters.peek(conn, key)
        return window.hits if window else 0

    def get_expiry(self, key: str) -> float:
        with db.engine.connect() as conn:
            window = rate_counters.peek(conn, key)
        return window.expires_at if window else time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with _writer() as conn:
            return rate_counters.clear_all(conn)

    def clear(self, key: str) -> None:
        with _writer() as conn:
            rate_counters.clear(conn, key)
