"""The transport desk's lists: who lands (or leaves) on a summit day at an airport, in pick-up windows.

A day is the summit's local day (Beijing), from its midnight to the next.  Windows are aligned on the
clock (with 30 minutes: 14:00–14:30, 14:30–15:00…), so two desks with the same setting see the same cars.
A flight changed (or given) after the desk last exported that day's list for that airport is flagged:
the printed sheet in the driver's hand is out of date for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from ...models import Delegate, Flight, PickupExport, Summit, utcnow
from ...models.labels import DelegateStatus
from ...plumbing.errors import ValidationFailed
from ...plumbing.extensions import db

WINDOW_MIN, WINDOW_MAX = 5, 240


@dataclass
class Pickup:
    flight: Flight
    delegate: Delegate
    #: changed since the list was last exported
    changed: bool = False


@dataclass
class Window:
    starts_at: datetime
    ends_at: datetime
    pickups: list[Pickup] = field(default_factory=list)


def parse_day(raw) -> date:
    if isinstance(raw, str) and len(raw) == 10:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise ValidationFailed({"date": ["a date as YYYY-MM-DD"]}, "give the date as YYYY-MM-DD")


def parse_window(raw, summit: Summit) -> int:
    if raw in (None, ""):
        return summit.pickup_window_minutes
    try:
        minutes = int(raw)
    except (TypeError, ValueError):
        minutes = 0
    if not WINDOW_MIN <= minutes <= WINDOW_MAX:
        raise ValidationFailed({"window": [f"minutes, from {WINDOW_MIN} to {WINDOW_MAX}"]})
    return minutes


def _day_range(summit: Summit, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=summit.zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=summit.zone)


def flights_on(summit: Summit, direction: str, day: date, airport: str | None = None) -> list[tuple[Flight, Delegate]]:
    """The day's flights of live delegates, in time order (then by name)."""
    start, end = _day_range(summit, day)
    query = (select(Flight, Delegate).join(Delegate, Flight.delegate_id == Delegate.id)
             .where(Delegate.summit_id == summit.id, Delegate.status == DelegateStatus.REGISTERED,
                    Flight.direction == direction, Flight.at >= start, Flight.at < end)
             .order_by(Flight.at, Delegate.family_name, Delegate.id))
    if airport:
        query = query.where(Flight.airport == airport)
    return [(f, d) for f, d in db.session.execute(query).all()]


def airports_on(summit: Summit, direction: str, day: date) -> list[str]:
    return sorted({f.airport for f, _ in flights_on(summit, direction, day)})


def last_export(summit: Summit, direction: str, day: date, airport: str) -> datetime | None:
    return db.session.scalar(select(func.max(PickupExport.exported_at)).where(
        PickupExport.summit_id == summit.id, PickupExport.direction == direction, PickupExport.day == day,
        PickupExport.airport == airport))


def windows(summit: Summit, direction: str, day: date, airport: str, minutes: int) -> list[Window]:
    """The day's list at ``airport`` in windows of ``minutes``, empty windows left out."""
    exported = last_export(summit, direction, day, airport)
    start, _ = _day_range(summit, day)
    out: dict[int, Window] = {}
    for flight, delegate in flights_on(summit, direction, day, airport):
        local = flight.at.astimezone(summit.zone)
        index = int((local - start).total_seconds() // 60) // minutes
        window = out.get(index)
        if window is None:
            begins = start + timedelta(minutes=index * minutes)
            window = out[index] = Window(begins, min(begins + timedelta(minutes=minutes), _day_range(summit, day)[1]))
        window.pickups.append(Pickup(flight, delegate, exported is not None and flight.updated_at > exported))
    return [out[i] for i in sorted(out)]


def record_export(summit: Summit, user, direction: str, day: date, airport: str) -> PickupExport:
    """Mark the list exported now (in the caller's transaction, with its audit entry)."""
    row = PickupExport(summit_id=summit.id, direction=direction, day=day, airport=airport, exported_at=utcnow(),
                       exported_by_id=user.id if user is not None else None)
    db.session.add(row)
    return row


def arrivals(summit: Summit, day: date) -> list[dict]:
    """The contract's ``arrivals`` list: every airport, in time order."""
    return [{"delegate_id": d.id, "name": d.display_name, "flight": f.flight, "airport": f.airport,
             "at": f.at.astimezone(summit.zone).isoformat()}
            for f, d in flights_on(summit, "arrival", day)]
