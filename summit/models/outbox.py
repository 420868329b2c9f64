"""Mail to send, written in the transaction of the change that causes it, and the organisers' messages.

``mail_outbox`` is the durable queue (summit/services/outbox.py drains it): a row is one mail to one
address, and it survives the process that wrote it.  ``message`` is what an organiser wrote to a
group of delegates (services/messages); each recipient is one outbox row, at most one per delegate
per message (the UNIQUE below), so a message reaches each recipient once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..plumbing.extensions import db
from .types import UTCDateTime, utcnow

#: pending → sending (claimed, under a lease) → sent, or back to pending to retry, or failed at last
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")
SUBJECT_MAX = 200
BODY_MAX = 10_000


class OutboxMail(db.Model):
    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the template under templates/emails/ ("promotion_notice", "message", …)
    template: Mapped[str] = mapped_column(String(64))
    to: Mapped[str] = mapped_column(String(254))
    #: the copy's address (a delegation's focal point), or None
    cc: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    #: the template's variables as plain JSON (never a secret: see services/outbox.py)
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegate.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    #: tries so far (a claim counts one)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: a pending row is not claimed before this
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: who holds the claim (a random token per claim) and until when; past it, anyone may reclaim
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message = relationship("Message", back_populates="mails")

    __table_args__ = (
        CheckConstraint("status IN ('pending','sending','sent','failed')", name="outbox_status_known"),
        CheckConstraint("attempts >= 0", name="outbox_attempts_non_negative"),
        CheckConstraint("language IN ('zh','en')", name="outbox_language_known"),
        # exactly once per recipient per message (NULL message_id: a notice, not limited here)
        UniqueConstraint("message_id", "delegate_id", name="uq_outbox_message_delegate"),
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
    )


class Message(db.Model):
    """An organiser's message to a filtered group, in both languages."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    subject_zh: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    subject_en: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    #: the recipients' filter as chosen (services/messages.RecipientFilter.as_dict)
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    copy_focal_point: Mapped[bool] = mapped_column(default=False)
    recipients: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mails = relationship("OutboxMail", back_populates="message", passive_deletes=True)
    created_by = relationship("ConsoleUser")

    __table_args__ = (
        CheckConstraint("recipients >= 0", name="message_recipients_non_negative"),
        Index("ix_message_summit_created", "summit_id", "created_at"),
    )
