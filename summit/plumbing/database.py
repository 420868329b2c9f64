"""Engine set-up that the business rules rely on.

SQLite: WAL (readers never block the writer), a generous busy timeout (writers
queue instead of failing), foreign keys on, and the driver's own implicit
transactions switched off so that we emit BEGIN ourselves: a service that
needs the write lock up front asks for ``BEGIN IMMEDIATE`` through
``write_transaction()``.  Without that, two SQLite transactions could both read
"one seat left" before either writes.

A service that reads and then writes runs the whole change in ``with writing():``, the one
place that begins the write transaction, commits it, and rolls it back on any error.  Code
that is only correct inside such a block (the seat rules) calls ``require_write_transaction()``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .extensions import db

SQLITE_BEGIN_OPTION = "summit_sqlite_begin"


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        import psycopg

        @event.listens_for(engine, "connect")
        def _read_committed(dbapi_connection, _record):
            # Pinned, whatever the server's default: write_transaction() relies on each
            # statement seeing the latest commits (psycopg sends it with BEGIN, no extra trip).
            dbapi_connection.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten content is zeroed, not left in free pages and cells, so an erased
        # delegate's values are gone from the file (services/privacy/erasure.py; the WAL: checkpoint_wal).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


#: how long an SQLite writer waits for the write lock (every connection, below)
BUSY_TIMEOUT_MS = 60_000
#: how long checkpoint_wal waits for readers to finish
CHECKPOINT_WAIT_MS = 5_000


def checkpoint_wal() -> bool:
    """On SQLite, copy the WAL into the database file and truncate it to nothing: the WAL holds whole
    old pages, an erased delegate's values in them, until it is overwritten.  Nothing on PostgreSQL
    (there, VACUUM: see the README's "Personal data").

    TRUNCATE waits for readers still on an older snapshot; a request's read is short, so a few seconds,
    not the minute writers get.  Should one outlast that, the WAL is left for the next erasure's or the
    next purge's checkpoint (the README's daily cron).  Returns whether the WAL is empty now.
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return True
    if session.in_transaction():
        session.commit()
    with db.engine.connect() as connection:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return busy == 0


def write_transaction() -> None:
    """Start the session's transaction as a writer.

    Call first in a service that reads and then writes shared state.  On SQLite
    this takes the database write lock now (BEGIN IMMEDIATE), so the read is
    already serialised, and a read transaction the caller left open is committed
    first (its snapshot may be stale, and SQLite cannot upgrade it to a writer).
    Objects already loaded are not expired by that commit (they are not on PostgreSQL either).
    On PostgreSQL the service takes row locks itself (SELECT … FOR UPDATE), and
    READ COMMITTED (pinned in configure_engine) gives every statement the latest
    commits, so an open transaction is simply continued: committing it would
    only cost two round-trips (COMMIT, BEGIN) on the hottest path we have.
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.in_transaction():
        if session.get_bind().dialect.name != "sqlite":
            return
        if session.new or session.dirty or session.deleted:
            session.commit()
        else:
            # Only read so far: what was loaded stays loaded, as on PostgreSQL, where the transaction
            # simply goes on. A service re-reads under its lock what it decides on; expiring here
            # made every object the request held (the summit, the delegate) be loaded again.
            commit_keeping_state()
    session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})


#: key in ``Session.info``: the transaction ``writing()`` began, while its block runs
_WRITING = "summit_writing"


@contextmanager
def writing(*, keep_state: bool = False) -> Iterator[Session]:
    """Run the block as one write transaction: begun by write_transaction(), committed when the
    block ends, rolled back (and the error raised on) when anything in it raises.

    ``keep_state``: commit with commit_keeping_state(), for a service that answers with the rows
    it has just written.  Blocks do not nest: on SQLite the inner write_transaction() would commit
    the outer block half-way, so a nested one raises RuntimeError instead.
    """
    session = db.session()
    if session.info.get(_WRITING) is not None:
        raise RuntimeError("writing() blocks do not nest: the outer one would be committed half-way")
    write_transaction()
    session.info[_WRITING] = session.get_transaction()
    try:
        yield session
        if keep_state:
            commit_keeping_state()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_WRITING, None)


def in_writing_block() -> bool:
    """Whether this runs inside a ``writing()`` block (what it adds commits with the block's change)."""
    return db.session().info.get(_WRITING) is not None


def require_write_transaction() -> None:
    """Raise RuntimeError unless this runs inside a ``writing()`` block's own transaction.

    For rules that are only race-free under the write transaction's locks.  A RuntimeError, not an
    assert (``python -O`` drops those); and the very transaction writing() began, so a commit in
    the middle of the block, after which the locks are gone, is caught too.
    """
    session = db.session()
    began = session.info.get(_WRITING)
    if began is None or began is not session.get_transaction():
        raise RuntimeError("this must run inside `with writing():` (summit/plumbing/database.py)")


def commit_keeping_state() -> None:
    """Commit without expiring the session's objects.

    For a service that has just written rows under its locks: what it holds is
    exactly what was committed, so reloading it all for the response (a new
    transaction and a SELECT per object) would be pure cost.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def insert_row(model, values: dict):
    """INSERT one row and return it as a loaded, persistent ORM object.

    SQLAlchemy's ORM ``INSERT … RETURNING`` rather than ``session.add`` and a flush: the unit
    of work cost several times the statement it sends, on the registration hot path
    (bench/flash_crowd.py).  Column defaults apply as in a flush.
    """
    return db.session.scalars(insert(model).returning(model), [values]).one()
