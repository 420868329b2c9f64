"""`flask --app summit backup` and `restore`: a real copy, really put back, on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import re
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from summit.plumbing.extensions import db
from summit.models import Delegate
from summit.services.registration import delegates as registration
from summit.services.summits.current import current_summit

from support.app import make_app
from support.factories import delegate_data, register, route
from support.live_server import gunicorn

ON_POSTGRES = os.environ.get("SUMMIT_TEST_DATABASE_URL", "").startswith("postgresql")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL run only")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite run only")


def state() -> dict:
    """What a restore must bring back: every delegate with their place, and every route's counter."""
    db.session.rollback()
    delegates = db.session.execute(text(
        "SELECT d.email, d.status, r.code, b.status FROM delegate d "
        "LEFT JOIN route_booking b ON b.delegate_id = d.id LEFT JOIN visit_route r ON r.id = b.route_id "
        "ORDER BY d.email")).all()
    routes = db.session.execute(text("SELECT code, capacity, confirmed FROM visit_route ORDER BY code")).all()
    return {"delegates": [tuple(row) for row in delegates], "routes": [tuple(row) for row in routes]}


def cli(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_backup_restores_the_data_as_it_was(app, client, summit, tmp_path):
    r1_id, r2_id = route(summit, "R1").id, route(summit, "R2").id
    first = register(summit, route_id=r1_id)
    register(summit, route_id=r2_id, banquet=True)
    register(summit)
    at_backup = state()
    assert len(at_backup["delegates"]) == 3

    # PATH a folder: a timestamped file inside it, readable by its owner only.
    written = Path(cli(app, "backup", str(tmp_path)).strip())
    assert written.parent == tmp_path and written.is_file()
    assert re.fullmatch(r"summit-\d{8}T\d{6}Z\.(sqlite3|pgdump)", written.name)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600

    # Afterwards: a cancellation, a newcomer, an organiser's edit, and then everything deleted.
    registration.cancel(db.session.get(Delegate, first.delegate.id))
    register(summit, route_id=r1_id)
    route(summit, "R2").capacity = 7
    db.session.commit()
    assert state() != at_backup
    db.session.execute(text("DELETE FROM route_booking"))
    db.session.execute(text("DELETE FROM delegate"))
    db.session.commit()

    output = cli(app, "restore", "--yes", str(written))
    assert "restored" in output
    assert state() == at_backup
    # The restored database serves: schema at the head, summit there, delegates can come back.
    assert client.get("/readyz").status_code == 200
    assert client.get("/api/v1/routes").get_json()["routes"][0]["confirmed"] == 1
    assert register(current_summit(), route_id=r1_id).delegate.booking.status == "confirmed"


def test_the_default_backup_goes_to_the_instance_folder(app, summit):
    written = Path(cli(app, "backup").strip())
    try:
        assert written.parent == Path(app.instance_path) / "backups" and written.stat().st_size > 0
    finally:
        written.unlink()


def test_restore_asks_first_and_refuses_what_is_not_a_backup(app, summit, tmp_path):
    before = state()
    runner = app.test_cli_runner()
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup\n" * 100)
    result = runner.invoke(args=["restore", str(junk)], input="n\n")
    assert result.exit_code != 0 and "Replace everything in" in result.output
    result = runner.invoke(args=["restore", "--yes", str(junk)])
    assert result.exit_code != 0 and "Error:" in result.output
    assert state() == before


@sqlite_only
@pytest.mark.slow
def test_a_backup_taken_while_the_app_writes_is_consistent(app, database_url, summit, tmp_path):
    """Registrations pour in through gunicorn while backups are taken: each copy is a snapshot."""
    routes = [route(summit, code).id for code in ("R1", "R2", "R3", "R4")]
    db.session.rollback()
    crowd = [("POST", "/api/v1/registrations", delegate_data(route_id=routes[i % 4], join_waitlist=True), None)
             for i in range(240)]
    with gunicorn(database_url, workers=2, threads=4) as server:
        writer = threading.Thread(target=lambda: server.parallel(crowd, concurrency=16))
        writer.start()
        copies = []
        while writer.is_alive():
            copies.append(Path(cli(app, "backup", str(tmp_path / f"copy-{len(copies)}.sqlite3")).strip()))
        writer.join()

    counts = set()
    for copy in copies:
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
            # Each route's counter equals its confirmed rows: no copy caught a registration half-written.
            assert conn.execute(
                "SELECT r.code, r.confirmed, (SELECT count(*) FROM route_booking b "
                "WHERE b.route_id = r.id AND b.status = 'confirmed') FROM visit_route r "
                "WHERE r.confirmed != (SELECT count(*) FROM route_booking b "
                "WHERE b.route_id = r.id AND b.status = 'confirmed')").fetchall() == []
            counts.add(conn.execute("SELECT count(*) FROM delegate").fetchone()[0])
        conn.close()
    assert any(0 < n < len(crowd) for n in counts), counts  # some copies were taken mid-stream
    assert len(state()["delegates"]) == len(crowd)


@postgres_only
def test_the_database_password_reaches_pg_dump_only_through_its_environment(database_url, summit, tmp_path):
    """A recording wrapper in front of the real pg_dump shows what it was given."""
    password = "Pa55-word-NOT-for-ps"
    log = tmp_path / "pg_dump.args"
    wrapper = tmp_path / "bin" / "pg_dump"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\necho "PGPASSWORD=$PGPASSWORD" >> {log}\n'
                       f'exec /usr/bin/pg_dump "$@"\n')
    wrapper.chmod(0o755)
    url = make_url(database_url).set(password=password).render_as_string(hide_password=False)
    app = make_app(url)
    os.environ["PATH"] = f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}"
    try:
        with app.app_context():
            written = Path(cli(app, "backup", str(tmp_path / "with-password.pgdump")).strip())
            assert written.stat().st_size > 0
            recorded = log.read_text().splitlines()
            assert f"PGPASSWORD={password}" in recorded
            assert not any(password in line for line in recorded[:-1])  # the arguments
            # Failure messages do not carry it either.
            bad = make_url(url).set(database="no_such_database_here").render_as_string(hide_password=False)
            result = make_app(bad).test_cli_runner().invoke(args=["backup", str(tmp_path / "x.pgdump")])
            assert result.exit_code != 0 and "no_such_database_here" in result.output
            assert password not in result.output
            db.engine.dispose()
    finally:
        os.environ["PATH"] = os.environ["PATH"].split(os.pathsep, 1)[1]
