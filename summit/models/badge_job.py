"""A batch of badges rendered outside the web request."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..plumbing.extensions import db
from .types import UTCDateTime, utcnow

#: queued → running → done → expired (its PDF deleted), or failed from queued or running
BADGE_JOB_STATUSES = ("queued", "running", "done", "failed", "expired")


class BadgeJob(db.Model):
    __tablename__ = "badge_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    #: badges in the batch, fixed when the job is made (the selection is resolved then)
    total: Mapped[int] = mapped_column(default=0)
    #: badges rendered so far; the console's progress bar is done / total
    done: Mapped[int] = mapped_column(default=0)
    #: {"selection", "category", "route_id", "sort", "layout", "ids": [delegate ids in print order]}
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the finished PDF, relative to the instance folder
    result_path: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the host rendering it (BADGE_RUNNER, default the host name): one running job per host
    runner: Mapped[str | None] = mapped_column(String(255))
    #: written every few seconds while it renders; a running job silent too long has died
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when its PDF (delegates' names and check-in codes) is deleted
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("ConsoleUser")

    __table_args__ = (
        CheckConstraint("status IN ('queued','running','done','failed','expired')", name="status_known"),
        CheckConstraint("done >= 0 AND done <= total", name="done_within_total"),
        CheckConstraint("status <> 'running' OR (runner IS NOT NULL AND heartbeat_at IS NOT NULL)",
                        name="running_has_runner"),
        # The batch queue's rule, held by the database: a host renders one batch at a
        # time (its process pool), whatever number of web or RQ workers try to start one.
        Index("uq_badge_job_one_running_per_runner", "runner", unique=True,
              sqlite_where=text("status = 'running'"), postgresql_where=text("status = 'running'")),
        # the queue (oldest first) and the reaper's look for running jobs
        Index("ix_badge_job_status_id", "status", "id"),
    )


class BadgeJobResultChunk(db.Model):
    """A finished batch's PDF, in order, a chunk a row: in the database, so any app host serves the
    download whichever host rendered it, and streams it without holding it whole."""
    __tablename__ = "badge_job_result_chunk"

    job_id: Mapped[int] = mapped_column(ForeignKey("badge_job.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
