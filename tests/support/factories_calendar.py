"""Helpers for the calendar tests: programme rows, and an organiser's edit as the console makes it.

Delegates come through the real registration API (see test_calendar_personal.py).
"""
from __future__ import annotations

from datetime import timedelta

from summit.plumbing.extensions import db
from summit.models import (CalendarEventRevision, CalendarFeedRevision, Delegate, ProgrammeItem, RouteBooking,
                           VisitRoute, utcnow)


def item(summit, seed_key: str) -> ProgrammeItem:
    return db.session.scalars(db.select(ProgrammeItem).where(
        ProgrammeItem.summit_id == summit.id, ProgrammeItem.seed_key == seed_key)).one()


def organiser_edit(row, **changes) -> None:
    """What the console does on an edit: change fields, bump the revision, stamp the time."""
    for name, value in changes.items():
        setattr(row, name, value)
    row.revision += 1
    row.updated_at = utcnow()
    db.session.commit()


def let_time_pass(seconds: int = 60) -> None:
    """Move every change stamp back, as if the last change were ``seconds`` ago.

    The feeds give Last-Modified only once it lies in an earlier second than now;
    this lets a test see it without sleeping.
    """
    shift = timedelta(seconds=seconds)
    for model, fields in ((ProgrammeItem, ("updated_at",)), (VisitRoute, ("updated_at",)),
                          (Delegate, ("updated_at", "created_at")),
                          (RouteBooking, ("created_at", "confirmed_at")),
                          # what the feeds published, which is as old as the rows it was made of
                          (CalendarEventRevision, ("modified_at",)), (CalendarFeedRevision, ("modified_at",))):
        for row in db.session.scalars(db.select(model)):
            for name in fields:
                if getattr(row, name) is not None:
                    setattr(row, name, getattr(row, name) - shift)
    db.session.commit()
