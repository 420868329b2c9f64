"""The summit, its programme and its technical-visit routes."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..plumbing.extensions import db
from .labels import ProgrammeKind, RegistrationMode
from .types import UTCDateTime, utcnow

#: the retention a summit file that names none gets (see retention_days in summit/data/gstf-2024.toml: why)
DEFAULT_RETENTION_DAYS = 180

PROGRAMME_KINDS = ProgrammeKind.values()


class Summit(db.Model):
    __tablename__ = "summit"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable key of the summit definition (e.g. ``gstf-2024``); one row per edition
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    short_name_zh: Mapped[str] = mapped_column(String(60), default="")
    short_name_en: Mapped[str] = mapped_column(String(60), default="")
    theme_zh: Mapped[str] = mapped_column(String(200), default="")
    theme_en: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: IANA zone the programme is held in; all times are shown in it
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    city_zh: Mapped[str] = mapped_column(String(100), default="")
    city_en: Mapped[str] = mapped_column(String(100), default="")
    venue_zh: Mapped[str] = mapped_column(String(200), default="")
    venue_en: Mapped[str] = mapped_column(String(200), default="")
    #: where the venue is and how to get there (from the summit file's [summit.venue]); shown on the public
    #: pages, the delegate's page, the emails, and in the calendars (LOCATION with the address, GEO)
    venue_address_zh: Mapped[str] = mapped_column(String(300), default="", server_default="")
    venue_address_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    venue_latitude: Mapped[float | None] = mapped_column(Float)
    venue_longitude: Mapped[float | None] = mapped_column(Float)
    #: a map image shipped in static/ (a path under it, e.g. ``maps/venue.svg``); never a map service's tiles
    venue_map: Mapped[str] = mapped_column(String(200), default="", server_default="")
    venue_directions_zh: Mapped[str] = mapped_column(Text, default="", server_default="")
    venue_directions_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    organiser_zh: Mapped[str] = mapped_column(String(200), default="")
    organiser_en: Mapped[str] = mapped_column(String(200), default="")
    host_zh: Mapped[str] = mapped_column(String(200), default="")
    host_en: Mapped[str] = mapped_column(String(200), default="")
    #: a RegistrationMode: who may come (open: everyone, approved at once, as before accreditation existed)
    registration_mode: Mapped[str] = mapped_column(String(12), default=RegistrationMode.OPEN.value,
                                                   server_default=RegistrationMode.OPEN.value)
    #: whom the closed form (invitation mode) tells people to write to; from the summit file
    contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    #: days after ``ends_on`` that delegates' personal data is kept; then ``flask purge`` erases it
    #: (services/privacy/retention.py).  From the summit file; a file without it gets the default
    retention_days: Mapped[int] = mapped_column(default=DEFAULT_RETENTION_DAYS,
                                                server_default=str(DEFAULT_RETENTION_DAYS))
    #: the transport desk's pick-up windows, in minutes (the summit file's [travel]); a page may ask another
    pickup_window_minutes: Mapped[int] = mapped_column(default=30, server_default="30")

    items: Mapped[list["ProgrammeItem"]] = relationship(
        back_populates="summit", order_by="ProgrammeItem.starts_at, ProgrammeItem.position"
    )
    routes: Mapped[list["VisitRoute"]] = relationship(
        back_populates="summit", order_by="VisitRoute.code"
    )

    protocol_levels: Mapped[list["ProtocolLevel"]] = relationship(
        back_populates="summit", order_by="ProtocolLevel.rank, ProtocolLevel.code"
    )

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
                      CheckConstraint("retention_days >= 0", name="retention_days_non_negative"),
                      CheckConstraint(RegistrationMode.sql_in("registration_mode"), name="registration_mode_known"))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ProgrammeItem(db.Model):
    __tablename__ = "programme_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    #: the item's key in the summit definition file; NULL for items made in the console
    seed_key: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_zh: Mapped[str] = mapped_column(String(200), default="")
    venue_en: Mapped[str] = mapped_column(String(200), default="")
    #: tie-break for items that start together
    position: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[bool] = mapped_column(default=False)
    #: bumped on every edit; calendars publish it as SEQUENCE
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    summit: Mapped[Summit] = relationship(back_populates="items")

    __table_args__ = (
        CheckConstraint(ProgrammeKind.sql_in("kind"), name="kind_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("revision >= 0", name="revision_non_negative"),
        UniqueConstraint("summit_id", "seed_key", name="uq_programme_item_seed_key"),
        Index("ix_programme_item_summit_start", "summit_id", "starts_at"),
    )


class VisitRoute(db.Model):
    __tablename__ = "visit_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    #: R1…R4 for GSTF 2024
    code: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: ordered list of {"zh": …, "en": …}
    stops: Mapped[list] = mapped_column(JSON, default=list)
    #: e.g. the concept note's "视情微调" on route 4
    note_zh: Mapped[str] = mapped_column(String(300), default="")
    note_en: Mapped[str] = mapped_column(String(300), default="")
    departs_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returns_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_point_zh: Mapped[str] = mapped_column(String(200), default="")
    meeting_point_en: Mapped[str] = mapped_column(String(200), default="")
    #: the meeting point's address, coordinates and way there (as the venue's)
    meeting_address_zh: Mapped[str] = mapped_column(String(300), default="", server_default="")
    meeting_address_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    meeting_latitude: Mapped[float | None] = mapped_column(Float)
    meeting_longitude: Mapped[float | None] = mapped_column(Float)
    meeting_directions_zh: Mapped[str] = mapped_column(Text, default="", server_default="")
    meeting_directions_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: what a delegate needs to decide: a paragraph on the route, how it travels, what to bring
    description_zh: Mapped[str] = mapped_column(Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    transport_zh: Mapped[str] = mapped_column(String(200), default="", server_default="")
    transport_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    bring_zh: Mapped[str] = mapped_column(String(300), default="", server_default="")
    bring_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    capacity: Mapped[int] = mapped_column(default=0)
    #: confirmed places, kept by the registration service in the same transaction
    #: as the booking rows; the CHECK below is the last line against overbooking
    confirmed: Mapped[int] = mapped_column(default=0)
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    summit: Mapped[Summit] = relationship(back_populates="routes")

    __table_args__ = (
        UniqueConstraint("summit_id", "code", name="uq_visit_route_code"),
        CheckConstraint("capacity >= 0", name="capacity_non_negative"),
        CheckConstraint("confirmed >= 0", name="confirmed_non_negative"),
        CheckConstraint("confirmed <= capacity", name="never_overbooked"),
        CheckConstraint("returns_at IS NULL OR departs_at IS NULL OR returns_at > departs_at",
                        name="returns_after_departure"),
    )

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    @property
    def duration_minutes(self) -> int | None:
        """From departure to return, or None when either is not set."""
        if self.departs_at is None or self.returns_at is None:
            return None
        return int((self.returns_at - self.departs_at).total_seconds() // 60)


#: the level every delegate has until an organiser sets another; every summit has it (seeding makes sure)
DEFAULT_PROTOCOL_LEVEL = "delegate"


class ProtocolLevel(db.Model):
    """A rank in the order of precedence (rank 1 first), from the summit file; it colours the badge's band."""

    __tablename__ = "protocol_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    #: 1 is the highest precedence; levels may share a rank
    rank: Mapped[int] = mapped_column(default=100)
    #: the badge band's colour, #rrggbb
    badge_colour: Mapped[str] = mapped_column(String(7), default="#666666")
    #: a pattern on the band (e.g. "solid", "stripes"), so the level still reads on a greyscale print
    badge_pattern: Mapped[str] = mapped_column(String(20), default="solid")

    summit: Mapped[Summit] = relationship(back_populates="protocol_levels")

    __table_args__ = (
        UniqueConstraint("summit_id", "code", name="uq_protocol_level_code"),
        CheckConstraint("rank >= 1", name="rank_positive"),
        CheckConstraint("length(badge_colour) = 7", name="badge_colour_hex"),
    )


class SeedRecord(db.Model):
    """What `flask seed` last wrote for one row, to tell an organiser's edit from our own."""

    __tablename__ = "seed_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    #: "summit", "item:<key>" or "route:<code>"
    key: Mapped[str] = mapped_column(String(80))
    #: hash of the seeded values; a row whose values no longer hash to it was edited
    fingerprint: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("summit_id", "key", name="uq_seed_record_key"),)
