"""Event day: the zones of a summit, who entered each (once per day), and every scan at their doors."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..plumbing.extensions import db
from .labels import ScanOutcome
from .types import UTCDateTime, utcnow

#: the zone every summit has: the venue itself (delegate.checked_in_at is its first entry)
VENUE = "venue"
SCAN_OUTCOMES = ScanOutcome.values()
ZONE_CODE_MAX = 40
DEVICE_MAX = 100
UNDO_REASON_MAX = 500


class Zone(db.Model):
    """A place with a door: who it admits is the rule below, from the summit file.

    Admitted (an approved, registered delegate of the summit): ``everyone``, or the protocol level in
    ``levels``, or the category in ``categories``, or ``banquet`` and attending it, or confirmed on the
    route ``route_code``; and, when ``days`` is not empty, only on those (summit-local) days.
    """

    __tablename__ = "zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    #: e.g. "venue", "ministerial", "visit-R1": what scanners and the API name
    code: Mapped[str] = mapped_column(String(ZONE_CODE_MAX))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    #: protocol level codes admitted
    levels: Mapped[list] = mapped_column(JSON, default=list)
    #: delegate categories admitted
    categories: Mapped[list] = mapped_column(JSON, default=list)
    #: admits those attending the banquet
    banquet: Mapped[bool] = mapped_column(default=False)
    #: admits those confirmed (not waiting) on this route
    route_code: Mapped[str | None] = mapped_column(String(16))
    #: ISO dates the zone is open; empty: every day
    days: Mapped[list] = mapped_column(JSON, default=list)
    #: admits every approved delegate
    everyone: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("summit_id", "code", name="uq_zone_code"),)

    def name_in(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.name_en


class ZoneEntry(db.Model):
    """A delegate's entry into a zone on one summit day: at most one (the unique constraint)."""

    __tablename__ = "zone_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id", ondelete="CASCADE"))
    #: the summit's local date of the entry
    day: Mapped[date] = mapped_column(Date)
    #: the earliest scan that admitted the delegate (a later sync may move it earlier)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_user.id", ondelete="SET NULL"))
    first_scan_id: Mapped[int | None] = mapped_column(ForeignKey("scan.id", ondelete="SET NULL"))
    #: another device admitted the delegate too (offline): the supervisor sees it
    conflict: Mapped[bool] = mapped_column(default=False)

    zone: Mapped[Zone] = relationship()
    delegate = relationship("Delegate")

    __table_args__ = (
        UniqueConstraint("delegate_id", "zone_id", "day", name="uq_zone_entry_once"),
        Index("ix_zone_entry_zone_day", "zone_id", "day"),
    )


class Scan(db.Model):
    """One scan at a door, whatever it came to (the scan history): never the code, only its hash."""

    __tablename__ = "scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the device's UUID for an offline scan (sync is idempotent by it); made by the server online
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id", ondelete="SET NULL"))
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegate.id", ondelete="SET NULL"))
    #: hex SHA-256 of the code's text
    code_sha256: Mapped[str] = mapped_column(String(64))
    #: a ScanOutcome
    outcome: Mapped[str] = mapped_column(String(24))
    #: the device's clock for an offline scan, the server's online
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the door or device ("door 2", a scanner's name)
    device: Mapped[str] = mapped_column(String(DEVICE_MAX), default="", server_default="")
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("console_user.id", ondelete="SET NULL"))
    #: the checked_in_at this scan answered with, so a replay answers the same
    result_checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: an offline scan its device admitted that lost to another device's scan
    conflict: Mapped[bool] = mapped_column(default=False)
    #: set on the scan whose entry a supervisor undid
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_user.id", ondelete="SET NULL"))
    undo_reason: Mapped[str | None] = mapped_column(Text)

    zone: Mapped[Zone | None] = relationship()
    delegate = relationship("Delegate")
    by_user = relationship("ConsoleUser", foreign_keys=[by_user_id])

    __table_args__ = (
        CheckConstraint(ScanOutcome.sql_in("outcome"), name="outcome_known"),
        Index("ix_scan_summit_received", "summit_id", "received_at"),
        Index("ix_scan_delegate", "delegate_id"),
    )
