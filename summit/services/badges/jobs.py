"""Badge batches as background jobs: queued, rendered one at a time per host, kept for a while.

The queue is the badge_job table itself, so the web processes, the RQ workers
and whoever reads a job's status all see the same truth:

- A job is **queued** when made, with its selection resolved (the batch is what
  the staff saw).
- A **runner** claims the oldest queued job for its host and renders it.  A host
  renders one batch at a time (one process pool of BADGE_RENDER_PROCESSES
  helpers): a partial unique index allows one running job per runner name
  (BADGE_RUNNER, default the host name), so three batches started at once on
  three web workers queue up instead of starting three pools (they once reached
  12 processes and 1.9 GB).  A queued job's place in line is its
  ``queue_position``.  When a runner finishes a job it takes the next one.
  Without REDIS_URL the runner is a thread of the web process; with it, each new
  job (and each finished one, while the queue is not empty) puts a wake-up on
  the RQ queue ``summit-badges`` for ``flask --app summit worker`` (or
  ``rq worker summit-badges``); the wake-up names summit/worker.py's job
  function, which brings the app.
- While it renders, a job writes a **heartbeat** every BADGE_JOB_HEARTBEAT
  seconds.  A running job whose heartbeat is older than BADGE_JOB_STALE_AFTER
  died with its process (killed, out of memory, a restart, an RQ timeout) and is
  marked **failed** by whoever sees it next (a status read, the next claim),
  which frees the host for the next batch.  The same works in both modes, and
  for a whole RQ worker killed as much as for its work horse.
- A finished PDF is kept **in the database** (badge_job_result_chunk, 1 MiB a row,
  written in the transaction that marks the job done), so behind a proxy with
  several app hosts the download works whichever host it lands on.
- A finished PDF (delegates' names and check-in codes) is **deleted**
  BADGE_RESULT_TTL seconds after the job is done; the job is then **expired**
  and its download says so.  Sweeps run when a batch is made or finishes, when
  an expired job is read, and from ``flask --app summit badges-expire`` (cron).

Rendering itself renders CHUNK_SIZE badges at a time (each chunk a PDF file in
the instance folder, so memory stays flat whatever the batch size), counts
progress in the row, and joins the chunks at the end (the work folder is this
host's scratch space only; nothing in it outlives the job); chunks go to up to
BADGE_RENDER_PROCESSES helper processes while this process prepares the next.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import socket
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import IO
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from ...plumbing.database import writing
from ...plumbing.extensions import db
from ...models import BadgeJob, BadgeJobResultChunk, ConsoleUser, Delegate, Summit, utcnow
from ...models.labels import Accreditation, DelegateStatus
from ..accreditation.gates import admitted
from . import documents as badges
from .renderer import merge_pdfs, render_to_file
from .selection import Selection, select_delegates
from ...plumbing.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

QUEUE_NAME = "summit-badges"
#: what a wake-up names: the worker's entry point, which has or builds the app (a service never builds it)
JOB_FUNCTION = "summit.worker.run_badge_job"
JOB_DIR = "badge-jobs"
#: an RQ job running longer than this is stopped (10,000 badges take a few minutes)
JOB_TIMEOUT = 3 * 3600
#: a reader nudges the queue at most this often per process (seconds)
NUDGE_INTERVAL = 5.0


class JobLost(Exception):
    """The job stopped being ours while we rendered it (marked failed as dead)."""


class NothingLeftToPrint(Exception):
    """Every delegate of the batch was left out (not approved, or cancelled, since it was queued)."""

    def __init__(self, dropped: dict[str, int]):
        super().__init__("nothing left to print: every delegate of this batch is no longer approved "
                         f"({', '.join(f'{n} {reason}' for reason, n in dropped.items() if n)})")


def create_job(summit: Summit, selection: Selection, layout: str, by_user: ConsoleUser | None) -> BadgeJob:
    """Resolve the selection now (the batch is what the staff saw) and queue the job."""
    layout_obj = badges.layout_named(layout)
    delegates = select_delegates(summit, selection)
    if not delegates:
        raise ValidationFailed({"selection": ["no delegate matches this selection"]}, "nothing to print")
    return queue_job(summit, len(delegates), {**selection.as_params(), "layout": layout_obj.name,
                                              "ids": [d.id for d in delegates]}, by_user)


#: what a batch renders: ``params["kind"]`` names it (absent: badges). The queue, the one-per-host rule, the
#: heartbeat, progress, expiry and download are this module's for every kind; a kind brings its render
#: function (``render(app, job_id, heartbeat)``, which ends with finish_job), found by job_renderer.
BADGES = "badges"
VISA_LETTERS = "visa_letters"


def job_kind(job: BadgeJob) -> str:
    return (job.params or {}).get("kind") or BADGES


def queue_job(summit: Summit, total: int, params: dict, by_user: ConsoleUser | None) -> BadgeJob:
    """Queue a batch of any kind (``params`` holds its kind and what it prints) and wake a runner."""
    job = BadgeJob(summit_id=summit.id, total=total, done=0, status="queued", params=params,
                   created_by_id=by_user.id if by_user else None)
    with writing():  # runners write as they go: never upgrade the selection's read transaction
        db.session.add(job)
    expire_results()
    wake_runner(current_app._get_current_object())
    return job


def job_renderer(kind: str):
    if kind == VISA_LETTERS:
        # imported here: the letters' package builds on this one, not the other way round
        from ..travel.letter_jobs import render_letter_job
        return render_letter_job
    return _render_badges


def queue_name(app: Flask) -> str:
    return app.config.get("BADGE_QUEUE") or QUEUE_NAME


def runner_name(app: Flask) -> str:
    """This host's batch slot: one running job per name."""
    return (app.config.get("BADGE_RUNNER") or socket.gethostname())[:255]


def render_processes(app: Flask) -> int:
    configured = app.config.get("BADGE_RENDER_PROCESSES")
    if configured is not None:
        return max(1, int(configured))
    return max(1, min(2, os.cpu_count() or 1))


# ---------------------------------------------------------------- reading a job

def get_job(job_id: int) -> BadgeJob:
    """The job as it really is: a dead one failed, an old result expired (see ``refresh``)."""
    job = db.session.get(BadgeJob, job_id)
    if job is None:
        raise NotFound("no such badge job", code="unknown_job")
    return refresh(job)


def refresh(job: BadgeJob) -> BadgeJob:
    """Bring a job read from the table up to date with the clock.

    A running job whose heartbeat is stale has died: it is marked failed now (and
    the queue moves on).  A done job past its expiry, or whose file is gone, is
    expired now (its file deleted).  A queued job makes sure some runner is
    looking at the queue.  Writes only in those cases: a poll of a healthy job
    reads.
    """
    app = current_app._get_current_object()
    if job.status == "running" and _stale(job, app):
        if reap_stale():
            wake_runner(app)
        db.session.refresh(job)
    elif job.status == "done" and _past(job.expires_at):
        _expire(job)
        db.session.refresh(job)
    elif job.status == "queued":
        _nudge(app, job)
    return job


def queue_position(job: BadgeJob) -> int | None:
    """1 for the next batch to start, 2 for the one after it…; None once it has started."""
    if job.status != "queued":
        return None
    return db.session.scalar(db.select(db.func.count()).select_from(BadgeJob)
                             .where(BadgeJob.status == "queued", BadgeJob.id <= job.id))


def describe(job: BadgeJob) -> dict:
    """A job's status as JSON (the desk's progress page polls it)."""
    def iso(value):
        return value.isoformat() if value is not None else None

    return {"id": job.id, "status": job.status, "done": job.done, "total": job.total,
            "queue_position": queue_position(job),
            "error": job.error if job.status == "failed" else None,
            "left_out": left_out(job),
            "created_at": iso(job.created_at), "started_at": iso(job.started_at),
            "finished_at": iso(job.finished_at), "expires_at": iso(job.expires_at)}


#: a finished PDF is stored in the database in pieces of this size (badge_job_result_chunk)
RESULT_CHUNK_BYTES = 1024 * 1024


def result_size(job: BadgeJob) -> int | None:
    """The finished PDF's size in bytes, if the job is done and its result is kept (in the database, so
    whichever app host asks, the one that rendered it or another)."""
    if job.status != "done":
        return None
    chunks, size = db.session.execute(
        db.select(func.count(), func.sum(func.length(BadgeJobResultChunk.data)))
        .where(BadgeJobResultChunk.job_id == job.id)).one()
    return int(size) if chunks else None


def result_chunks(job_id: int) -> Iterator[bytes]:
    """The finished PDF, a chunk at a time, one short query each: a download never holds it whole."""
    seq = 0
    while True:
        data = db.session.scalar(db.select(BadgeJobResultChunk.data).where(
            BadgeJobResultChunk.job_id == job_id, BadgeJobResultChunk.seq == seq))
        db.session.commit()  # no read transaction held while the client takes its time
        if data is None:
            return
        yield bytes(data)
        seq += 1


def open_result(job: BadgeJob) -> IO[bytes] | None:
    """The finished PDF in a temporary file of this host (gone once closed), or None: what stamping a
    download needs (pikepdf reads a PDF from its end), whichever host rendered it."""
    if result_size(job) is None:
        return None
    out = tempfile.TemporaryFile(prefix="summit-batch-")
    for data in result_chunks(job.id):
        out.write(data)
    out.seek(0)
    return out


def result_pdf(job: BadgeJob) -> bytes | None:
    """The finished PDF whole (tests, small batches), or None."""
    return None if result_size(job) is None else b"".join(result_chunks(job.id))


def _past(moment) -> bool:
    return moment is not None and moment <= utcnow()


def _stale(job: BadgeJob, app: Flask) -> bool:
    cutoff = utcnow() - timedelta(seconds=app.config["BADGE_JOB_STALE_AFTER"])
    return job.heartbeat_at is None or job.heartbeat_at < cutoff


# ---------------------------------------------------------------- the queue

def wake_runner(app: Flask) -> None:
    """Tell a runner there is work: an RQ wake-up, or this process's runner thread."""
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue

        Queue(queue_name(app), connection=Redis.from_url(app.config["REDIS_URL"])).enqueue_call(
            JOB_FUNCTION, timeout=JOB_TIMEOUT, description="the next badge batch")
    else:
        _local_runner.wake(app)


_last_nudge = 0.0


def _nudge(app: Flask, job: BadgeJob) -> None:
    """A queued job is being watched: make sure it is not waiting for nobody.

    Without Redis, a batch left queued by a web process that has since gone is
    picked up by whichever process's page is watching it.  With Redis, a wake-up
    is sent again when nothing runs and the job has waited longer than a dead
    runner would take to be noticed (e.g. Redis lost its queue).
    """
    global _last_nudge
    now = time.monotonic()
    if now - _last_nudge < NUDGE_INTERVAL:
        return
    _last_nudge = now
    if not app.config.get("REDIS_URL"):
        _local_runner.wake(app)
        return
    waited = utcnow() - job.created_at
    running = db.session.scalar(db.select(db.func.count()).select_from(BadgeJob)
                                .where(BadgeJob.status == "running"))
    if not running and waited > timedelta(seconds=app.config["BADGE_JOB_STALE_AFTER"]):
        wake_runner(app)


class _LocalRunner:
    """This process's runner thread (no Redis): drains the queue, then ends."""

    def __init__(self):
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wanted = False

    def wake(self, app: Flask) -> None:
        with self._lock:
            self._wanted = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._drain, args=(app,), name="badge-runner", daemon=True)
                self._thread.start()

    def _drain(self, app: Flask) -> None:
        while True:
            with self._lock:
                self._wanted = False
            ran = None
            with app.app_context():
                try:
                    ran = run_next(app)
                except Exception:  # a runner must never die silently with work queued
                    log.exception("badge runner failed")
                finally:
                    db.session.remove()
            if ran is None:
                with self._lock:
                    if not self._wanted:
                        self._thread = None
                        return


_local_runner = _LocalRunner()


def run_badge_job(job_id: int | None = None, app: Flask | None = None) -> int | None:
    """RQ's job function: run the oldest queued batch, if this host renders none now.

    ``job_id`` is the batch whose arrival sent this wake-up (batches run oldest
    first, so it may be another).  Returns the id of the batch run, if any.
    Runs inside ``app``, by default the current one: wake-ups name
    summit.worker.run_badge_job, which brings the app for a bare ``rq worker``.
    This name is what wake-ups sent before that named, and ``flask --app summit
    worker`` still runs them.
    """
    if app is None:
        if not has_app_context():
            raise RuntimeError("a badge job needs the app: queue summit.worker.run_badge_job, "
                               "or run the worker with flask --app summit worker")
        app = current_app._get_current_object()
    with app.app_context():
        try:
            ran = run_next(app)
            if ran is not None and app.config.get("REDIS_URL") and _queued():
                wake_runner(app)  # the next batch starts in a fresh work horse
            return ran
        finally:
            db.session.remove()


def run_next(app: Flask) -> int | None:
    """Claim the oldest queued batch for this host and render it; None when there is none to claim."""
    job_id = claim_next(runner_name(app))
    if job_id is None:
        return None
    _run_claimed(app, job_id)
    expire_results()
    return job_id


def _queued() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(BadgeJob).where(BadgeJob.status == "queued"))


def claim_next(runner: str) -> int | None:
    """Mark the oldest queued job running on ``runner``; None when none is queued or the runner is busy."""
    reap_stale()
    oldest = db.select(BadgeJob.id).where(BadgeJob.status == "queued").order_by(BadgeJob.id).limit(1)
    if db.session.scalar(oldest) is None:  # a read first: an empty queue takes no write lock
        db.session.commit()
        return None
    for _ in range(3):  # another runner may take the one we saw: look again
        try:
            with writing():
                job_id = db.session.scalar(oldest)
                if job_id is None:
                    return None
                now = utcnow()
                claimed = db.session.execute(
                    db.update(BadgeJob).where(BadgeJob.id == job_id, BadgeJob.status == "queued")
                    .values(status="running", runner=runner, started_at=now, heartbeat_at=now)).rowcount
        except IntegrityError:
            # uq_badge_job_one_running_per_runner: this host renders a batch already; its
            # runner takes the next one when it is done
            return None
        if claimed:
            return job_id
    return None


def reap_stale() -> int:
    """Mark failed every running job whose heartbeat stopped; the number marked."""
    app = current_app._get_current_object()
    stale_after = app.config["BADGE_JOB_STALE_AFTER"]
    cutoff = utcnow() - timedelta(seconds=stale_after)
    stale = db.select(BadgeJob.id).where(BadgeJob.status == "running", BadgeJob.heartbeat_at < cutoff)
    ids = list(db.session.scalars(stale))  # a read first: nothing stale, no write lock
    if not ids:
        db.session.commit()
        return 0
    with writing():
        reaped = db.session.execute(
            db.update(BadgeJob).where(BadgeJob.id.in_(ids), BadgeJob.status == "running",
                                      BadgeJob.heartbeat_at < cutoff)
            .values(status="failed", finished_at=utcnow(),
                    error=f"the process rendering it stopped (no heartbeat for {stale_after} s)")).rowcount
    for job_id in ids:
        log.warning("badge job %s: no heartbeat for %s s, marked failed", job_id, stale_after)
        shutil.rmtree(_work_dir(job_id), ignore_errors=True)
    return reaped


# ---------------------------------------------------------------- results that expire

def expire_results() -> int:
    """Delete the PDFs of done jobs past their expiry; the number of jobs expired.

    Then any batch file of this host's instance folder older than BADGE_RESULT_TTL
    goes too, whatever the table says: a result whose row was expired by another
    host, or chunks a killed process left behind, are not kept for ever either.
    """
    jobs = db.session.scalars(db.select(BadgeJob).where(BadgeJob.status == "done",
                                                        BadgeJob.expires_at <= utcnow())).all()
    if not jobs:
        db.session.commit()  # end the read: a runner must not hold a snapshot between jobs
    for job in jobs:
        _expire(job)
    _delete_old_files(Path(current_app.instance_path, JOB_DIR), current_app.config["BADGE_RESULT_TTL"])
    return len(jobs)


def _delete_old_files(folder: Path, max_age: float) -> None:
    cutoff = time.time() - max_age
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return
    for entry in entries:
        try:
            if entry.stat().st_mtime >= cutoff:
                continue
            if entry.is_dir() and entry.name.startswith("job-"):
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.name.startswith(RESULT_NAMES) and entry.suffix == ".pdf":
                entry.unlink(missing_ok=True)
        except FileNotFoundError:  # another process swept it first
            continue


#: how the results of each kind are named (finish_job): the sweep deletes old ones of every kind
RESULT_NAMES = ("badges-", "letters-")


def _expire(job: BadgeJob) -> None:
    if job.result_path:  # a result from before they were kept in the database
        Path(current_app.instance_path, job.result_path).unlink(missing_ok=True)
    with writing():
        db.session.execute(db.delete(BadgeJobResultChunk).where(BadgeJobResultChunk.job_id == job.id))
        db.session.execute(db.update(BadgeJob).where(BadgeJob.id == job.id, BadgeJob.status == "done")
                           .values(status="expired", result_path=None))
    log.info("badge job %s: result deleted (expired)", job.id)


# ---------------------------------------------------------------- the job itself

class _Heartbeat(threading.Thread):
    """Writes the job's heartbeat while it renders; notices when the job was taken from us."""

    def __init__(self, app: Flask, job_id: int):
        super().__init__(name=f"badge-heartbeat-{job_id}", daemon=True)
        self.app, self.job_id = app, job_id
        self.stopped = threading.Event()
        self.lost = False

    def run(self) -> None:
        interval = max(0.2, float(self.app.config["BADGE_JOB_HEARTBEAT"]))
        while not self.stopped.wait(interval):
            with self.app.app_context():
                try:
                    if not _beat(self.job_id):
                        self.lost = True
                        return
                except Exception:  # the database was busy or away: try again next time
                    log.warning("badge job %s: heartbeat not written", self.job_id, exc_info=True)
                    db.session.rollback()
                finally:
                    db.session.remove()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=30)


def _beat(job_id: int, **values) -> bool:
    """Write the heartbeat (and ``values``) if the job is still running; False if it is not."""
    with writing():
        updated = db.session.execute(
            db.update(BadgeJob).where(BadgeJob.id == job_id, BadgeJob.status == "running")
            .values(heartbeat_at=utcnow(), **values)).rowcount
    return bool(updated)


def _run_claimed(app: Flask, job_id: int) -> None:
    heartbeat = _Heartbeat(app, job_id)
    heartbeat.start()
    try:
        job_renderer(job_kind(db.session.get(BadgeJob, job_id)))(app, job_id, heartbeat)
    except JobLost:
        log.warning("badge job %s was marked failed while it rendered; stopped", job_id)
        db.session.rollback()
    except Exception as exc:  # the job must end failed, never stay "running"
        log.exception("badge job %s failed", job_id)
        db.session.rollback()  # first: on PostgreSQL, writing() would continue the failed transaction
        with writing():
            db.session.execute(db.update(BadgeJob).where(BadgeJob.id == job_id, BadgeJob.status == "running")
                               .values(status="failed", error=f"{type(exc).__name__}: {exc}"[:2000],
                                       finished_at=utcnow()))
    finally:
        heartbeat.stop()
        shutil.rmtree(_work_dir(job_id), ignore_errors=True)


def _work_dir(job_id: int) -> Path:
    return Path(current_app.instance_path, JOB_DIR, f"job-{job_id}")


#: why a delegate queued in a batch is not printed after all (the batch result says how many of each)
LEFT_OUT_REASONS = ("pending", "rejected", "cancelled")


def printable(ids: list[int]) -> tuple[list[int], dict[str, int]]:
    """Of ``ids`` (in order), those who may have a badge now: registered and approved.

    A batch stores its delegates when queued; anyone rejected, still pending or cancelled (or erased)
    since then is left out, counted by reason (the gate of services/accreditation/gates.py, asked again).
    """
    rows = {}
    for start in range(0, len(ids), 5000):  # within any database's limit of bound parameters
        part = ids[start:start + 5000]
        rows.update({row.id: row for row in db.session.execute(
            db.select(Delegate.id, Delegate.status, Delegate.accreditation).where(Delegate.id.in_(part)))})
    kept, left_out = [], dict.fromkeys(LEFT_OUT_REASONS, 0)
    for delegate_id in ids:
        row = rows.get(delegate_id)
        if row is None or row.status != DelegateStatus.REGISTERED:
            left_out["cancelled"] += 1
        elif not admitted(row):
            left_out["rejected" if row.accreditation == Accreditation.REJECTED else "pending"] += 1
        else:
            kept.append(delegate_id)
    return kept, left_out


def left_out(job: BadgeJob) -> dict[str, int]:
    """How many of the batch's delegates were not printed, by reason (zeros before it renders)."""
    counted = (job.params or {}).get("left_out") or {}
    return {reason: int(counted.get(reason, 0)) for reason in LEFT_OUT_REASONS}


def _render_badges(app: Flask, job_id: int, heartbeat: _Heartbeat) -> None:
    job = db.session.get(BadgeJob, job_id)
    summit = db.session.get(Summit, job.summit_id)
    layout = badges.layout_named(job.params.get("layout"))
    ids, dropped = printable(list(job.params.get("ids", [])))
    params = {**job.params, "left_out": dropped}
    db.session.commit()  # no read transaction held open while rendering
    if not _beat(job_id, total=len(ids), params=params):
        raise JobLost()
    if not ids:
        raise NothingLeftToPrint(dropped)
    size = badges.chunk_size(layout)
    chunks = [ids[i:i + size] for i in range(0, len(ids), size)]
    work_dir = _work_dir(job_id)
    work_dir.mkdir(parents=True, exist_ok=True)
    processes = min(render_processes(app), len(chunks))
    pool = (ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
            if processes > 1 else None)
    parts: list[Path] = []
    pending: deque[tuple[list[int], Future | None]] = deque()
    try:
        for number, chunk in enumerate(chunks):
            if heartbeat.lost:
                raise JobLost()
            delegates = badges.load_for_badges(chunk)
            late = [d for d in delegates if d.status != DelegateStatus.REGISTERED or not admitted(d)]
            if late:  # decided on (or cancelled) while the batch rendered: left out too
                for d in late:
                    reason = ("cancelled" if d.status != DelegateStatus.REGISTERED
                              else "rejected" if d.accreditation == Accreditation.REJECTED else "pending")
                    dropped[reason] += 1
                delegates = [d for d in delegates if d not in late]
                if not _beat(job_id, total=BadgeJob.total - len(late), params={**params, "left_out": dropped}):
                    raise JobLost()
                if not delegates:
                    continue
            part = work_dir / f"part-{number:06d}.pdf"
            parts.append(part)
            if pool is None:
                badges.render_chunk(delegates, summit, layout, str(part))
                pending.append(([d.id for d in delegates], None))
            else:
                document = badges.badge_document(delegates, summit, layout)
                pending.append(([d.id for d in delegates], pool.submit(
                    render_to_file, document, str(badges.asset_dir()), str(part))))
            db.session.commit()  # end the chunk's read transaction
            # At most two chunks per helper in flight: memory stays bounded.
            while pending and (pending[0][1] is None or len(pending) > 2 * processes):
                _finish_chunk(job_id, *pending.popleft())
        while pending:
            _finish_chunk(job_id, *pending.popleft())
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    finish_job(app, job_id, parts, "badges")


def finish_job(app: Flask, job_id: int, parts: list[Path], name: str) -> None:
    """Join a batch's parts into its result and keep it in the database, the job done, for every kind."""
    result = _work_dir(job_id) / f"{name}-{job_id}.pdf"
    merge_pdfs(parts, str(result))
    _keep_result(app, job_id, result)


def _keep_result(app: Flask, job_id: int, result: Path) -> None:
    """The PDF into the database and the job done, in one transaction: any host serves the download,
    and a job taken from us meanwhile (reaped as dead) keeps no result."""
    done_at = utcnow()
    with writing():
        with result.open("rb") as pdf:
            for seq, data in enumerate(iter(lambda: pdf.read(RESULT_CHUNK_BYTES), b"")):
                db.session.execute(db.insert(BadgeJobResultChunk).values(job_id=job_id, seq=seq, data=data))
        done = db.session.execute(
            db.update(BadgeJob).where(BadgeJob.id == job_id, BadgeJob.status == "running")
            .values(heartbeat_at=done_at, status="done", finished_at=done_at,
                    expires_at=done_at + timedelta(seconds=app.config["BADGE_RESULT_TTL"]))).rowcount
        if not done:
            raise JobLost()  # rolls the chunks back


def _finish_chunk(job_id: int, ids: list[int], future: Future | None) -> None:
    if future is not None:
        future.result()  # a render error fails the job here
    badges.record_printed(ids)
    if not _beat(job_id, done=BadgeJob.done + len(ids)):
        raise JobLost()


# ---------------------------------------------------------------- for other kinds of batch

#: a kind's render function writes progress and heartbeats with these (see job_renderer)
beat = _beat
work_dir = _work_dir
