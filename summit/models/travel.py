"""Travel: a delegate's flights, the pick-up lists' exports, the hotels and their room blocks."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..plumbing.extensions import db
from .types import UTCDateTime, utcnow

#: a flight's direction, as the API names it
DIRECTIONS = ("arrival", "departure")
#: an IATA flight designator, normalised: "CA981", "MU5101A"
FLIGHT_MAX = 8
#: what erasure of a delegate's personal data clears (pd-erase's marker)
PERSONAL = {"personal": True}
ERASED_AT = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Flight(db.Model):
    """A delegate's arrival or departure: at most one of each (the UNIQUE below)."""

    __tablename__ = "flight"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"))
    #: "arrival" or "departure"
    direction: Mapped[str] = mapped_column(String(9))
    #: when it lands (arrival) or takes off (departure): an aware instant, stored UTC, shown in the summit's zone
    #: (erased: the epoch, a NOT NULL instant that says nothing of the journey)
    at: Mapped[datetime] = mapped_column(UTCDateTime, info={**PERSONAL, "erased": ERASED_AT})
    #: the normalised designator ("CA981")
    flight: Mapped[str] = mapped_column(String(FLIGHT_MAX), info=PERSONAL)
    #: IATA airport code, upper case
    airport: Mapped[str] = mapped_column(String(3), info=PERSONAL)
    #: the last change: the pick-up list flags a flight changed after the list was exported
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    delegate = relationship("Delegate")

    __table_args__ = (
        UniqueConstraint("delegate_id", "direction", name="uq_flight_delegate_direction"),
        CheckConstraint("direction IN ('arrival','departure')", name="direction_known"),
        CheckConstraint("length(airport) = 3 OR airport = ''", name="airport_iata"),  # '': erased
        Index("ix_flight_direction_at", "direction", "at"),
    )


class PickupExport(db.Model):
    """When the transport desk last exported a day's list (per direction and airport): later changes are flagged."""

    __tablename__ = "pickup_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(9))
    day: Mapped[date]
    #: the airport the list was for
    airport: Mapped[str] = mapped_column(String(3))
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_user.id", ondelete="SET NULL"))

    __table_args__ = (
        CheckConstraint("direction IN ('arrival','departure')", name="direction_known"),
        Index("ix_pickup_export_list", "summit_id", "direction", "day", "airport", "exported_at"),
    )


class Hotel(db.Model):
    """A hotel with rooms blocked for the summit (from the summit file)."""

    __tablename__ = "hotel"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    address_zh: Mapped[str] = mapped_column(String(300), default="")
    address_en: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: a map image shipped in static/ (as the venue's), or empty
    map: Mapped[str] = mapped_column(String(200), default="")
    #: from the venue, in kilometres: a full block offers the next nearest
    distance_km: Mapped[float] = mapped_column(Float, default=0)
    #: a hotel the secretariat has not confirmed (shown as such)
    placeholder: Mapped[bool] = mapped_column(default=False)

    nights: Mapped[list["HotelNight"]] = relationship(back_populates="hotel", order_by="HotelNight.night")

    __table_args__ = (
        UniqueConstraint("summit_id", "code", name="uq_hotel_code"),
        CheckConstraint("distance_km >= 0", name="distance_non_negative"),
    )


class HotelNight(db.Model):
    """One night of a hotel's block: ``rooms`` blocked, ``booked`` taken (services/capacity/counters.py)."""

    __tablename__ = "hotel_night"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the summit's, as a route's: the capacity mechanism locks by it
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"))
    #: the night from this date to the next
    night: Mapped[date]
    rooms: Mapped[int] = mapped_column(default=0)
    booked: Mapped[int] = mapped_column(default=0)

    hotel: Mapped[Hotel] = relationship(back_populates="nights")

    __table_args__ = (
        UniqueConstraint("hotel_id", "night", name="uq_hotel_night"),
        CheckConstraint("rooms >= 0", name="rooms_non_negative"),
        CheckConstraint("booked >= 0", name="booked_non_negative"),
        # the last line against overbooking, as a route's never_overbooked
        CheckConstraint("booked <= rooms", name="never_overbooked"),
    )

    @property
    def remaining(self) -> int:
        return max(self.rooms - self.booked, 0)


class RoomNight(db.Model):
    """A delegate's room for one night in a hotel's block: one a night (the UNIQUE), one hotel a stay (the service)."""

    __tablename__ = "room_night"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"))
    hotel_night_id: Mapped[int] = mapped_column(ForeignKey("hotel_night.id", ondelete="RESTRICT"))
    #: the night's date, copied so "one room a night" is a UNIQUE the database holds
    night: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    hotel_night: Mapped[HotelNight] = relationship()

    __table_args__ = (
        UniqueConstraint("delegate_id", "night", name="uq_room_night_delegate_night"),
        Index("ix_room_night_hotel_night", "hotel_night_id"),
    )


__all__ = ["DIRECTIONS", "FLIGHT_MAX", "Flight", "PickupExport", "Hotel", "HotelNight", "RoomNight"]
