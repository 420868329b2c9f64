"""A delegate's route history (the booking_event table): what happened to their place, and when.

capacity.py calls ``record`` once at each change it makes, inside its transaction, so the history
commits (or rolls back) with the change itself. The delegate's own data copy reads it
(services/privacy/data_copy.py).
"""
from __future__ import annotations

from sqlalchemy import insert

from ...models import BookingEvent, utcnow
from ...plumbing.extensions import db

_EVENTS = BookingEvent.__table__


def record(kind: str, *changes: tuple[int, int | None]) -> None:
    """Write one event of ``kind`` for each (delegate_id, route_id); one statement, nothing when none."""
    if not changes:
        return
    now = utcnow()
    db.session.execute(insert(_EVENTS), [
        {"delegate_id": delegate_id, "route_id": route_id, "kind": kind, "at": now}
        for delegate_id, route_id in changes])
