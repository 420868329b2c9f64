"""Badge batches as background jobs: selection, progress, result, RQ, bounded memory."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from support.badge_helpers import decode_qr_codes, login, redis_url, staff_user, wait_for
from support.factories import make_delegate
from pypdf import PdfReader

from summit.plumbing.extensions import db
from summit.models import BadgeJob, BadgeJobResultChunk, Delegate
from summit.services.badges import jobs as badge_jobs, documents as badges
from summit.services.badges.selection import Selection, select_delegates
from summit.services.checkin.codes import delegate_id_for_code
from summit.plumbing.errors import ValidationFailed

#: heartbeats of a second and staleness after a few, memory peaks: alone on the machine (CI's serial pass)
pytestmark = pytest.mark.serial


def pages(pdf) -> int:
    return len(PdfReader(pdf if isinstance(pdf, BytesIO) else str(pdf)).pages)


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_selection_filters_and_sorts(summit):
    a = make_delegate(summit, "Zoe", "Adams", country="ZA", category="media", route="R1")
    b = make_delegate(summit, "Yu", "Bai", country="CN", category="government", route="R2")
    c = make_delegate(summit, "Ana", "Ávila", country="AR", category="media", route="R1",
                      route_status="waitlisted")
    badges.record_printed([c.id])  # printed once, counted by the service that counts prints
    make_delegate(summit, "Gone", "Cancelled", status="cancelled")
    db.session.commit()

    def ids(**kw):
        return [d.id for d in select_delegates(summit, Selection(**kw))]

    assert ids() == [a.id, c.id, b.id]  # Adams, Ávila, Bai: accents sort with their letter
    assert ids(sort="country") == [c.id, b.id, a.id]  # Argentina, China, South Africa
    assert ids(kind="category", category="media") == [a.id, c.id]
    route_r1 = a.booking.route_id
    assert ids(kind="route", route_id=route_r1) == [a.id]  # confirmed places only
    assert ids(kind="not_printed") == [a.id, b.id]
    assert ids(kind="ids", ids=[b.id, a.id], sort="country") == [b.id, a.id]
    with pytest.raises(ValidationFailed):
        ids(kind="category", category="spies")
    with pytest.raises(ValidationFailed):
        ids(kind="route", route_id=9999)


def test_a_batch_runs_in_a_thread_with_progress_and_a_result(app, summit, monkeypatch, tmp_path):
    monkeypatch.setattr(badges, "CHUNK_SIZE", 4)
    app.config["BADGE_RENDER_PROCESSES"] = 1
    people = [make_delegate(summit, f"Given{chr(97 + i)}", f"Family{chr(122 - i)}") for i in range(10)]
    user = staff_user()
    job = badge_jobs.create_job(summit, Selection("all"), "a6", user)
    assert job.total == 10 and job.status in ("queued", "running", "done")
    seen = []
    job = wait_for(job.id, on_progress=lambda j: seen.append(j.done))
    assert job.status == "done", job.error
    assert seen == sorted(seen) and seen[-1] == 10 and job.done == job.total
    assert set(seen) - {0, 10} <= {4, 8}  # progress moves a chunk at a time
    assert job.created_by_id == user.id and job.started_at and job.finished_at >= job.started_at
    result = badge_jobs.result_pdf(job)  # from the database: any host has it
    assert result is not None and pages(BytesIO(result)) == 10
    # sorted by family name: Familyq … Familyz, so the first badge is the last person made
    first_code = decode_qr_codes(result, tmp_path, page=1)[0]
    assert delegate_id_for_code(first_code) == people[-1].id
    assert not Path(app.instance_path, badge_jobs.JOB_DIR, f"job-{job.id}").exists()  # chunk files cleaned up
    assert {d.badge_print_count for d in db.session.scalars(db.select(Delegate))} == {1}


def test_a_batch_on_two_helper_processes(app, summit, monkeypatch):
    monkeypatch.setattr(badges, "CHUNK_SIZE", 3)
    app.config["BADGE_RENDER_PROCESSES"] = 2
    for i in range(8):
        make_delegate(summit, f"Given{chr(97 + i)}", "Family", category="academia")
    make_delegate(summit, "Not", "Academic", category="media")
    job = badge_jobs.create_job(summit, Selection("category", category="academia"), "a4-4up", None)
    job = wait_for(job.id)
    assert job.status == "done", job.error
    reader = PdfReader(BytesIO(badge_jobs.result_pdf(job)))
    # chunks are whole sheets (4 badges, not 3): two full sheets, no half-empty one in between
    assert len(reader.pages) == 2
    text = "".join(p.extract_text() for p in reader.pages)
    assert text.count("FAMILY") == 8 and "ACADEMIC" not in text


def test_an_empty_selection_is_refused_and_a_broken_job_ends_failed(app, summit):
    with pytest.raises(ValidationFailed):
        badge_jobs.create_job(summit, Selection("not_printed"), "a6", None)
    job = BadgeJob(summit_id=summit.id, total=1, params={"layout": "letter", "ids": [1]})
    db.session.add(job)
    db.session.commit()
    badge_jobs.run_badge_job(job.id, app=app)
    db.session.rollback()
    job = db.session.get(BadgeJob, job.id)
    assert job.status == "failed" and "layout" in job.error and job.finished_at
    # a job already taken is never run twice
    badge_jobs.run_badge_job(job.id, app=app)
    assert db.session.get(BadgeJob, job.id).status == "failed"


@pytest.mark.skipif(redis_url() is None, reason="no Redis server to test the RQ path against")
def test_with_redis_the_batch_goes_to_the_rq_queue_and_a_worker_runs_it(app, summit, monkeypatch):
    from redis import Redis
    from rq import Queue, SimpleWorker

    app.config.update(REDIS_URL=redis_url(), BADGE_QUEUE=f"summit-test-{uuid.uuid4().hex}",
                      BADGE_RENDER_PROCESSES=1)
    for i in range(3):
        make_delegate(summit, "Given", f"Family{chr(97 + i)}")
    job = badge_jobs.create_job(summit, Selection("all"), "a6", None)
    connection = Redis.from_url(app.config["REDIS_URL"])
    queue = Queue(app.config["BADGE_QUEUE"], connection=connection)
    try:
        assert queue.count == 1
        db.session.rollback()
        assert db.session.get(BadgeJob, job.id).status == "queued"  # nothing ran in the web process
        SimpleWorker([queue], connection=connection).work(burst=True)
        job = wait_for(job.id, timeout=30)
        assert job.status == "done", job.error
        assert pages(BytesIO(badge_jobs.result_pdf(job))) == 3
    finally:
        queue.delete(delete_jobs=True)


@pytest.mark.slow
def test_memory_stays_bounded_over_a_large_batch(app, summit):
    app.config["BADGE_RENDER_PROCESSES"] = 1  # rendered in this process, so its RSS tells
    scripts = ["张伟", "Иван Петров", "ليلى حداد", "สมชาย ศรีสุข", "አበበ በቀለ", ""]
    categories = ["government", "international_organisation", "enterprise", "academia", "media", "other"]
    for i in range(500):
        make_delegate(summit, f"Given{i:03d}".replace("0", "o"), f"Family {i}", scripts[i % len(scripts)],
                      organisation=f"Organisation number {i} for sustainable transport",
                      category=categories[i % len(categories)])
    samples = {}

    def sample(job):
        if job.done >= 100 and "early" not in samples:
            samples["early"] = rss_mb()
        samples["late"] = rss_mb()

    job = badge_jobs.create_job(summit, Selection("all"), "a6", None)
    job = wait_for(job.id, timeout=600, on_progress=sample)
    assert job.status == "done", job.error
    assert pages(BytesIO(badge_jobs.result_pdf(job))) == 500
    # 400 more badges after the first 100, and joining all 500, may not grow this
    # process by more than a few chunks' worth (glibc keeps freed memory, so a
    # transient peak shows up in the last sample too)
    assert samples["late"] - samples["early"] < 60, samples


def test_the_worker_command_needs_redis(app):
    app.config["REDIS_URL"] = None
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output


@pytest.mark.skipif(redis_url() is None, reason="no Redis server to test the RQ path against")
def test_the_worker_command_runs_queued_batches(app, summit):
    from redis import Redis
    from rq import Queue

    app.config.update(REDIS_URL=redis_url(), BADGE_QUEUE=f"summit-test-{uuid.uuid4().hex}",
                      BADGE_RENDER_PROCESSES=1)
    make_delegate(summit, "Given", "Family")
    job = badge_jobs.create_job(summit, Selection("all"), "a4-4up", None)
    db.session.rollback()
    try:
        result = app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert result.exit_code == 0, result.output
        job = wait_for(job.id, timeout=60)
        assert job.status == "done", job.error
        assert pages(BytesIO(badge_jobs.result_pdf(job))) == 1
    finally:
        Queue(app.config["BADGE_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"])).delete(delete_jobs=True)


@pytest.mark.skipif(redis_url() is None, reason="no Redis server to test the RQ path against")
def test_a_bare_rq_worker_runs_a_batch_through_the_worker_entry_point(app, summit, database_url):
    """`rq worker summit-badges` has no app: the wake-up names summit.worker.run_badge_job, which builds one."""
    from redis import Redis
    from rq import Queue

    app.config.update(REDIS_URL=redis_url(), BADGE_QUEUE=f"summit-test-{uuid.uuid4().hex}")
    make_delegate(summit, "Given", "Family")
    job = badge_jobs.create_job(summit, Selection("all"), "a4-4up", None)
    queue = Queue(app.config["BADGE_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))
    try:
        assert [queued.func_name for queued in queue.jobs] == ["summit.worker.run_badge_job"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMIT_")}
        env.update(DATABASE_URL=database_url, BADGE_RENDER_PROCESSES="1")
        worker = subprocess.run([str(Path(sys.executable).with_name("rq")), "worker", "--burst",
                                 "--url", app.config["REDIS_URL"], app.config["BADGE_QUEUE"]],
                                env=env, capture_output=True, text=True, timeout=300)
        assert worker.returncode == 0, worker.stderr
        job = wait_for(job.id, timeout=60)
        assert job.status == "done", job.error
        assert pages(BytesIO(badge_jobs.result_pdf(job))) == 1
    finally:
        queue.delete(delete_jobs=True)


# ---------------------------------------------------------------- issue 12, finding 10: jobs that hold

def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the render helpers a batch spawns)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def render_helpers(pid: int) -> list[int]:
    """The live render processes of ``pid``'s pools (multiprocessing's resource tracker is not one)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(parent) == pid and state != "Z" and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


def tree_rss_mb(pid: int) -> float:
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1])
        except (OSError, IndexError):
            pass
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def watch(client, job_ids: list[int], timeout: float = 300) -> dict:
    """Sample the jobs (as the desk's progress page does) and this process tree until every job has ended."""
    seen = {"running_at_once": 0, "helpers": 0, "peak_mb": 0.0, "positions": {i: set() for i in job_ids}}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [client.get(f"/desk/badges/batches/{i}.json").json for i in job_ids]
        seen["running_at_once"] = max(seen["running_at_once"], sum(s["status"] == "running" for s in states))
        for state in states:
            seen["positions"][state["id"]].add(state.get("queue_position"))
        helpers = render_helpers(os.getpid())
        if len(helpers) > seen["helpers"]:
            seen["helpers"] = len(helpers)
        seen["peak_mb"] = max(seen["peak_mb"], tree_rss_mb(os.getpid()))
        if all(s["status"] in ("done", "failed") for s in states):
            db.session.rollback()
            seen["jobs"] = [db.session.get(BadgeJob, i) for i in job_ids]
            return seen
        time.sleep(0.05)
    raise AssertionError(f"jobs still running after {timeout}s: {seen}")


@pytest.mark.slow
def test_batches_started_together_run_one_at_a_time_with_their_place_in_line(app, summit, monkeypatch, capsys):
    monkeypatch.setattr(badges, "CHUNK_SIZE", 4)
    app.config["BADGE_RENDER_PROCESSES"] = 2
    for i in range(12):
        make_delegate(summit, f"Given{chr(97 + i)}", "Family")
    client = app.test_client()
    login(client, staff_user())
    # one batch alone: what a batch costs
    alone = watch(client, [badge_jobs.create_job(summit, Selection("all"), "a6", None).id])
    # three started at once (three staff at three desks)
    ids = [badge_jobs.create_job(summit, Selection("all"), "a6", None).id for _ in range(3)]
    together = watch(client, ids)
    with capsys.disabled():
        print(f"\n[badge queue] one batch: peak {alone['peak_mb']:.0f} MB, {alone['helpers']} helper processes; "
              f"three at once: peak {together['peak_mb']:.0f} MB, {together['helpers']} helpers, "
              f"{together['running_at_once']} running at most")
    assert together["running_at_once"] == 1
    assert all(j.status == "done" for j in together["jobs"]), [j.error for j in together["jobs"]]
    # one pool of BADGE_RENDER_PROCESSES, never one per batch
    assert alone["helpers"] == 2 and together["helpers"] <= 2, together
    # the later ones waited their turn, and could see where they stood
    assert 2 in together["positions"][ids[2]] and 1 in together["positions"][ids[2]]
    first, second, third = sorted(together["jobs"], key=lambda j: j.id)
    assert first.finished_at <= second.started_at and second.finished_at <= third.started_at
    # memory: three queued batches cost what one does (glibc and spawn start-up vary a little)
    assert together["peak_mb"] < alone["peak_mb"] * 1.25 + 50, (alone["peak_mb"], together["peak_mb"])


def test_the_database_holds_one_running_batch_per_host(app, summit):
    from sqlalchemy.exc import IntegrityError

    now = badge_jobs.utcnow()

    def running(runner):
        db.session.add(BadgeJob(summit_id=summit.id, total=1, status="running", runner=runner,
                                started_at=now, heartbeat_at=now, params={"ids": [1]}))
        db.session.commit()

    running("host-a")
    running("host-b")  # another host has its own slot
    with pytest.raises(IntegrityError):
        running("host-a")
    db.session.rollback()
    with pytest.raises(IntegrityError):  # running needs a runner and a heartbeat
        db.session.add(BadgeJob(summit_id=summit.id, total=1, status="running", params={}))
        db.session.commit()
    db.session.rollback()


def test_a_running_batch_whose_process_died_reads_failed_and_frees_the_host(app, summit):
    app.config.update(BADGE_RENDER_PROCESSES=1, BADGE_JOB_STALE_AFTER=60)
    make_delegate(summit)
    # what a process killed mid-batch leaves behind: running, on this host, silent for ten minutes
    long_ago = badge_jobs.utcnow() - timedelta(minutes=10)
    dead = BadgeJob(summit_id=summit.id, total=1, status="running", runner=badge_jobs.runner_name(app),
                    started_at=long_ago, heartbeat_at=long_ago, params={"layout": "a6", "ids": [1]})
    db.session.add(dead)
    db.session.commit()
    client = app.test_client()
    login(client, staff_user())
    status = client.get(f"/desk/badges/batches/{dead.id}.json").json
    assert status["status"] == "failed" and "heartbeat" in status["error"]
    # and the host renders the next batch (the dead one no longer holds its slot)
    job = wait_for(badge_jobs.create_job(summit, Selection("all"), "a6", None).id, timeout=60)
    assert job.status == "done", job.error


def test_a_fresh_heartbeat_keeps_a_long_batch_running(app, summit, monkeypatch):
    # A chunk that takes longer than the stale limit is not mistaken for a dead batch.
    app.config.update(BADGE_RENDER_PROCESSES=1, BADGE_JOB_HEARTBEAT=1, BADGE_JOB_STALE_AFTER=2)
    slow_render = badges.render_chunk

    def render_slowly(*args, **kwargs):
        time.sleep(4)
        return slow_render(*args, **kwargs)

    monkeypatch.setattr(badges, "render_chunk", render_slowly)
    make_delegate(summit)
    states = []
    job = wait_for(badge_jobs.create_job(summit, Selection("all"), "a6", None).id, timeout=60,
                   on_progress=lambda j: states.append(badge_jobs.refresh(j).status))
    assert job.status == "done", job.error
    assert "failed" not in states and "running" in states


def test_a_finished_pdf_is_deleted_after_its_time_and_the_download_says_so(app, summit):
    app.config.update(BADGE_RENDER_PROCESSES=1, BADGE_RESULT_TTL=2)
    make_delegate(summit, "Ana", "Alpha")
    client = app.test_client()
    login(client, staff_user())
    job = wait_for(badge_jobs.create_job(summit, Selection("all"), "a6", None).id)
    assert job.status == "done", job.error
    status = client.get(f"/desk/badges/batches/{job.id}.json").json
    assert status["expires_at"] and client.get(status["download_url"]).status_code == 200
    time.sleep(2.2)
    status = client.get(f"/desk/badges/batches/{job.id}.json").json
    assert status["status"] == "expired" and status["download_url"] is None
    assert badge_jobs.result_size(db.session.get(BadgeJob, job.id)) is None
    gone = client.get(f"/desk/badges/batches/{job.id}.pdf?lang=en")
    assert gone.status_code == 410 and "This PDF has been deleted" in gone.text and "Back to badges" in gone.text
    gone_zh = client.get(f"/desk/badges/batches/{job.id}.pdf?lang=zh")
    assert gone_zh.status_code == 410 and "已删除" in gone_zh.text
    page = client.get(f"/desk/badges/batches/{job.id}?lang=en")
    assert "This PDF has been deleted" in page.text


def test_the_expiry_command_deletes_old_pdfs_with_nobody_looking(app, summit):
    app.config.update(BADGE_RENDER_PROCESSES=1, BADGE_RESULT_TTL=1)
    make_delegate(summit)
    job = wait_for(badge_jobs.create_job(summit, Selection("all"), "a6", None).id)
    assert badge_jobs.result_size(job) > 0
    time.sleep(1.2)
    result = app.test_cli_runner().invoke(args=["badges-expire"])
    assert result.exit_code == 0 and "1 batch PDF(s) deleted" in result.output, result.output
    db.session.rollback()
    assert db.session.get(BadgeJob, job.id).status == "expired"
    assert db.session.scalar(db.select(db.func.count()).select_from(BadgeJobResultChunk)) == 0


def test_old_batch_files_go_even_when_the_table_has_forgotten_them(app, summit):
    # A result expired by another host, or chunks a killed process left: the folder is swept by age.
    app.config.update(BADGE_RESULT_TTL=3600)
    folder = Path(app.instance_path, badge_jobs.JOB_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    old_pdf, old_chunks = folder / "badges-999001.pdf", folder / "job-999001"
    new_pdf, other = folder / "badges-999002.pdf", folder / "keep-me.txt"
    old_chunks.mkdir(exist_ok=True)
    for path in (old_pdf, new_pdf, other, old_chunks / "part-000000.pdf"):
        path.write_bytes(b"%PDF")
    two_hours_ago = time.time() - 7200
    for path in (old_pdf, old_chunks, other):
        os.utime(path, (two_hours_ago, two_hours_ago))
    try:
        badge_jobs.expire_results()
        assert not old_pdf.exists() and not old_chunks.exists()
        assert new_pdf.exists() and other.exists()  # young, or not a batch file
    finally:
        for path in (new_pdf, other):
            path.unlink(missing_ok=True)
