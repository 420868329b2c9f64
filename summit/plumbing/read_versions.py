"""A version number every writer of the public reads bumps in its own transaction.

The public pages and feeds (summit/web/read_cache.py) are cached under this number.  Rather than trust
each service to remember a bump, the engine watches what is written: any INSERT, UPDATE or DELETE on a
watched table, by the ORM's flush or a Core statement, marks the connection, and just before that
transaction commits the version row is bumped on the same DBAPI connection, inside the transaction.  So
the new data and the new version become visible together, on every host and worker, and a rolled-back
change bumps nothing.  The bump comes last so the row's lock is held only for the COMMIT itself.
"""
from __future__ import annotations

import itertools
import time

from flask import g
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql.dml import UpdateBase

_DIRTY = "summit_read_dirty"
#: the statement in both dialects (SQLite ≥ 3.24 and PostgreSQL); values are ours (integers), never input
_BUMP = ("INSERT INTO read_version (id, version) VALUES (1, {start}) "
         "ON CONFLICT (id) DO UPDATE SET version = read_version.version + 1")
_READ = text("SELECT version FROM read_version WHERE id = 1")

#: bumps committed by this process: a reader here re-checks the version at once after one
_local_bumps = itertools.count()
local_epoch = 0
#: on by default; tests' controls switch it off to show the cache would otherwise serve stale reads
enabled = True


def watch(engine: Engine, tables: set[str]) -> None:
    """Bump the version whenever a transaction on ``engine`` writes one of ``tables``."""

    @event.listens_for(engine, "before_execute")
    def _mark(conn, clauseelement, multiparams, params, execution_options):
        if isinstance(clauseelement, UpdateBase) and getattr(clauseelement.table, "name", None) in tables:
            conn.info[_DIRTY] = True

    @event.listens_for(engine, "commit")
    def _bump(conn):
        global local_epoch
        if not conn.info.pop(_DIRTY, False) or not enabled:
            return
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(_BUMP.format(start=time.time_ns() // 1000))
        finally:
            cursor.close()
        local_epoch = next(_local_bumps) + 1

    @event.listens_for(engine, "rollback")
    def _forget(conn):
        conn.info.pop(_DIRTY, None)


class _Confirmed:
    """The version this process last read, when (monotonic), and the process's bump count then."""
    __slots__ = ("version", "at", "epoch")

    def __init__(self):
        self.version, self.at, self.epoch = 0, float("-inf"), -1


_confirmed = _Confirmed()


def confirmed(session, max_age: float) -> int:
    """The version as read within the last ``max_age`` seconds (0: read now), and at once after a bump
    committed by this process: what is kept under it is never staler than ``max_age`` (summit/web/read_cache.py)."""
    last = _confirmed
    now = time.monotonic()
    if max_age > 0 and now - last.at < max_age and last.epoch == local_epoch:
        return last.version
    epoch = local_epoch
    version = current(session)  # `now` is from before the read: the bound holds from it
    last.version, last.at, last.epoch = version, now, epoch
    return version


def once_a_request(session, max_age: float) -> int:
    """``confirmed``, read once in a request: the pieces of one page are all of one version."""
    version = g.get("_summit_read_version")
    if version is None:
        version = g._summit_read_version = confirmed(session, max_age)
    return version


def current(session) -> int:
    """The version now (0 before anything was written): one primary-key SELECT in ``session``'s transaction."""
    return session.execute(_READ).scalar() or 0
