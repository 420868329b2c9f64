"""Hotel room blocks: a delegate's hotel and nights, held under the same capacity rule as route seats.

A night of a hotel's block is a counted place exactly as a route's seat is: ``ROOM_NIGHTS`` is the
capacity mechanism of services/capacity/counters.py pointed at ``hotel_night`` (booked of rooms, locked in
id order, taken by a conditional UPDATE, CHECK booked <= rooms).  Nothing of the rule is written again here;
what is here is only what hotels have: several nights in one stay, and "full: the next nearest has room".

Lock order: the delegate (registration.lock_delegate), then the hotel nights in id order, as everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from ...models import Delegate, Hotel, HotelNight, RoomNight, utcnow
from ...models.labels import DelegateStatus
from ...models.types import ID_MAX
from ...plumbing.database import require_write_transaction
from ...plumbing.errors import Conflict, ValidationFailed
from ...plumbing.extensions import db
from ..capacity.counters import Counter

#: a hotel night's rooms: the second kind of capacity, on the one mechanism
ROOM_NIGHTS = Counter(HotelNight, taken="booked", capacity="rooms")


class HotelFull(Conflict):
    """Some asked night has no room left; ``details``: the hotel, the full nights, the next nearest with room."""

    code = "hotel_full"


@dataclass
class Stay:
    hotel: Hotel | None
    nights: list[date]


def hotels_of(summit_id: int) -> list[Hotel]:
    """The summit's hotels, nearest first, each with its nights (in one more query, not one a hotel)."""
    return list(db.session.scalars(select(Hotel).where(Hotel.summit_id == summit_id)
                                   .options(selectinload(Hotel.nights))
                                   .order_by(Hotel.distance_km, Hotel.id)))


def stay_of(delegate_id: int) -> Stay:
    rows = db.session.execute(
        select(HotelNight.hotel_id, RoomNight.night).join(HotelNight, RoomNight.hotel_night_id == HotelNight.id)
        .where(RoomNight.delegate_id == delegate_id).order_by(RoomNight.night)).all()
    if not rows:
        return Stay(None, [])
    return Stay(db.session.get(Hotel, rows[0].hotel_id), [row.night for row in rows])


def _parse_nights(raw) -> list[date]:
    if not isinstance(raw, list) or len(raw) > 31:
        raise ValidationFailed({"hotel.nights": [_l("Choose the nights from the list.")]})
    nights = set()
    for value in raw:
        try:
            nights.add(value if isinstance(value, date) else date.fromisoformat(value))
        except (TypeError, ValueError):
            raise ValidationFailed({"hotel.nights": [_l("Choose the nights from the list.")]}) from None
    return sorted(nights)


def next_nearest(summit_id: int, nights: list[date], *, other_than: int | None) -> Hotel | None:
    """The nearest hotel (to the venue) other than ``other_than`` with a room left on every one of ``nights``."""
    for hotel in hotels_of(summit_id):
        if hotel.id == other_than:
            continue
        free = {n.night for n in hotel.nights if n.remaining > 0}
        if nights and all(night in free for night in nights):
            return hotel
    return None


def book_stay(delegate: Delegate, hotel_id: int | None, nights) -> Stay:
    """The delegate's room in ``hotel_id`` for ``nights`` (dates or ISO strings); None or no nights: no room.

    All or nothing: a night that is full raises HotelFull (the caller's transaction rolls back, so the
    delegate keeps the stay they had) naming the next nearest hotel with room on all those nights.
    Nights the delegate already holds in that hotel are kept, not given up and taken again.
    Inside ``writing()``, the delegate locked; the caller commits.
    """
    require_write_transaction()
    nights = _parse_nights(nights) if hotel_id is not None else []
    summit_id = delegate.summit_id
    held = {row.hotel_night_id: row for row in db.session.scalars(
        select(RoomNight).where(RoomNight.delegate_id == delegate.id))}
    wanted: dict[int, date] = {}
    hotel = None
    if hotel_id is not None:  # a hotel named must be one of the summit's, nights or not
        # past ID_MAX names no row (and PostgreSQL refuses the number outright)
        if not isinstance(hotel_id, int) or isinstance(hotel_id, bool) or not 1 <= hotel_id <= ID_MAX:
            raise ValidationFailed({"hotel.hotel_id": [_l("Choose a hotel from the list.")]})
        hotel = db.session.get(Hotel, hotel_id)
        if hotel is None or hotel.summit_id != summit_id:
            raise ValidationFailed({"hotel.hotel_id": [_l("Choose a hotel from the list.")]})
    if nights:
        blocks = dict(db.session.execute(select(HotelNight.night, HotelNight.id).where(
            HotelNight.hotel_id == hotel.id, HotelNight.night.in_(nights))).all())
        missing = [night for night in nights if night not in blocks]
        if missing:
            raise ValidationFailed({"hotel.nights": [_l("This hotel has no rooms blocked on %(nights)s.",
                                                        nights=", ".join(n.isoformat() for n in missing))]})
        wanted = {blocks[night]: night for night in nights}
    locked = ROOM_NIGHTS.lock(summit_id, set(held) | set(wanted))
    for night_id in set(held) - set(wanted):
        ROOM_NIGHTS.free(locked[night_id])
    if set(held) - set(wanted):
        db.session.execute(delete(RoomNight).where(RoomNight.id.in_(
            [held[i].id for i in set(held) - set(wanted)])))
    full = []
    now = utcnow()
    for night_id in sorted(set(wanted) - set(held)):
        if ROOM_NIGHTS.take_locked(locked[night_id]):
            db.session.add(RoomNight(delegate_id=delegate.id, hotel_night_id=night_id, night=wanted[night_id],
                                     created_at=now))
        else:
            full.append(wanted[night_id])
    if full:
        other = next_nearest(summit_id, nights, other_than=hotel.id)
        raise HotelFull(f"{hotel.name_en} is full on {', '.join(n.isoformat() for n in full)}",
                        hotel_id=hotel.id, nights=[n.isoformat() for n in full],
                        alternative=other.id if other is not None else None)
    db.session.flush()
    return Stay(hotel, nights)


def rooming_list(hotel: Hotel) -> list[dict]:
    """Who sleeps at ``hotel``, and which nights: one row a delegate, by name (live registrations only)."""
    rows = db.session.execute(
        select(Delegate, RoomNight.night).join(RoomNight, RoomNight.delegate_id == Delegate.id)
        .join(HotelNight, RoomNight.hotel_night_id == HotelNight.id)
        .where(HotelNight.hotel_id == hotel.id, Delegate.status == DelegateStatus.REGISTERED)
        .order_by(Delegate.family_name, Delegate.given_name, Delegate.id, RoomNight.night)).all()
    out: dict[int, dict] = {}
    for delegate, night in rows:
        entry = out.setdefault(delegate.id, {"delegate": delegate, "nights": []})
        entry["nights"].append(night)
    return list(out.values())
