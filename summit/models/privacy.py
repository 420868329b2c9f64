"""The privacy notice a summit shows, the consents delegates give under it, and their route history.

A notice is never edited in place: a changed text in the summit file is a new version
(services/privacy/notices.py), so a consent always names the very text it was given under.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..plumbing.extensions import db
from .types import UTCDateTime, utcnow

CONSENT_KINDS = ("processing", "sensitive")
BOOKING_EVENT_KINDS = ("booked", "waiting", "promoted", "moved", "left", "cancelled")


class PrivacyNotice(db.Model):
    __tablename__ = "privacy_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    #: 1, 2, 3… per summit
    version: Mapped[int] = mapped_column()
    #: {"zh": {...}, "en": {...}}: the notice's sections as the summit file wrote them, placeholders filled
    content: Mapped[dict] = mapped_column(JSON)
    #: sha256 of the canonical content: the seed compares it to know whether the file's text changed
    fingerprint: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("summit_id", "version", name="uq_privacy_notice_version"),
        CheckConstraint("version >= 1", name="notice_version_positive"),
    )


class Consent(db.Model):
    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"))
    #: processing (running the summit: required) or sensitive (health data, identity documents)
    kind: Mapped[str] = mapped_column(String(12))
    notice_id: Mapped[int] = mapped_column(ForeignKey("privacy_notice.id", ondelete="RESTRICT"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: delegate (they ticked the box) or focal_point (their delegation's focal point registered them,
    #: and the focal point's consent covers the member: the contract's delegation rule)
    given_by: Mapped[str] = mapped_column(String(12), default="delegate", server_default="delegate")

    notice: Mapped[PrivacyNotice] = relationship()

    __table_args__ = (
        CheckConstraint("kind IN ('processing','sensitive')", name="consent_kind_known"),
        CheckConstraint("given_by IN ('delegate','focal_point')", name="consent_given_by_known"),
        # one consent in force per delegate and kind; withdrawn ones stay as the record
        Index("uq_consent_live", "delegate_id", "kind", unique=True,
              sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL")),
    )


class BookingEvent(db.Model):
    """One change of a delegate's route place, as services/visits/capacity.py made it."""
    __tablename__ = "booking_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"))
    #: SET NULL: the history outlives a route an operator deletes
    route_id: Mapped[int | None] = mapped_column(ForeignKey("visit_route.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('booked','waiting','promoted','moved','left','cancelled')",
                        name="booking_event_kind_known"),
        Index("ix_booking_event_delegate", "delegate_id", "at"),
    )
