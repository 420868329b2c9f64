"""Consistent copies of the database, and putting one back.

SQLite: the online backup API copies the file page by page inside one read
transaction, so the copy is a snapshot even while the app writes (WAL lets the
writers go on).  PostgreSQL: ``pg_dump --format=custom`` (a snapshot too), put
back with ``pg_restore --clean --if-exists`` in one transaction.

The database password never goes on a command line (any user could read it in
``ps``) nor into a message: it is handed to pg_dump in PGPASSWORD.  Backups hold
delegates' personal data, so files are created readable by their owner only.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404  (pg_dump and pg_restore, run without a shell)
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from ...plumbing.errors import ServiceError


class BackupFailed(ServiceError):
    code = "backup_failed"
    status = 500


def _dialect(url: URL) -> str:
    name = url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupFailed(f"cannot back up a {name} database: only SQLite and PostgreSQL are supported")
    return name


def default_backup_path(folder: Path, database_url: str, now: datetime | None = None) -> Path:
    """``FOLDER/summit-20240925T083000Z.sqlite3`` (or ``.pgdump``): sorts by time, never clashes by day."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".sqlite3" if _dialect(make_url(database_url)) == "sqlite" else ".pgdump"
    return folder / f"summit-{stamp}{suffix}"


def _private_file(path: Path) -> None:
    """Create (or truncate) ``path`` as a 0600 file before anything writes personal data into it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def backup_database(database_url: str, destination: Path) -> Path:
    """Write a consistent copy of the database to ``destination`` (replaced atomically); returns it."""
    url = make_url(database_url)
    partial = destination.with_name(destination.name + ".partial")
    _private_file(partial)
    try:
        if _dialect(url) == "sqlite":
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _run_pg("pg_dump", ["--format=custom", "--file", str(partial)], url)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination


def restore_database(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup ``source``.

    Stop the app first: on PostgreSQL the restore waits for every other
    connection's locks, and on SQLite a running app would go on from a
    database changed under it.
    """
    url = make_url(database_url)
    if _dialect(url) == "sqlite":
        _sqlite_restore(source, _sqlite_path(url))
    else:
        # One transaction: a failed restore changes nothing.  A lock wait bounded to a minute: a
        # running app's connections would otherwise make it wait for ever.
        _run_pg("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges",
                               "--single-transaction", "--exit-on-error", str(source)], url,
                options="-c lock_timeout=60s")


# SQLite ---------------------------------------------------------------------------------------

def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise BackupFailed("an in-memory SQLite database has nothing on disk to back up")
    return Path(url.database)


def _check(connection: sqlite3.Connection, what: str) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        raise BackupFailed(f"{what} failed SQLite's integrity check: {result[:3]}")


def _sqlite_backup(live: Path, copy: Path) -> None:
    if not live.is_file():
        raise BackupFailed(f"no database at {live}")
    source = sqlite3.connect(live, timeout=60)  # only read; read-only mode cannot open WAL files alone
    target = sqlite3.connect(copy)
    try:
        # pages=-1: the whole database in one step, i.e. in one read transaction: a snapshot.
        source.backup(target, pages=-1)
        # One self-contained file (no -wal beside it), checked before it counts as a backup.
        target.execute("PRAGMA journal_mode=DELETE")
        _check(target, "the copy")
    except sqlite3.Error as exc:
        raise BackupFailed(f"SQLite backup of {live} failed: {exc}") from exc
    finally:
        target.close()
        source.close()


def _sqlite_restore(backup: Path, live: Path) -> None:
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        try:
            _check(source, str(backup))
        except sqlite3.DatabaseError as exc:
            raise BackupFailed(f"{backup} is not an SQLite database: {exc}") from exc
        live.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(live, timeout=60)
        try:
            # The backup API writes every page under the database's own lock, so a reader never
            # sees half of it; the file keeps its WAL mode.
            source.backup(target, pages=-1)
        finally:
            target.close()
    finally:
        source.close()


# PostgreSQL -----------------------------------------------------------------------------------

def libpq_connection(url: URL) -> tuple[str, dict[str, str]]:
    """(a libpq URI without the password, the environment carrying the password) for ``url``.

    Query options such as ``sslmode`` or a socket ``host`` pass through unchanged.
    """
    # (URL.set(password=None) would keep the password: None means "unchanged" there.)
    uri = url._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = {"PGPASSWORD": url.password} if url.password else {}
    return uri, env


def _run_pg(program: str, arguments: list[str], url: URL, options: str = "") -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupFailed(f"{program} not found: install the PostgreSQL client (Debian: postgresql-client), "
                           "at the server's major version or newer")
    uri, env = libpq_connection(url)
    env = {**os.environ, **env}
    if options:
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {options}".strip()
    # A fixed program found on PATH, its arguments a list, no shell.
    result = subprocess.run([executable, *arguments, "--dbname", uri], env=env,  # nosec B603
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        message = result.stderr.strip() or f"exit status {result.returncode}"
        if url.password:
            message = message.replace(url.password, "***")
        raise BackupFailed(f"{program} failed: {message}")
