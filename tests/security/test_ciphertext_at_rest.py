"""The database file, its WAL and its backups hold dietary and accessibility needs as ciphertext only.

A unique string is planted through the API and an organiser's correction, then looked for byte by byte
in what an attacker who takes the disk or a backup would hold.  The delegate's email, stored in clear,
is found by the same search: the grep would see the needs if they were there.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from summit.models import AuditEntry, Delegate
from summit.plumbing.extensions import db

from support.console_support import page_csrf, sign_in
from support.factories import delegate_data

ROOT = Path(__file__).resolve().parents[2]


def planted_values() -> tuple[str, str, str]:
    mark = uuid.uuid4().hex
    return f"PLANTED-diet-{mark} 不吃猪肉", f"PLANTED-access-{mark}", f"PLANTED-fixed-{mark}"


def register_and_correct(client, summit, diet: str, access: str, corrected: str) -> str:
    data = delegate_data(dietary_needs=diet, accessibility_needs=access, banquet=True, sensitive_consent=True)
    response = client.post("/api/v1/registrations", json=data)
    assert response.status_code == 201, response.get_json()
    delegate = db.session.scalars(db.select(Delegate).where(Delegate.email == data["email"])).one()
    assert delegate.dietary_needs == diet  # the app reads it back
    # an organiser's correction goes through the audit trail too, which must not keep the text either
    sign_in(client, "organiser")
    form = {name: getattr(delegate, name) for name in (
        "title", "given_name", "family_name", "name_order", "native_name", "email", "organisation",
        "job_title", "country", "category", "phone", "dietary_needs", "accessibility_needs", "language")}
    form.update(dietary_needs=corrected, banquet="y",
                csrf_token=page_csrf(client, f"/console/delegates/{delegate.id}/edit"))
    response = client.post(f"/console/delegates/{delegate.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Delegate, delegate.id).dietary_needs == corrected
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "delegate.update")).one()
    assert entry.changes["dietary_needs"] == ["•••", "•••"]  # changed, and nothing of what it says
    return data["email"]


def flask_backup(database_url: str, destination: Path) -> Path:
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "summit", "backup", str(destination)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def assert_only_ciphertext(blob: bytes, email: str, *secrets: str, where: str) -> None:
    assert email.encode() in blob, f"the control failed: {where} does not hold the email in clear"
    for secret in secrets:
        for form in (secret, secret.split(" ")[0]):  # whole, and its ASCII part alone
            assert form.encode() not in blob, f"{where} holds {form!r} in clear"


def test_sqlite_file_wal_and_backup_hold_no_planted_need(app, client, summit, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite file (PostgreSQL: the pg_dump test below)")
    diet, access, corrected = planted_values()
    email = register_and_correct(client, summit, diet, access, corrected)
    path = Path(make_url(database_url).database)
    files = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert_only_ciphertext(files, email, diet, access, corrected, where="the database file and its WAL")
    backup = flask_backup(database_url, tmp_path / "copy.sqlite3")
    assert_only_ciphertext(backup.read_bytes(), email, diet, access, corrected, where="the backup")


def test_postgresql_dump_and_backup_hold_no_planted_need(app, client, summit, database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    diet, access, corrected = planted_values()
    email = register_and_correct(client, summit, diet, access, corrected)
    url = make_url(database_url)
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    target = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432), "--username", url.username or "postgres"]
    dump = subprocess.run(["pg_dump", "--format=plain", *target, url.database], env=env, capture_output=True,
                          timeout=120, check=True).stdout
    assert_only_ciphertext(dump, email, diet, access, corrected, where="pg_dump")
    # the app's own backup is pg_dump's compressed custom format: read back as SQL to look inside
    backup = flask_backup(database_url, tmp_path / "copy.pgdump")
    text = subprocess.run(["pg_restore", "--file", "-", str(backup)], capture_output=True, timeout=120,
                          check=True).stdout
    assert_only_ciphertext(text, email, diet, access, corrected, where="the backup")
