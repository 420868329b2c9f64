"""The app's own log: JSON lines in production, text in development, each line with its request id,
and never a delegate's secret URL."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from config import log_format
from summit.plumbing.log_redaction import redact
from tests.support.data_key import TEST_DATA_KEY

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cretTokenNeverLogged"

# A fresh interpreter, so the app sets logging up itself (pytest has already configured it here).
CRASH = f"""
import logging, sys
from summit import create_app
app = create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k"}})
def crash():
    logging.getLogger("summit.mail").warning("about to fail for /manage/{SECRET}")
    raise RuntimeError("boom")
app.add_url_rule("/manage/{SECRET}/crash", "crash", crash)
response = app.test_client().get("/manage/{SECRET}/crash", headers={{"X-Request-ID": "req-42"}})
logging.getLogger("summit").info("outside any request")
print(response.status_code)
"""


def run_crash(**env) -> tuple[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("SUMMIT_ENV", "LOG_FORMAT")}
    result = subprocess.run([sys.executable, "-c", CRASH], cwd=ROOT, env={**clean, **env},
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "500", result.stderr
    return result.stdout, result.stderr


@pytest.mark.parametrize("env", [{"SUMMIT_ENV": "production", "PUBLIC_BASE_URL": "http://localhost", "DATA_KEY": TEST_DATA_KEY},
                                 {"LOG_FORMAT": "json"}])
def test_production_logs_are_json_lines_with_the_request_id_and_the_traceback(env):
    _, stderr = run_crash(**env)
    lines = [json.loads(line) for line in stderr.splitlines()]  # every line is one JSON object
    warning, error, outside = lines
    assert warning == {"time": warning["time"], "level": "WARNING", "logger": "summit.mail",
                       "message": "about to fail for /manage/[secret]", "request_id": "req-42"}
    assert error["level"] == "ERROR" and error["logger"] == "summit" and error["request_id"] == "req-42"
    assert error["message"] == "unhandled error on GET /manage/[secret]/crash"
    assert error["traceback"].startswith("Traceback") and "RuntimeError: boom" in error["traceback"]
    assert outside["message"] == "outside any request" and outside["request_id"] is None
    assert warning["time"].endswith("Z") and "T" in warning["time"]
    assert SECRET not in stderr


def test_development_logs_are_text_with_the_request_id():
    _, stderr = run_crash(SUMMIT_ENV="development")
    lines = stderr.splitlines()
    assert lines[0].endswith(f"WARNING summit.mail [req-42] about to fail for /manage/{SECRET}")
    assert lines[1].endswith("ERROR summit [req-42] unhandled error on GET /manage/[secret]/crash")
    assert lines[2] == "Traceback (most recent call last):" and "RuntimeError: boom" in stderr
    assert lines[-1].endswith("INFO summit [-] outside any request")


def test_log_format_follows_the_environment():
    assert log_format({}) == "text"
    assert log_format({"SUMMIT_ENV": "production"}) == "json"
    assert log_format({"SUMMIT_ENV": "production", "LOG_FORMAT": "text"}) == "text"
    assert log_format({"LOG_FORMAT": " JSON "}) == "json"


@pytest.mark.parametrize("raw, masked", [
    ("/manage/AbC-12_x", "/manage/[secret]"),
    ("/manage/AbC-12_x/route", "/manage/[secret]/route"),
    ("/manage/lost-link", "/manage/lost-link"),
    ("/calendar/WzEsMV0.kXq-3_z.ics", "/calendar/[secret].ics"),
    ("https://summit.example.org/manage/AbC?lang=zh", "https://summit.example.org/manage/[secret]?lang=zh"),
    ("next=%2Fmanage%2FAbC-12%2Fcancel", "next=%2Fmanage%2F[secret]%2Fcancel"),
    ("next=/calendar/WzEsMV0.kXq.ics&x=1", "next=/calendar/[secret].ics&x=1"),
    ("/calendar/WzEsMV0.kXq", "/calendar/[secret]"),
    ("/agenda.ics /agenda/3.ics /register", "/agenda.ics /agenda/3.ics /register"),
    (None, None),
])
def test_secret_paths_are_masked(raw, masked):
    assert redact(raw) == masked


def fully_decoded(text: str) -> str:
    while (decoded := unquote(text)) != text:
        text = decoded
    return text


# However a path is spelled, what a server or browser reads as /manage/<secret> or /calendar/<secret>.
@pytest.mark.parametrize("raw", [
    "/manage//{m}",                        # werkzeug redirects it (308) to /manage/<secret>
    "/manage///{m}/route",
    "/manage/./{m}",
    "/manage/.//./{m}",
    "/./manage/{m}",
    "/x/../manage/{m}",
    "/manage/../manage/{m}",
    "/calendar//{c}.ics",
    "/calendar/./{c}.ics",
    "/manage%2F{m}",
    "/manage%2f%2f{m}",
    "/manage/%2e/{m}",
    "/manage/%2E%2E/manage/{m}",
    "/manage/%41{m}",                      # the secret itself percent-encoded
    "/%6Danage/{m}",
    "/calendar/%57{c}.ics",
    "next=%252Fmanage%252F{m}",            # encoded twice, as in a query string's next=
    "next=%2Fmanage%2F%2F{m}%2Fcancel",
    "https://summit.example.org//manage//{m}?lang=zh",
    "Location: http://summit.test/manage/{m}",
    "\\manage\\{m}",                       # a browser reads \ as / in an http URL
    "GET /manage//{m} HTTP/1.1",
    "/manage/{m}/../{m}",
])
def test_a_secret_is_masked_however_its_path_is_spelled(raw):
    manage, calendar = "AbC-12_xyzSECRETm", "WzEsMV0.kXqSECRETc"
    text = raw.format(m=manage, c=calendar)
    masked = redact(text)
    assert "[secret]" in masked
    assert "SECRET" not in fully_decoded(masked), masked


@pytest.mark.parametrize("raw", ["/manage/lost-link", "/manage//lost-link", "/manage/./lost-link?x=1",
                                 "/agenda.ics", "/routes//R1", "/calendar/", "/manage/"])
def test_pages_that_are_no_secret_stay_readable(raw):
    assert redact(raw) == raw
