"""A delegate's arrival and departure: an aware time, a flight number and an airport, checked and normalised.

What is certain is checked, nothing more: the designator's form (IATA: a two-character airline code, letters
or digits but not two digits, 1–4 digits and an optional letter), the airport (a known IATA code, from
``airportsdata``), and that the arrival comes before the departure.  Times come with their offset (the API)
or as the summit's local wall-clock time (the form), and are kept as aware instants.
"""
from __future__ import annotations

import math
import re
from datetime import datetime
from functools import lru_cache

import airportsdata
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...models import DIRECTIONS, Flight, Summit, utcnow
from ...plumbing.database import require_write_transaction
from ...plumbing.errors import ValidationFailed
from ...plumbing.extensions import db

#: Beijing's two airports: first in every list the form offers
HOME_AIRPORTS = ("PEK", "PKX")
_DESIGNATOR = re.compile(r"^(?P<airline>[A-Z0-9]{2})(?P<number>[0-9]{1,4})(?P<suffix>[A-Z]?)$")
#: what a typed flight number may hold before it is normalised (spaces, a dash between airline and number)
_TYPED_MAX = 16
_FIELDS = ("at", "flight", "airport")


@lru_cache(maxsize=1)
def airports() -> dict[str, dict]:
    """Every known IATA airport code → its record (name, city, country, zone)."""
    return airportsdata.load("IATA")


def airport_choices() -> list[tuple[str, str]]:
    """(code, "PEK · Beijing Capital International Airport, Beijing") for the form's list, Beijing's first."""
    known = airports()
    rest = sorted(code for code in known if code not in HOME_AIRPORTS)
    return [(code, f"{code} · {known[code]['name']}, {known[code]['city']}") for code in (*HOME_AIRPORTS, *rest)]


def airports_within(code: str, km: float) -> list[str]:
    """The codes of the airports within ``km`` of airport ``code`` (great-circle distance), nearest first."""
    known = airports()
    here = known[code]

    def distance(other: dict) -> float:
        lat1, lon1, lat2, lon2 = map(math.radians, (here["lat"], here["lon"], other["lat"], other["lon"]))
        a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 6371.0 * 2 * math.asin(math.sqrt(a))

    near = sorted((distance(record), other) for other, record in known.items())
    return [other for d, other in near if d <= km]


def normalise_flight(raw) -> str:
    """"ca 981" → "CA981": spaces and a dash dropped, upper case; ValueError when the form is not a designator."""
    if not isinstance(raw, str) or len(raw) > _TYPED_MAX:
        raise ValueError(raw)
    text = re.sub(r"[\s\-]+", "", raw).upper()
    match = _DESIGNATOR.match(text)
    if match is None or match["airline"].isdigit():
        raise ValueError(raw)
    return text


def normalise_airport(raw) -> str:
    if not isinstance(raw, str) or len(raw) > _TYPED_MAX:
        raise ValueError(raw)
    code = raw.strip().upper()
    if code not in airports():
        raise ValueError(raw)
    return code


def parse_at(raw, summit: Summit) -> datetime:
    """An ISO 8601 time with its offset (the API) or, without one, the summit's local time (the form)."""
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str) and 0 < len(raw) <= 40:
        value = datetime.fromisoformat(raw.strip())
    else:
        raise ValueError(raw)
    if value.tzinfo is None:
        value = value.replace(tzinfo=summit.zone)
    return value


def clean_flight(data, summit: Summit, direction: str, *, local: bool = False) -> dict | None:
    """{"at", "flight", "airport"} checked and normalised; None for "no flight" (null or all empty).

    ``local``: the form's wall-clock time in the summit's zone (the API's must carry an offset).
    Raises ValidationFailed naming ``direction.field``.
    """
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValidationFailed({direction: [_l("Give the flight as at, flight and airport.")]})
    if all(not data.get(name) for name in _FIELDS):
        return None
    errors: dict[str, list] = {}
    values: dict = {}
    raw_at = data.get("at")
    try:
        if not local and isinstance(raw_at, str) and datetime.fromisoformat(raw_at.strip()).tzinfo is None:
            raise ValueError(raw_at)
        values["at"] = parse_at(raw_at, summit)
    except (ValueError, TypeError):
        errors[f"{direction}.at"] = [_l("Give the date and time, e.g. 2024-09-24 14:30.") if local else
                                     _l("Give the time in ISO 8601 with its offset, e.g. 2024-09-24T14:30:00+08:00.")]
    try:
        values["flight"] = normalise_flight(data.get("flight"))
    except ValueError:
        errors[f"{direction}.flight"] = [_l("Give the flight number as on the ticket, e.g. CA981: "
                                            "the airline's two-character code and up to four digits.")]
    try:
        values["airport"] = normalise_airport(data.get("airport"))
    except ValueError:
        errors[f"{direction}.airport"] = [_l("Unknown airport: give its three-letter IATA code, e.g. PEK or PKX.")]
    if errors:
        raise ValidationFailed(errors)
    return values


def check_order(arrival: dict | None, departure: dict | None) -> None:
    if arrival and departure and not arrival["at"] < departure["at"]:
        raise ValidationFailed({"departure.at": [_l("The departure must come after the arrival.")]},
                               "the departure must come after the arrival")


def flights_of(delegate_id: int) -> dict[str, Flight]:
    rows = db.session.scalars(select(Flight).where(Flight.delegate_id == delegate_id)).all()
    return {row.direction: row for row in rows}


def set_flights(delegate, summit: Summit, data: dict, *, local: bool = False) -> dict[str, Flight]:
    """Set, change or clear (null) the flights ``data`` names ("arrival", "departure"); the others stay.

    Inside ``writing()`` with the delegate locked (registration.lock_delegate), so the order check sees
    the other flight as committed.  A flight whose values do not change keeps its ``updated_at``, so the
    pick-up list flags only real changes.
    """
    require_write_transaction()
    given = {direction: clean_flight(data[direction], summit, direction, local=local)
             for direction in DIRECTIONS if direction in data}
    current = flights_of(delegate.id)
    merged = {direction: given[direction] if direction in given else
              ({name: getattr(current[direction], name) for name in _FIELDS} if direction in current else None)
              for direction in DIRECTIONS}
    check_order(merged["arrival"], merged["departure"])
    now = utcnow()
    for direction, values in given.items():
        row = current.get(direction)
        if values is None:
            if row is not None:
                db.session.delete(row)
                del current[direction]
            continue
        if row is None:
            row = current[direction] = Flight(delegate_id=delegate.id, direction=direction, updated_at=now, **values)
            db.session.add(row)
        elif any(getattr(row, name) != values[name] for name in _FIELDS):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
    db.session.flush()
    return current


def flight_body(row: Flight | None, summit: Summit) -> dict | None:
    """The API's {"at", "flight", "airport"}, the time in the summit's zone with its offset."""
    if row is None:
        return None
    return {"at": row.at.astimezone(summit.zone).isoformat(), "flight": row.flight, "airport": row.airport}
