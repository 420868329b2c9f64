"""Fixed-window counters in the database, shared by every worker process.

One statement moves a counter: an ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` that
adds to the count, or restarts it when its window has ended, and returns the new count.
The database serialises those statements per key (PostgreSQL's row lock, SQLite's write
lock), so parallel requests can never both read "4" and both write "5": a caller that
counts before it acts (rate limits, sign-in attempts) admits exactly as many as the limit.

Two users: the rate limits' storage for Flask-Limiter (summit/rate_limit_storage.py) and
the console's sign-in throttle (services/accounts.authenticate).  ``conn`` is a SQLAlchemy
Connection or Session, inside a transaction the caller commits.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ...models import RateCounter

#: ended windows are swept away at most this often per process (seconds)
SWEEP_EVERY = 60.0
_last_sweep = 0.0


@dataclass(frozen=True)
class Window:
    hits: int
    #: when the window ends, in seconds since the epoch
    expires_at: float

    def retry_after(self, now: float | None = None) -> int:
        """Whole seconds until the window ends (at least 1), for a Retry-After header."""
        return max(1, math.ceil(self.expires_at - (time.time() if now is None else now)))


def counter_key(name: str) -> str:
    """The row key for a counter's name (which may hold an address or an email)."""
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def _dialect(conn) -> str:
    bind = conn.get_bind() if hasattr(conn, "get_bind") else conn
    return bind.dialect.name


def hit(conn, name: str, window_seconds: float, amount: int = 1, now: float | None = None) -> Window:
    """Add ``amount`` to the counter and return it; a window that has ended starts again now."""
    now = time.time() if now is None else now
    _sweep(conn, now)
    dialect = _dialect(conn)
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"rate counters need PostgreSQL or SQLite, not {dialect}")
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = RateCounter.__table__
    statement = insert(table).values(key=counter_key(name), hits=amount, expires_at=now + window_seconds)
    ended = table.c.expires_at <= now
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "hits": case((ended, statement.excluded.hits), else_=table.c.hits + statement.excluded.hits),
            "expires_at": case((ended, statement.excluded.expires_at), else_=table.c.expires_at),
        },
    ).returning(table.c.hits, table.c.expires_at)
    hits, expires_at = conn.execute(statement).one()
    return Window(hits, expires_at)


def peek(conn, name: str, now: float | None = None) -> Window | None:
    """The counter in its current window, or None when it has none."""
    now = time.time() if now is None else now
    table = RateCounter.__table__
    row = conn.execute(select(table.c.hits, table.c.expires_at).where(
        table.c.key == counter_key(name), table.c.expires_at > now)).first()
    return Window(row.hits, row.expires_at) if row else None


def clear(conn, name: str) -> None:
    conn.execute(delete(RateCounter.__table__).where(RateCounter.__table__.c.key == counter_key(name)))


def clear_all(conn) -> int:
    return conn.execute(delete(RateCounter.__table__)).rowcount


def _sweep(conn, now: float) -> None:
    """Delete ended windows, so the table holds only live counters (at most once a minute)."""
    global _last_sweep
    if now - _last_sweep < SWEEP_EVERY:
        return
    _last_sweep = now
    conn.execute(delete(RateCounter.__table__).where(RateCounter.__table__.c.expires_at <= now))
