"""Badge batches on a real server (issue 12, finding 10): several web workers share one batch slot per
host, and a batch whose process is killed ends failed, in the thread mode and the RQ mode alike.
On SQLite and (SUMMIT_TEST_DATABASE_URL) PostgreSQL."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from summit.plumbing.extensions import db
from summit.models import BadgeJob, Delegate
from summit.services.badges import jobs as badge_jobs
from summit.services.badges.selection import Selection

from support.badge_helpers import redis_url, staff_user
from support.factories import make_delegate
from support.bulk_delegates import insert_delegates
from support.live_server import gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.serial]

ROOT = Path(__file__).resolve().parents[2]
STAFF = "desk@example.org"
#: a batch's heartbeat every second, and dead after three silent ones: the test need not wait two minutes
FAST_HEARTBEAT = {"BADGE_JOB_HEARTBEAT": "1", "BADGE_JOB_STALE_AFTER": "3", "BADGE_RENDER_PROCESSES": "1"}


def desk(server) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{server.url}/desk/badges", timeout=60)
    assert page.status_code == 200, page.text[:300]
    session.headers["X-Test-CSRF"] = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return session


def start_batch(server, session: requests.Session, ids: list[int] | None = None) -> int:
    data = {"csrf_token": session.headers["X-Test-CSRF"], "layout": "a6", "sort": "family_name"}
    data.update({"selection": "ids", "ids": [str(i) for i in ids]} if ids else {"selection": "all"})
    r = session.post(f"{server.url}/desk/badges/batches", data=data, allow_redirects=False, timeout=60)
    assert r.status_code == 303, r.text[:300]
    return int(re.search(r"/batches/(\d+)$", r.headers["Location"]).group(1))


def status(server, session, job_id: int) -> dict:
    r = session.get(f"{server.url}/desk/badges/batches/{job_id}.json", timeout=60)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except requests.ConnectionError:  # the worker that held the connection was killed
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not {what} after {timeout}s")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def job_rows() -> list[BadgeJob]:
    db.session.rollback()
    return list(db.session.scalars(db.select(BadgeJob).order_by(BadgeJob.id)))


def overlaps(jobs: list[BadgeJob]) -> int:
    """How many pairs of these jobs were running at the same time."""
    spans = sorted((j.started_at, j.finished_at) for j in jobs)
    return sum(1 for i, (_, end) in enumerate(spans) for start, _ in spans[i + 1:] if start < end)


# ---------------------------------------------------------------- one slot per host


def _three_batches_at_once(server, people: list[int]) -> list[int]:
    sessions = [desk(server) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        return list(pool.map(lambda s: start_batch(server, s, people), sessions))


def test_batches_started_on_several_web_workers_run_one_at_a_time(database_url, summit):
    staff_user(STAFF)
    people = [make_delegate(summit, f"Given{chr(97 + i)}", "Family").id for i in range(30)]
    env = {**FAST_HEARTBEAT, "BADGE_JOB_STALE_AFTER": "30"}
    with gunicorn(database_url, app=f"support.live_app:make(sign_in_as={STAFF!r})", workers=3, env=env) as server:
        ids = _three_batches_at_once(server, people)
        watcher = desk(server)
        seen_positions = set()

        def all_done():
            states = [status(server, watcher, i) for i in ids]
            assert sum(s["status"] == "running" for s in states) <= 1, states
            seen_positions.update(s.get("queue_position") for s in states)
            return all(s["status"] in ("done", "failed") for s in states)

        wait_until(all_done, 300, "done")
    jobs = job_rows()
    assert [j.status for j in jobs] == ["done"] * 3, [j.error for j in jobs]
    assert overlaps(jobs) == 0
    assert {1, 2} <= seen_positions  # the others saw their place in line


def test_the_control_two_hosts_do_run_batches_side_by_side(database_url, summit):
    # Two servers on one database, each its own host (BADGE_RUNNER): their batches overlap.
    # The same check that found none above sees it, so it would see one host running two.
    staff_user(STAFF)
    people = [make_delegate(summit, f"Given{chr(97 + i)}", "Family").id for i in range(30)]
    app = f"support.live_app:make(sign_in_as={STAFF!r})"
    with gunicorn(database_url, app=app, workers=1, env={**FAST_HEARTBEAT, "BADGE_RUNNER": "host-a"}) as a, \
            gunicorn(database_url, app=app, workers=1, env={**FAST_HEARTBEAT, "BADGE_RUNNER": "host-b"}) as b:
        with ThreadPoolExecutor(2) as pool:
            ids = list(pool.map(lambda server: start_batch(server, desk(server), people), (a, b)))
        watcher = desk(a)
        wait_until(lambda: all(status(a, watcher, i)["status"] in ("done", "failed") for i in ids), 300, "done")
    jobs = job_rows()
    assert [j.status for j in jobs] == ["done", "done"], [j.error for j in jobs]
    assert {j.runner for j in jobs} == {"host-a", "host-b"}
    assert overlaps(jobs) == 1


# ---------------------------------------------------------------- a process that dies


def test_a_batch_whose_web_worker_is_killed_ends_failed_and_the_next_one_runs(database_url, summit):
    staff_user(STAFF)
    insert_delegates(summit.id, 150)  # three chunks of 50: long enough to be killed halfway
    with gunicorn(database_url, app=f"support.live_app:make(sign_in_as={STAFF!r})", workers=1,
                  env=FAST_HEARTBEAT) as server:
        session = desk(server)
        job_id = start_batch(server, session)
        wait_until(lambda: status(server, session, job_id)["status"] == "running", 60, "running")
        master = [p for p in children(os.getpid()) if b"gunicorn" in Path(f"/proc/{p}/cmdline").read_bytes()]
        (worker,) = [p for m in master for p in children(m)]
        os.kill(worker, signal.SIGKILL)  # as the OOM killer would: no clean-up, no last word

        # gunicorn starts a new worker; whoever reads the batch now learns it failed
        final = wait_until(lambda: (s := status(server, session, job_id))["status"] != "running" and s, 60,
                           "marked failed")
        assert final["status"] == "failed" and "heartbeat" in final["error"], final
        assert final["done"] < final["total"]
        # …and the host's slot is free: the next batch runs to the end
        db.session.rollback()
        few = list(db.session.scalars(db.select(Delegate.id).where(Delegate.status == "registered").limit(3)))
        next_id = start_batch(server, session, few)
        done = wait_until(lambda: (s := status(server, session, next_id))["status"] in ("done", "failed") and s,
                          120, "done")
        assert done["status"] == "done", done


@pytest.mark.skipif(redis_url() is None, reason="no Redis server to test the RQ path against")
def test_a_batch_whose_rq_worker_is_killed_ends_failed(app, database_url, summit, tmp_path):
    from redis import Redis
    from rq import Queue

    queue = f"summit-test-{uuid.uuid4().hex}"
    app.config.update(REDIS_URL=redis_url(), BADGE_QUEUE=queue, BADGE_JOB_HEARTBEAT=1, BADGE_JOB_STALE_AFTER=3)
    insert_delegates(summit.id, 150)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url(), "BADGE_QUEUE": queue,
           "SECRET_KEY": app.config["SECRET_KEY"], **FAST_HEARTBEAT}
    log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "summit", "worker"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        job = badge_jobs.create_job(summit, Selection("all"), "a6", None)

        def running():
            db.session.rollback()
            return badge_jobs.get_job(job.id).status == "running"

        wait_until(running, 90, "running")
        # the work horse (RQ puts it in a session of its own) and the worker: nobody is left to report it
        for pid in [*children(worker.pid), worker.pid]:
            os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=30)

        def ended():
            db.session.rollback()
            current = badge_jobs.get_job(job.id)
            return current if current.status != "running" else None

        final = wait_until(ended, 30, "marked failed")
        assert final.status == "failed" and "heartbeat" in final.error, (final.status, final.error)
        assert final.done < final.total
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        log.close()
        Queue(queue, connection=Redis.from_url(redis_url())).delete(delete_jobs=True)
