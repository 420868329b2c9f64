"""Which summit the app is serving, and its local time."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, g, has_request_context
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached

from ...plumbing import read_versions
from ...plumbing.extensions import db
from ...models import Summit
from ...plumbing.errors import NotFound


def current_summit() -> Summit:
    """The summit the public pages serve.

    ``SUMMIT_SLUG`` pins one; otherwise the edition that starts last, so seeding
    next year's forum switches the site over without a code change.

    In a request it is kept between requests under the programme's read version
    (read_versions.programme_kept; every write to the summit moves it), so a page that is not kept whole
    asks no more for it: the summit is as fresh as the public reads, never staler than
    PUBLIC_READ_CACHE_SECONDS, and at once after a change made by this worker.
    """
    if not has_request_context():
        return _load()
    # once a request: a page and its answer ask several times (the form, its service, its mail)
    if getattr(g, "_current_summit_id", None) is not None:
        summit = db.session.get(Summit, g._current_summit_id)
        if summit is not None:
            return summit
    # the programme's number: a seat taken elsewhere changes nothing of the summit
    summit = _in_session(read_versions.programme_kept("current_summit", lambda: _detached_copy(_load())))
    g._current_summit_id = summit.id
    return summit


def _load() -> Summit:
    slug = current_app.config.get("SUMMIT_SLUG")
    query = db.select(Summit)
    query = query.where(Summit.slug == slug) if slug else query.order_by(Summit.starts_on.desc())
    summit = db.session.scalars(query.limit(1)).first()
    if summit is None:
        raise NotFound("no summit loaded; run `flask --app summit seed`", code="no_summit")
    return summit


def _detached_copy(summit: Summit) -> Summit:
    """The row's columns in an object of no session, as if loaded: what ``merge(load=False)`` takes."""
    copy = Summit(**{column.key: getattr(summit, column.key) for column in inspect(Summit).column_attrs})
    make_transient_to_detached(copy)
    return copy


def _in_session(copy: Summit) -> Summit:
    """The kept summit in this request's session, without a query (SQLAlchemy's ``merge(load=False)``, the
    way its caching recipes do); the session's own, if it holds the summit already."""
    present = db.session.identity_map.get(inspect(copy).key)
    return present if present is not None else db.session.merge(copy, load=False)


def local_time(summit: Summit, moment: datetime) -> datetime:
    """A stored (UTC) moment as the summit's wall-clock time."""
    return moment.astimezone(summit.zone)
