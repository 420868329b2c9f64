"""Liveness (/healthz) and readiness (/readyz), as a load balancer and an orchestrator see them."""
from __future__ import annotations

from contextlib import contextmanager

from alembic.script import ScriptDirectory
from sqlalchemy import text

from summit.plumbing.extensions import db

from support.app import make_app

UNREACHABLE = "postgresql+psycopg://summit@127.0.0.1:1/nowhere?connect_timeout=2"


def test_ready_when_migrated_and_a_summit_is_loaded(client, summit):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok",
                                   "checks": {"database": "ok", "migrations": "ok", "summit": "ok"}}


def test_not_ready_without_a_summit_but_alive(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["failed"] == ["summit"]
    assert body["checks"] == {"database": "ok", "migrations": "ok", "summit": "missing"}
    assert client.get("/healthz").status_code == 200


@contextmanager
def schema_marked_at(revision: str):
    """Pretend the database is at another migration, and put the true one back afterwards."""
    (true_revision,) = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars()
    db.session.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        db.session.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": true_revision})
        db.session.commit()


def test_not_ready_until_the_migrations_are_applied(app, client, summit):
    scripts = ScriptDirectory(app.extensions["migrate"].directory)
    previous = scripts.get_revision(scripts.get_current_head()).down_revision
    with schema_marked_at(previous):
        body = client.get("/readyz").get_json()
        assert body["failed"] == ["migrations"] and body["checks"]["migrations"] == "pending"
        assert client.get("/healthz").status_code == 200
    with schema_marked_at("0123456789ab"):
        response = client.get("/readyz")
        assert response.status_code == 503 and response.get_json()["checks"]["migrations"] == "unknown_revision"
    assert client.get("/readyz").status_code == 200


def test_neither_alive_nor_ready_when_the_database_is_down():
    app = make_app(UNREACHABLE)
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "error", "database": "unreachable"}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["database"]
    assert response.get_json()["checks"]["database"] == "unreachable"


def test_probes_are_never_rate_limited(database_url, summit):
    app = make_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()
    assert [client.get("/agenda").status_code for _ in range(3)] == [200, 200, 429]  # the limit is real
    assert {client.get(path).status_code for path in ("/healthz", "/readyz") for _ in range(5)} == {200}
