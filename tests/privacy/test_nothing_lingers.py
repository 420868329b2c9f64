"""Erased values leave the SQLite file and its WAL (issue 17, item 4): secure_delete and a checkpoint.

The control runs the same erasure with secure_delete off and no checkpoint, and finds the planted value:
so the main test's grep would see it if it were there.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from summit.models import Delegate
from summit.plumbing.extensions import db
from summit.services.privacy import erasure
from summit.services.privacy.erasure import erase_delegate

from support.factories import register

PLANTED = "Zyxquorblentavish"  # letters only (names refuse digits); in no other test


@pytest.fixture
def sqlite_file(app):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("the file-level check is SQLite's; PostgreSQL's is VACUUM (README, Personal data)")
    return Path(url.database)


def _found(path: Path) -> list[str]:
    needle = PLANTED.encode()
    return [candidate.name for candidate in (path, path.with_name(path.name + "-wal"))
            if candidate.exists() and needle in candidate.read_bytes()]


def _plant(summit) -> Delegate:
    delegate = register(summit, family_name=PLANTED, organisation=f"{PLANTED} Institute",
                        email=f"{PLANTED.lower()}@example.org").delegate
    db.session.commit()
    return db.session.get(Delegate, delegate.id)


def test_every_connection_has_secure_delete_on(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_after_erasure_the_value_is_in_neither_the_file_nor_the_wal(app, summit, sqlite_file):
    delegate = _plant(summit)
    assert _found(sqlite_file), "planted, so it must be in the file or the WAL"
    assert erase_delegate(delegate, reason="request")
    assert _found(sqlite_file) == []
    assert sqlite_file.with_name(sqlite_file.name + "-wal").stat().st_size == 0  # truncated


@pytest.mark.parametrize("secure_delete, checkpoint", [(False, False), (False, True), (True, False)],
                         ids=["neither", "checkpoint-only", "secure-delete-only"])
def test_control_without_either_the_value_lingers(app, summit, sqlite_file, monkeypatch, secure_delete, checkpoint):
    """Each of the two is needed: free space keeps it without secure_delete, the WAL without the checkpoint."""
    @event.listens_for(db.engine, "connect")
    def _insecure(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA secure_delete={'ON' if secure_delete else 'OFF'}")

    db.session.remove()
    db.engine.dispose()  # new connections, with the listener above after the app's
    try:
        if not checkpoint:
            monkeypatch.setattr(erasure, "checkpoint_wal", lambda: None)
        delegate = _plant(summit)
        assert erase_delegate(delegate, reason="request")
        assert _found(sqlite_file), "the control should find the erased value"
    finally:
        event.remove(db.engine, "connect", _insecure)
        db.session.remove()
        db.engine.dispose()
