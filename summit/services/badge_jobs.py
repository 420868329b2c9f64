"""Badge batches as background jobs: made in a request, rendered outside it.

With REDIS_URL set a job goes to the RQ queue ``summit-badges`` (run
``flask --app summit worker``, or ``rq worker summit-badges``); without it a
thread of the web process runs it.  Either way the job function builds its own
app context, renders CHUNK_SIZE badges at a time (each chunk a PDF file in the
instance folder, so memory stays flat whatever the batch size), counts progress
in the BadgeJob row, and joins the chunks into one PDF at the end.  Chunks are
rendered by up to BADGE_RENDER_PROCESSES helper processes (default: one per
core, at most 2) while this process prepares the next chunk's HTML.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from flask import Flask, current_app, has_app_context

from ..database import write_transaction
from ..extensions import db
from ..models import BadgeJob, ConsoleUser, Summit, utcnow
from . import badges
from .badge_renderer import merge_pdfs, render_to_file
from .badge_selection import Selection, select_delegates
from .errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

QUEUE_NAME = "summit-badges"
JOB_DIR = "badge-jobs"
#: an RQ job running longer than this is stopped (10,000 badges take a few minutes)
JOB_TIMEOUT = 3 * 3600


def create_job(summit: Summit, selection: Selection, layout: str, by_user: ConsoleUser | None) -> BadgeJob:
    """Resolve the selection now (the batch is what the staff saw) and queue the job."""
    layout_obj = badges.layout_named(layout)
    delegates = select_delegates(summit, selection)
    if not delegates:
        raise ValidationFailed({"selection": ["no delegate matches this selection"]}, "nothing to print")
    job = BadgeJob(summit_id=summit.id, total=len(delegates), done=0, status="queued",
                   params={**selection.as_params(), "layout": layout_obj.name,
                           "ids": [d.id for d in delegates]},
                   created_by_id=by_user.id if by_user else None)
    db.session.add(job)
    db.session.commit()
    enqueue(job)
    return job


def enqueue(job: BadgeJob) -> None:
    app = current_app._get_current_object()
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        Queue(queue_name(app), connection=Redis.from_url(redis_url)).enqueue_call(
            "summit.services.badge_jobs.run_badge_job", args=(job.id,), timeout=JOB_TIMEOUT,
            description=f"badge job {job.id} ({job.total} badges)")
    else:
        thread = threading.Thread(target=run_badge_job, args=(job.id,), kwargs={"app": app},
                                  name=f"badge-job-{job.id}", daemon=True)
        thread.start()


def queue_name(app: Flask) -> str:
    return app.config.get("BADGE_QUEUE") or QUEUE_NAME


def get_job(job_id: int) -> BadgeJob:
    job = db.session.get(BadgeJob, job_id)
    if job is None:
        raise NotFound("no such badge job", code="unknown_job")
    return job


def result_file(job: BadgeJob) -> Path | None:
    """The finished PDF, if the job is done and its file still exists."""
    if job.status != "done" or not job.result_path:
        return None
    path = Path(current_app.instance_path, job.result_path)
    return path if path.is_file() else None


# ---------------------------------------------------------------- the job itself

def run_badge_job(job_id: int, app: Flask | None = None) -> None:
    """The job function: needs no request, and makes its own app context.

    An RQ worker started by ``flask --app summit worker`` already has the app;
    a bare ``rq worker`` gets one from the environment, like the web process.
    """
    if app is None:
        if has_app_context():
            app = current_app._get_current_object()
        else:
            from .. import create_app

            app = create_app()
    with app.app_context():
        try:
            _run(job_id)
        except Exception as exc:  # the job must end failed, never stay "running"
            log.exception("badge job %s failed", job_id)
            db.session.rollback()
            write_transaction()
            job = db.session.get(BadgeJob, job_id)
            if job is not None:
                job.status = "failed"
                job.error = f"{type(exc).__name__}: {exc}"[:2000]
                job.finished_at = utcnow()
                db.session.commit()
        finally:
            db.session.remove()


def render_processes(app: Flask) -> int:
    configured = app.config.get("BADGE_RENDER_PROCESSES")
    if configured is not None:
        return max(1, int(configured))
    return max(1, min(2, os.cpu_count() or 1))


def _run(job_id: int) -> None:
    write_transaction()
    claimed = db.session.execute(
        db.update(BadgeJob).where(BadgeJob.id == job_id, BadgeJob.status == "queued")
        .values(status="running", started_at=utcnow())).rowcount
    db.session.commit()
    if not claimed:
        return  # gone, or already taken by another worker: never render a batch twice
    job = db.session.get(BadgeJob, job_id)

    summit = db.session.get(Summit, job.summit_id)
    layout = badges.layout_named(job.params.get("layout"))
    ids: list[int] = list(job.params.get("ids", []))
    size = badges.chunk_size(layout)
    chunks = [ids[i:i + size] for i in range(0, len(ids), size)]
    work_dir = Path(current_app.instance_path, JOB_DIR, f"job-{job.id}")
    work_dir.mkdir(parents=True, exist_ok=True)
    css = badges.stylesheet_texts(layout)
    processes = min(render_processes(current_app), len(chunks))
    pool = (ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
            if processes > 1 else None)
    parts: list[Path] = []
    pending: deque[tuple[list[int], Future | None]] = deque()
    try:
        for number, chunk in enumerate(chunks):
            delegates = badges.load_for_badges(chunk)
            part = work_dir / f"part-{number:06d}.pdf"
            parts.append(part)
            if pool is None:
                badges.render_chunk(delegates, summit, layout, str(part))
                pending.append(([d.id for d in delegates], None))
            else:
                html = badges.badge_html(delegates, summit, layout)
                pending.append(([d.id for d in delegates], pool.submit(
                    render_to_file, html, css, str(badges.asset_dir()), str(part))))
            # At most two chunks per helper in flight: memory stays bounded.
            while pending and (pending[0][1] is None or len(pending) > 2 * processes):
                _finish_chunk(job_id, *pending.popleft())
        while pending:
            _finish_chunk(job_id, *pending.popleft())
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    result = Path(current_app.instance_path, JOB_DIR, f"badges-{job_id}.pdf")
    merge_pdfs(parts, str(result))
    shutil.rmtree(work_dir, ignore_errors=True)
    write_transaction()
    job = db.session.get(BadgeJob, job_id)
    job.status, job.finished_at = "done", utcnow()
    job.result_path = str(result.relative_to(current_app.instance_path))
    db.session.commit()


def _finish_chunk(job_id: int, ids: list[int], future: Future | None) -> None:
    if future is not None:
        future.result()  # a render error fails the job here
    badges.record_printed(ids)
    write_transaction()
    db.session.execute(db.update(BadgeJob).where(BadgeJob.id == job_id)
                       .values(done=BadgeJob.done + len(ids)))
    db.session.commit()
