"""A non-editable `pip install .` is a working app: templates, static, translations, data, migrations."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
    assert "13 created" in seeded.stdout

    probe = (
        "import summit, sys\n"
        "assert 'site-packages' in summit.__file__, summit.__file__\n"
        "c = summit.create_app().test_client()\n"
        "page = c.get('/agenda?lang=zh').get_data(as_text=True)\n"
        "assert '主题会议1' in page and '北京时间' in page, page[:500]\n"
        "assert c.get('/static/css/summit.css').status_code == 200\n"
        "assert c.get('/api/v1/routes').get_json()['routes'][0]['code'] == 'R1'\n"
        "print('ok')\n"
    )
    result = subprocess.run([str(python), "-c", probe], cwd=workdir, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr
