"""The secret in a delegate's personal calendar URL.

A signed (delegate id, version) rather than a stored random token: the manage
page can show the URL again at any time without our keeping the secret, and
bumping ``calendar_token_version`` revokes every URL given out before.  The salt
keeps it from being mistaken for any other signed value of the app.
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update

from ...plumbing.database import writing
from ...plumbing.extensions import db
from ...models import Delegate
from ...models.labels import DelegateStatus
from ...plumbing.errors import NotFound


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="summit.calendar-feed")


def calendar_token(delegate: Delegate) -> str:
    return _serializer().dumps([delegate.id, delegate.calendar_token_version])


def delegate_for_calendar_token(token: str) -> Delegate | None:
    """The delegate this feed URL belongs to, or None (forged, revoked, signed with another key).

    A cancelled registration keeps its feed URL: the feed then shows its events cancelled, so that the
    calendar apps that subscribed drop them (the caller checks ``delegate.status``).
    """
    try:
        delegate_id, version = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(delegate_id, int) or isinstance(delegate_id, bool) or not isinstance(version, int):
        return None
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None or delegate.calendar_token_version != version:
        return None
    return delegate


def revoke_calendar_token(delegate: Delegate) -> str:
    """Invalidate every feed URL given out so far; returns the new token.

    The version is raised in the database (``version + 1`` in one UPDATE), not read and written back,
    so two resets at once both count.  NotFound for a registration that is no longer live.
    """
    delegate_id = delegate.id  # read now: on SQLite, writing() commits and expires the object
    with writing(keep_state=True):
        renewed = db.session.scalars(
            update(Delegate).where(Delegate.id == delegate_id, Delegate.status == DelegateStatus.REGISTERED)
            .values(calendar_token_version=Delegate.calendar_token_version + 1)
            .returning(Delegate),
            execution_options={"populate_existing": True, "synchronize_session": False},
        ).first()
    if renewed is None:
        raise NotFound("no such registration", code="unknown_token")
    return calendar_token(renewed)
