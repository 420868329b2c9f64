"""A non-editable `pip install .` is a working app: templates, static, translations, data, migrations."""
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.install
@pytest.mark.slow
def test_pip_install_dot_into_a_clean_virtualenv_serves_pages(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)], check=True, timeout=900)

    # Run from an empty folder, so nothing can come from the checkout.
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMIT_", "PYTHON"))}
    env["DATABASE_URL"] = "sqlite:///" + str(tmp_path / "installed.sqlite3")
    flask = [str(venv / "bin" / "flask"), "--app", "summit"]
    subprocess.run([*flask, "db", "upgrade"], check=True, cwd=workdir, env=env, capture_output=True)
    seeded = subprocess.run([*flask, "seed"], check=True, cwd=workdir, env=env, capture_output=True, text=True)
    assert "37 created" in seeded.stdout  # the summit, its programme, four routes, seven zones, the letters'
    # settings, four hotels and their twelve blocked nights

    probe = (
        "import summit, sys\n"
        "assert 'site-packages' in summit.__file__, summit.__file__\n"
        "c = summit.create_app().test_client()\n"
        "page = c.get('/agenda?lang=zh').get_data(as_text=True)\n"
        "assert '主题会议1' in page and '北京时间' in page, page[:500]\n"
        "assert c.get('/static/css/summit.css').status_code == 200\n"
        "assert c.get('/api/v1/routes').get_json()['routes'][0]['code'] == 'R1'\n"
        "from summit.models import Delegate\n"
        "from summit.plumbing.mail_templates import render_email\n"
        "with summit.create_app().app_context():\n"
        "    mail = render_email('new_link', 'zh', delegate=Delegate(given_name='A', family_name='B'),\n"
        "                        summit_name='S', manage_url='https://x/manage/t', hours=24)\n"
        "assert '新链接' in mail.subject and '新个人链接' in mail.text and '打开新链接' in mail.html, mail\n"
        "print('ok')\n"
    )
    result = subprocess.run([str(python), "-c", probe], cwd=workdir, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr

    # The operator's commands work from the wheel too: gunicorn with the shipped config, and a backup.
    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "-c", "python:summit.gunicorn_conf", "summit:create_app()"], cwd=workdir,
        env={**env, "SUMMIT_BIND": f"127.0.0.1:{port}", "SUMMIT_WORKERS": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/readyz") == {
            "status": "ok", "checks": {"database": "ok", "migrations": "ok", "summit": "ok"}}
    finally:
        server.terminate()
        server.wait(timeout=30)
    backup = subprocess.run([*flask, "backup", str(tmp_path)], check=True, cwd=workdir, env=env,
                            capture_output=True, text=True)
    assert Path(backup.stdout.strip()).stat().st_size > 0


def wait_for(url: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
