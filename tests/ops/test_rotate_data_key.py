"""`flask --app summit rotate-data-key`, killed halfway: every row stays readable with the ring "new,old",
starting with the new key alone still refuses (the check row is rotated last), and a second run finishes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text, insert, select, type_coerce

from summit.models import DataKeyCheck, Delegate
from summit.plumbing.data_key import CHECK_PLAINTEXT
from summit.plumbing.extensions import db

from support.app import make_app
from support.bulk_delegates import rows
from support.data_key import TEST_DATA_KEY as OLD

ROOT = Path(__file__).resolve().parents[2]
COUNT = 3000


def plant(summit) -> dict[int, tuple[str, str]]:
    """COUNT delegates with needs of their own (under OLD, the suite's key), by id."""
    data = []
    for n, (row, _) in enumerate(rows(summit.id, COUNT)):
        row.update(dietary_needs=f"diet-{n} 清真", accessibility_needs=f"access-{n}" if n % 3 == 0 else "")
        data.append(row)
    db.session.execute(insert(Delegate), data)
    db.session.commit()
    found = db.session.execute(select(Delegate.id, Delegate.dietary_needs, Delegate.accessibility_needs)).all()
    return {row.id: (row.dietary_needs, row.accessibility_needs) for row in found}


def raw_tokens() -> list[tuple[int, str, str]]:
    db.session.rollback()  # a fresh snapshot: the command commits in another process
    return db.session.execute(select(Delegate.id, type_coerce(Delegate.dietary_needs, Text),
                                     type_coerce(Delegate.accessibility_needs, Text))).all()


def opens(key: str, token: str) -> bool:
    try:
        Fernet(key).decrypt(token.encode())
        return True
    except InvalidToken:
        return False


def command(database_url: str, env: dict, *args) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATA_KEY", "SUMMIT_ENV")}
    environment.update(DATABASE_URL=database_url, **env)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "summit", "rotate-data-key", *args],
                            cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_halfway(process: subprocess.Popen, new: str) -> None:
    """SIGKILL once some rows, and not all, are under the new key."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, ("finished before it could be killed", process.communicate())
        done = sum(opens(new, dietary) for _, dietary, _ in raw_tokens())
        if done >= 200:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return
        time.sleep(0.02)
    pytest.fail("the rotation never got going")


def assert_every_row_readable(planted, ring: list[str]) -> tuple[int, int]:
    fernet = MultiFernet([Fernet(key) for key in ring])
    new = old = 0
    for delegate_id, dietary, access in raw_tokens():
        want = planted[delegate_id]
        assert fernet.decrypt(dietary.encode()).decode() == want[0]
        assert (fernet.decrypt(access.encode()).decode() if access else "") == want[1]
        if opens(ring[0], dietary):
            new += 1
        else:
            old += 1
    return new, old


def check_row_opens(key: str) -> bool:
    return opens(key, db.session.execute(select(type_coerce(DataKeyCheck.sample, Text))).scalar_one())


def test_production_first_prints_the_ring_to_set_and_changes_nothing(app, summit, database_url):
    planted = plant(summit)
    before = raw_tokens()
    new = Fernet.generate_key().decode()
    process = command(database_url, {"DATA_KEY": OLD, "SUMMIT_ENV": "production",
                                     "PUBLIC_BASE_URL": "https://summit.example.org"}, "--new-key", new)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 3, err
    assert f"DATA_KEY={new},{OLD}" in out and "run `flask --app summit rotate-data-key` again" in out
    assert raw_tokens() == before and len(planted) == COUNT


@pytest.mark.slow
def test_killed_halfway_every_row_opens_with_new_old_and_a_rerun_finishes(app, summit, database_url):
    planted = plant(summit)
    new = Fernet.generate_key().decode()
    ring = {"DATA_KEY": f"{new},{OLD}"}
    kill_halfway(command(database_url, ring, "--batch-size", "20"), new)

    under_new, under_old = assert_every_row_readable(planted, [new, OLD])
    assert under_new and under_old, (under_new, under_old)  # killed in the middle, not before or after
    assert not check_row_opens(new)  # rotated last: the new key alone is refused until the end
    with pytest.raises(RuntimeError, match="DATA_KEY does not open"):
        make_app(database_url, DATA_KEY=new)

    finish = command(database_url, ring)
    out, err = finish.communicate(timeout=300)
    assert finish.returncode == 0, err
    assert "Set DATA_KEY to it alone" in out
    under_new, under_old = assert_every_row_readable(planted, [new])
    assert (under_new, under_old) == (COUNT, 0)
    assert check_row_opens(new)
    rotated = make_app(database_url, DATA_KEY=new)  # starts with the new key alone, and reads the needs
    with rotated.app_context():
        some = db.session.scalars(select(Delegate).order_by(Delegate.id).limit(3)).all()
        assert [d.dietary_needs for d in some] == [planted[d.id][0] for d in some]
        db.session.remove()


@pytest.mark.slow
def test_development_rewrites_the_instance_key_new_old_then_new(app, summit, database_url, tmp_path):
    planted = plant(summit)
    keyfile = tmp_path / "data_key"
    keyfile.write_text(OLD)
    env = {"SUMMIT_INSTANCE_PATH": str(tmp_path)}
    kill_halfway_dev = command(database_url, env, "--batch-size", "20")
    # the new key is the first of the ring the command wrote before re-encrypting anything
    deadline = time.monotonic() + 60
    while "," not in keyfile.read_text() and time.monotonic() < deadline:
        time.sleep(0.01)
    new, old = keyfile.read_text().split(",")
    assert old == OLD
    kill_halfway(kill_halfway_dev, new)

    assert keyfile.read_text() == f"{new},{OLD}"  # killed: the file still holds both
    under_new, under_old = assert_every_row_readable(planted, [new, OLD])
    assert under_new and under_old

    finish = command(database_url, env)
    out, err = finish.communicate(timeout=300)
    assert finish.returncode == 0, err
    assert keyfile.read_text() == new and oct(keyfile.stat().st_mode & 0o777) == "0o600"
    assert assert_every_row_readable(planted, [new]) == (COUNT, 0)
    assert check_row_opens(new) and CHECK_PLAINTEXT


def test_a_rotation_under_way_is_finished_before_another_starts(app, summit, database_url):
    new = Fernet.generate_key().decode()
    process = command(database_url, {"DATA_KEY": f"{new},{OLD}"}, "--new-key", Fernet.generate_key().decode())
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1 and "rotation is under way" in err
