"""gunicorn as the README tells an operator to run it: `-c python:summit.gunicorn_conf`."""
from __future__ import annotations

import __future__
import importlib
import inspect
import json
import os
from types import ModuleType
from urllib.parse import quote, urlsplit

import pytest
from gunicorn.config import Config

from support.factories import delegate_data
from support.live_server import gunicorn
from tests.support.data_key import TEST_DATA_KEY


def load_conf(monkeypatch, **env) -> ModuleType:
    for name in ("SUMMIT_WORKERS", "WEB_CONCURRENCY", "SUMMIT_BIND", "SUMMIT_ACCESS_LOG", "SUMMIT_CONTROL_SOCKET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import summit.gunicorn_conf

    return importlib.reload(summit.gunicorn_conf)


def test_every_setting_in_the_file_is_one_gunicorn_knows(monkeypatch):
    """gunicorn silently ignores a name it does not know: a typo would be a setting lost."""
    conf = load_conf(monkeypatch)
    known = Config().settings
    ours = {name for name, value in vars(conf).items() if not name.startswith("_")
            and not inspect.ismodule(value) and not inspect.isfunction(value)
            and not (inspect.isclass(value) and name != "logger_class")
            and not isinstance(value, __future__._Feature)}
    assert ours - set(known) == set()
    assert {"bind", "workers", "worker_class", "threads", "timeout", "graceful_timeout", "keepalive",
            "max_requests", "max_requests_jitter", "accesslog", "logger_class"} <= ours


def test_workers_follow_the_cores_unless_told(monkeypatch):
    cores = len(os.sched_getaffinity(0))
    conf = load_conf(monkeypatch)
    assert conf.workers == cores + 1 and conf.bind == ["127.0.0.1:8000"] and conf.worker_class == "gthread"
    assert 0 < conf.max_requests_jitter < conf.max_requests and conf.accesslog == "-"
    assert load_conf(monkeypatch, WEB_CONCURRENCY="5").workers == 5
    assert load_conf(monkeypatch, WEB_CONCURRENCY="5", SUMMIT_WORKERS="3").workers == 3
    assert load_conf(monkeypatch, SUMMIT_BIND="0.0.0.0:80, [::]:80").bind == ["0.0.0.0:80", "[::]:80"]
    assert load_conf(monkeypatch, SUMMIT_ACCESS_LOG="off").accesslog is None


@pytest.mark.slow
def test_served_with_the_shipped_config_logs_json_with_request_ids_and_no_secrets(database_url, summit, tmp_path):
    env = {"SUMMIT_WORKERS": "2", "SUMMIT_THREADS": "2", "SUMMIT_ENV": "production", "DATA_KEY": TEST_DATA_KEY,
           "PUBLIC_BASE_URL": "http://127.0.0.1"}  # the host the test client names
    sent = {}
    with gunicorn(database_url, config="python:summit.gunicorn_conf", env=env, logs=tmp_path) as server:
        status, body = server.call("POST", "/api/v1/registrations", delegate_data())
        assert status == 201
        manage, calendar = urlsplit(body["manage_url"]).path, urlsplit(body["calendar_url"]).path
        secrets = [body["token"], manage.rsplit("/", 1)[1], calendar.rsplit("/", 1)[1].removesuffix(".ics")]

        for name, path, headers in [
            ("manage", manage, {"X-Request-ID": "ops-manage-1"}),
            ("calendar", calendar, {}),
            ("switch", "/language/zh?next=" + quote(manage, safe=""), {}),
            ("agenda", "/agenda", {"Referer": body["manage_url"]}),
            ("ready", "/readyz", {}),
        ]:
            status, headers_back, _ = server.fetch("GET", path, headers)
            sent[name] = (status, headers_back["x-request-id"])
    assert sent["manage"] == (200, "ops-manage-1")
    assert sent["calendar"][0] == 200 and sent["switch"][0] == 302 and sent["ready"][0] == 200

    stdout = (tmp_path / "stdout.log").read_text()
    stderr = (tmp_path / "stderr.log").read_text()
    for secret in secrets:
        assert secret not in stdout and secret not in stderr

    access = [json.loads(line) for line in stdout.splitlines()]  # every line is one JSON object
    by_id = {line["request_id"]: line for line in access}
    assert set(by_id) >= {rid for _, rid in sent.values()}
    line = by_id["ops-manage-1"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/manage/[secret]", 200)
    assert line["message"] == "GET /manage/[secret] 200" and line["duration_ms"] >= 0 and line["bytes"] > 0
    assert by_id[sent["calendar"][1]]["path"] == "/calendar/[secret].ics"
    assert by_id[sent["switch"][1]]["query"] == "next=%2Fmanage%2F[secret]"
    assert by_id[sent["agenda"][1]]["referer"].endswith("/manage/[secret]")

    # In production gunicorn's own lines and the app's are JSON too, the app's with their request id.
    errors = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert sum(e["message"].startswith("Booting worker") for e in errors) == 2
    mail = [e for e in errors if e["logger"] == "summit.mail"]
    assert len(mail) == 1 and mail[0]["request_id"] in by_id
    assert by_id[mail[0]["request_id"]]["path"] == "/api/v1/registrations"


def test_a_plain_flask_app_served_with_the_shipped_config_gets_no_outbox_poller(monkeypatch):
    """The benches serve a bare "hello world" with these settings as their ceiling: a poller started for it
    would fail every 5 s ("the current Flask app is not registered with this 'SQLAlchemy' instance")."""
    from types import SimpleNamespace

    from flask import Flask

    from summit.services import outbox

    conf = load_conf(monkeypatch)
    hello = Flask("hello")
    conf.post_worker_init(SimpleNamespace(wsgi=hello))
    assert outbox._state(hello).poller is None
