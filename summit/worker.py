"""The RQ worker's entry point: the job functions a queue names, each run inside the app.

``flask --app summit worker`` runs its jobs inside its own app; a bare ``rq worker summit-badges``
has none, so the job builds one from the environment, as the web process does. The services only
ever run inside an app, and never import create_app (docs/architecture.md).
"""
from __future__ import annotations

from flask import current_app, has_app_context

from . import create_app
from .services.badges import jobs as badge_jobs


def run_badge_job(job_id: int | None = None) -> int | None:
    """A badge batch's wake-up (badge_jobs.JOB_FUNCTION names it): run the next batch, in the app."""
    app = current_app._get_current_object() if has_app_context() else create_app()
    return badge_jobs.run_badge_job(job_id, app=app)
