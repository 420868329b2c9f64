"""A delegate's travel as one change: their flights and their hotel room, in one transaction.

The registration (services/registration/delegates.py) writes them with the new delegate; the self-service
page, the API's PATCH and a focal point change them later through ``change_travel``.
Lock order, as everywhere: the delegate, (their delegation, the routes,) then the hotel nights.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ...models import Delegate, Flight, Summit
from ...plumbing.database import require_write_transaction, writing
from ...plumbing.errors import ValidationFailed
from . import flights, hotels

HOTEL_SHAPE = _l('Give the hotel as {"hotel_id", "nights"}, or null.')

#: the body keys this capability reads (a registration, the self-service PATCH)
TRAVEL_KEYS = ("arrival", "departure", "hotel")


@dataclass
class Travel:
    flights: dict[str, Flight]
    stay: hotels.Stay


def asks_for_travel(data: dict) -> bool:
    return any(key in data for key in TRAVEL_KEYS)


def precheck(summit: Summit, data: dict, *, local: bool = False) -> None:
    """The flights' own rules before any transaction begins, so a registration fails early on them."""
    given, errors = {}, {}
    for direction in (d for d in flights.DIRECTIONS if d in data):  # both flights' mistakes at once
        try:
            given[direction] = flights.clean_flight(data[direction], summit, direction, local=local)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    flights.check_order(given.get("arrival"), given.get("departure"))
    hotel = data.get("hotel")
    if hotel is not None and not isinstance(hotel, dict):
        raise ValidationFailed({"hotel": [str(HOTEL_SHAPE)]})


def apply_travel(delegate: Delegate, summit: Summit, data: dict, *, local: bool = False) -> None:
    """Write what ``data`` asks (keys left out stay as they are); inside ``writing()``, the delegate locked."""
    require_write_transaction()
    if any(d in data for d in flights.DIRECTIONS):
        flights.set_flights(delegate, summit, {d: data[d] for d in flights.DIRECTIONS if d in data}, local=local)
    if "hotel" in data:
        hotel = data["hotel"] or {}
        if not isinstance(hotel, dict):
            raise ValidationFailed({"hotel": [str(HOTEL_SHAPE)]})
        # nights left out: none; null is no list, and refused as such (the schema's rule)
        hotels.book_stay(delegate, hotel.get("hotel_id"), hotel.get("nights", []))


def change_travel(lock, summit: Summit, data: dict, *, local: bool = False) -> Delegate:
    """``lock()`` finds and locks the delegate (registration.lock_delegate); then the change, committed once.
    Returns the delegate (read the result with ``travel_of``)."""
    precheck(summit, data, local=local)
    with writing(keep_state=True):
        delegate = lock()
        apply_travel(delegate, summit, data, local=local)
    return delegate


def travel_of(delegate_id: int) -> Travel:
    return Travel(flights.flights_of(delegate_id), hotels.stay_of(delegate_id))


#: travel_body of a delegate with no flights and no hotel
NO_TRAVEL_BODY = {"arrival": None, "departure": None, "hotel": None}


def travel_body(delegate_id: int, summit: Summit) -> dict:
    """The API's ``arrival``, ``departure`` and ``hotel`` of a registration."""
    travel = travel_of(delegate_id)
    stay = travel.stay
    return {"arrival": flights.flight_body(travel.flights.get("arrival"), summit),
            "departure": flights.flight_body(travel.flights.get("departure"), summit),
            "hotel": ({"hotel_id": stay.hotel.id, "code": stay.hotel.code,
                       "nights": [n.isoformat() for n in stay.nights]} if stay.hotel else None)}
