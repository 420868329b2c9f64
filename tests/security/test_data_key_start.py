"""A wrong DATA_KEY refuses to start, naming the problem; a value no key opens is a calm 503, never garbage.

The database remembers the key that wrote it (data_key_check, summit/plumbing/data_key.py): the app
started with another key must not serve pages that show nothing (or ciphertext) where the needs are.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Text, select, text, type_coerce

from summit import create_app
from summit.models import DataKeyCheck, Delegate
from summit.plumbing import data_key
from summit.plumbing.extensions import db

from support.app import make_app
from support.console_support import sign_in
from support.data_key import TEST_DATA_KEY
from support.factories import register

ROOT = Path(__file__).resolve().parents[2]
OTHER_KEY = Fernet.generate_key().decode()


def test_the_database_holds_a_check_row_under_the_key_in_use(app):
    token = db.session.execute(select(type_coerce(DataKeyCheck.sample, Text))).scalar_one()
    assert Fernet(TEST_DATA_KEY).decrypt(token.encode()).decode() == data_key.CHECK_PLAINTEXT


def test_a_different_key_refuses_to_start_naming_data_key(app, database_url):
    with pytest.raises(RuntimeError, match="DATA_KEY does not open the data in this database") as refused:
        make_app(database_url, DATA_KEY=OTHER_KEY)
    assert "DATA_KEY=<new>,<old>" in str(refused.value)  # and says what to set during a rotation


def test_the_right_key_second_in_a_ring_starts(app, database_url):
    assert make_app(database_url, DATA_KEY=f"{OTHER_KEY},{TEST_DATA_KEY}") is not None


def test_without_a_check_row_a_value_under_another_key_still_refuses(app, database_url, summit):
    delegate_id = register(summit, dietary_needs="Halal").delegate.id
    db.session.execute(db.delete(DataKeyCheck))
    db.session.execute(db.update(Delegate).where(Delegate.id == delegate_id).values(
        dietary_needs=type_coerce(Fernet(OTHER_KEY).encrypt(b"Kosher").decode(), Text)))
    db.session.commit()
    with pytest.raises(RuntimeError, match="DATA_KEY does not open"):
        make_app(database_url)
    # and the refused start wrote no check row of its own under the wrong key
    assert db.session.scalar(select(DataKeyCheck.id)) is None


def test_an_empty_schema_and_a_fresh_upgrade_start_with_any_key(tmp_path):
    """`flask db upgrade` on an empty database builds the app first: nothing to check yet."""
    url = f"sqlite:///{tmp_path}/fresh.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_KEY": OTHER_KEY})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        token = db.session.execute(text("SELECT sample FROM data_key_check")).scalar_one()
        db.engine.dispose()
    assert Fernet(OTHER_KEY).decrypt(token.encode()).decode() == data_key.CHECK_PLAINTEXT
    with pytest.raises(RuntimeError, match="DATA_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_KEY": TEST_DATA_KEY})


def test_a_value_no_key_opens_is_a_503_naming_data_key_in_the_log_never_a_traceback(app, client, summit, caplog):
    delegate_id = register(summit, dietary_needs="No shellfish").delegate.id
    db.session.execute(db.update(Delegate).where(Delegate.id == delegate_id).values(
        dietary_needs=type_coerce(Fernet(OTHER_KEY).encrypt(b"tampered").decode(), Text)))
    db.session.commit()
    sign_in(client, "organiser")
    with caplog.at_level(logging.DEBUG):
        response = client.get(f"/console/delegates/{delegate_id}")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "gAAAA" not in body
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("cannot be decrypted with DATA_KEY" in r.getMessage() for r in errors), caplog.text
    assert not any(r.exc_info for r in errors)  # one clear line, no traceback
    assert "tampered" not in caplog.text


def _migrated_sqlite(tmp_path, key: str) -> str:
    url = f"sqlite:///{tmp_path}/summit.sqlite3"
    env = {**os.environ, "DATABASE_URL": url, "DATA_KEY": key}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "summit", "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return url


@pytest.mark.slow
def test_gunicorn_with_the_shipped_settings_refuses_a_wrong_key_and_says_why(tmp_path):
    url = _migrated_sqlite(tmp_path, TEST_DATA_KEY)
    env = {**os.environ, "SUMMIT_ENV": "production", "SECRET_KEY": "production-secret", "SUMMIT_WORKERS": "1",
           "DATABASE_URL": url, "SUMMIT_BIND": "127.0.0.1:0", "PUBLIC_BASE_URL": "https://summit.example.org",
           "DATA_KEY": OTHER_KEY}
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "python:summit.gunicorn_conf",
                             "summit:create_app()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DATA_KEY does not open the data in this database" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_flask_commands_refuse_a_wrong_key_too(tmp_path):
    url = _migrated_sqlite(tmp_path, TEST_DATA_KEY)
    env = {**os.environ, "DATABASE_URL": url, "DATA_KEY": OTHER_KEY}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "summit", "backup", str(tmp_path / "b")],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "DATA_KEY does not open" in result.stderr
