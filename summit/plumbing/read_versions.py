"""Version numbers every writer of the public reads bumps in its own transaction.

The public pages and feeds (summit/web/read_cache.py) are cached under these numbers.  Rather than trust
each service to remember a bump, the engine watches what is written: any INSERT, UPDATE or DELETE on a
watched table, by the ORM's flush or a Core statement, marks the connection, and just before that
transaction commits the version row is bumped on the same DBAPI connection, inside the transaction.  So
the new data and the new version become visible together, on every host and worker, and a rolled-back
change bumps nothing.  The bump comes last so the row's lock is held only for the COMMIT itself.

Two rows, so that the crowd registering does not empty the cache of the crowd reading:

- ``PROGRAMME`` (row 1): what is, not how full it is: the summit, the programme, the routes' and hotels'
  details, the notice.  Any write to a watched table moves it, but for those below.
- ``PLACES`` (row 2): how full it is: a booking made, moved or given up, and an UPDATE that sets only a
  counter (a route's confirmed seats, a hotel night's booked rooms).  A seat taken moves this row alone.

A read of places left is kept under both numbers; the agenda and its feeds under ``PROGRAMME`` alone.
"""
from __future__ import annotations

import itertools
import time

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql.dml import Update, UpdateBase

from .extensions import db

PROGRAMME, PLACES = 1, 2
#: the two numbers, (programme, places): what confirmed() and current() give
Versions = tuple[int, int]

T = TypeVar("T")
_DIRTY = "summit_read_dirty"
#: app.extensions key of programme_kept's values, by name: (programme's number, value)
_PROGRAMME_KEPT = "summit.programme_kept"
#: the statement in both dialects (SQLite ≥ 3.24 and PostgreSQL); values are ours (integers), never input
_BUMP = ("INSERT INTO read_version (id, version) VALUES {rows} "
         "ON CONFLICT (id) DO UPDATE SET version = read_version.version + 1")
_READ = text("SELECT id, version FROM read_version WHERE id IN (1, 2)")  # PROGRAMME, PLACES

#: bumps committed by this process: a reader here re-checks the version at once after one
_local_bumps = itertools.count()
local_epoch = 0
#: on by default; tests' controls switch it off to show the cache would otherwise serve stale reads
enabled = True


def watch(engine: Engine, tables: set[str], places: set[str], counters: dict[str, frozenset[str]]) -> None:
    """Bump the versions whenever a transaction on ``engine`` writes one of ``tables``.

    ``places``: the tables whose every write is a matter of places (bookings): PLACES alone.
    ``counters``: by table, the columns that only count places; an UPDATE setting nothing else: PLACES alone.
    """

    def moves(clauseelement) -> int | None:
        table = getattr(clauseelement.table, "name", None)
        if table not in tables:
            return None
        if table in places:
            return PLACES
        if table in counters and isinstance(clauseelement, Update):
            columns = _set_columns(clauseelement)
            if columns and columns <= counters[table]:
                return PLACES
        return PROGRAMME

    @event.listens_for(engine, "before_execute")
    def _mark(conn, clauseelement, multiparams, params, execution_options):
        if isinstance(clauseelement, UpdateBase) and (row := moves(clauseelement)) is not None:
            conn.info.setdefault(_DIRTY, set()).add(row)

    @event.listens_for(engine, "commit")
    def _bump(conn):
        global local_epoch
        rows = conn.info.pop(_DIRTY, None)
        if not rows or not enabled:
            return
        start = time.time_ns() // 1000
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(_BUMP.format(rows=", ".join(f"({row}, {start})" for row in sorted(rows))))
        finally:
            cursor.close()
        local_epoch = next(_local_bumps) + 1

    @event.listens_for(engine, "rollback")
    def _forget(conn):
        conn.info.pop(_DIRTY, None)


def _set_columns(statement: Update) -> set[str]:
    """The names of the columns an UPDATE sets; empty when unknown (the values come with the parameters, as
    in a flush), which counts as PROGRAMME: never fewer bumps than needed, only more."""
    values = getattr(statement, "_values", None) or {}  # where SQLAlchemy keeps what .values() was given
    return {getattr(column, "key", column) for column in values}


class _Confirmed:
    """The version this process last read, when (monotonic), and the process's bump count then."""
    __slots__ = ("version", "at", "epoch")

    def __init__(self):
        self.version, self.at, self.epoch = (0, 0), float("-inf"), -1


_confirmed = _Confirmed()


def confirmed(session, max_age: float) -> Versions:
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


def once_a_request(session, max_age: float) -> Versions:
    """``confirmed``, read once in a request: the pieces of one page are all of one version."""
    version = g.get("_summit_read_version")
    if version is None:
        version = g._summit_read_version = confirmed(session, max_age)
    return version


def programme_kept(name, make: Callable[[], T]) -> T:
    """``make()``, kept by this worker under the programme's number between requests (in a request, and with
    PUBLIC_READ_CACHE on; otherwise made each time): for what every request asks of the programme's tables
    (the summit, the notice in force), so it is as fresh as the public reads.  ``name`` keys it; None is
    not kept."""
    if not has_request_context() or not current_app.config.get("PUBLIC_READ_CACHE", True):
        return make()
    version = once_a_request(db.session, float(current_app.config["PUBLIC_READ_CACHE_SECONDS"]))[0]
    kept = current_app.extensions.setdefault(_PROGRAMME_KEPT, {})
    hit = kept.get(name)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = make()  # after the version: what is kept under it is at least that new
    if value is not None:
        kept[name] = (version, value)
    return value


def current(session) -> Versions:
    """The versions now, (programme, places) (0 before anything was written): one SELECT of the two
    rows by primary key, in ``session``'s transaction."""
    found = dict(session.execute(_READ).all())
    return found.get(PROGRAMME, 0), found.get(PLACES, 0)
