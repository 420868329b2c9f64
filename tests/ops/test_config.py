"""Settings the README names are read from the environment, as production sets them."""
from __future__ import annotations

from summit import create_app
from summit.services.badges.jobs import queue_name, render_processes


def test_badge_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BADGE_QUEUE", "badges-eu")
    monkeypatch.setenv("BADGE_RENDER_PROCESSES", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "x"})
    assert queue_name(app) == "badges-eu"
    assert render_processes(app) == 1


def test_badge_settings_default_when_unset(monkeypatch, tmp_path):
    monkeypatch.delenv("BADGE_QUEUE", raising=False)
    monkeypatch.delenv("BADGE_RENDER_PROCESSES", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "x"})
    assert queue_name(app) == "summit-badges"
    assert 1 <= render_processes(app) <= 2
