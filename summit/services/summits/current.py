"""Which summit the app is serving, and its local time."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, g, has_request_context

from ...plumbing.extensions import db
from ...models import Summit
from ...plumbing.errors import NotFound


def current_summit() -> Summit:
    """The summit the public pages serve.

    ``SUMMIT_SLUG`` pins one; otherwise the edition that starts last, so seeding
    next year's forum switches the site over without a code change.
    """
    # once a request: a page and its answer ask several times (the form, its service, its mail)
    if has_request_context() and getattr(g, "_current_summit_id", None) is not None:
        summit = db.session.get(Summit, g._current_summit_id)
        if summit is not None:
            return summit
    slug = current_app.config.get("SUMMIT_SLUG")
    query = db.select(Summit)
    query = query.where(Summit.slug == slug) if slug else query.order_by(Summit.starts_on.desc())
    summit = db.session.scalars(query.limit(1)).first()
    if summit is None:
        raise NotFound("no summit loaded; run `flask --app summit seed`", code="no_summit")
    if has_request_context():
        g._current_summit_id = summit.id
    return summit


def local_time(summit: Summit, moment: datetime) -> datetime:
    """A stored (UTC) moment as the summit's wall-clock time."""
    return moment.astimezone(summit.zone)
