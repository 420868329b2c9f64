"""What each calendar event and each feed last looked like, so that what calendar apps are told only moves forward.

A subscribed app keeps an event's copy while SEQUENCE (and LAST-MODIFIED) are not newer than the one it
holds, and keeps a whole feed while its Last-Modified is not newer than its If-Modified-Since.  The rows
they are made of cannot promise that: a deleted session takes its time stamp out of the feed's newest one,
and a route left and joined again starts a new booking.  These tables remember what was published
(services/calendar/revisions.py): a change to what an event or a feed says raises its number and its time.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..plumbing.extensions import db
from .types import UTCDateTime


class CalendarEventRevision(db.Model):
    """One event UID as last published: SEQUENCE and LAST-MODIFIED, and a hash of what it said."""

    __tablename__ = "calendar_event_revision"

    #: the event's UID (``item-<id>@…``, ``visit-<delegate>-<route>@…``)
    uid: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: for a delegate's own event (their route): the cancelled feed lists the routes it ever showed
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"))
    #: sha256 of the event's content, apart from its SEQUENCE and time stamps
    fingerprint: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int]
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("sequence >= 0", name="sequence_non_negative"),
        Index("ix_calendar_event_revision_delegate", "delegate_id"),
    )


class CalendarFeedRevision(db.Model):
    """One feed (a file in one language) as last served: the HTTP Last-Modified and the body's hash."""

    __tablename__ = "calendar_feed_revision"

    #: ``programme:<summit>:<lang>``, ``item:<id>:<lang>`` or ``delegate:<id>``
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: sha256 of the body last served (the ETag is its first 32 digits)
    body_hash: Mapped[str] = mapped_column(String(64))
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)
