"""The travel part of a delegate's forms: arrival, departure and a hotel room, in one block.

The registration form carries it optionally ("I can give my flights and hotel now": the fields show once the
box is ticked where CSS :has() works, templates/_travel_fields.html, and always otherwise); the self-service
travel page and the focal point's page for a member show it open. The rules are the service's
(services/travel/flights.py, hotels.py): the form and the API say the same thing. Times are typed as the
summit's wall-clock time (Beijing time). Nothing typed is lost on an error: the fields are rendered back.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, StringField

from ..models import DIRECTIONS, Hotel
from ..plumbing.extensions import db
from ..services.travel import flights, hotels
from .drafts import DraftForm
from .forms import storable_text

_FLIGHT_FIELDS = ("at", "flight", "airport")
#: the form's datalist: Beijing's two airports first, then the other international airports within reach of a
#: pick-up. Any known IATA code is accepted; the list only saves typing. (It listed every international
#: airport on earth once: 926 options, 120 KB on every registration page, for a field about landing in Beijing.)
_LISTED: list[tuple[str, str]] | None = None
PICKUP_REACH_KM = 300


def listed_airports() -> list[tuple[str, str]]:
    global _LISTED
    if _LISTED is None:
        near = set(flights.airports_within(flights.HOME_AIRPORTS[0], PICKUP_REACH_KM))
        _LISTED = [(code, label) for code, label in flights.airport_choices()
                   if code in flights.HOME_AIRPORTS or (code in near and "International" in label)]
    return _LISTED


def hotel_choices(summit) -> tuple[list, list]:
    """The summit's hotels (nearest first) and every night any of them has a block for."""
    hotel_list = hotels.hotels_of(summit.id)
    return hotel_list, sorted({n.night for h in hotel_list for n in h.nights})


def error_field(key: str) -> str:
    """The service's error key → the form's field name ("arrival.at" → "arrival_at", "hotel.nights" → "nights")."""
    if key.startswith("hotel"):
        return "nights" if key.endswith("nights") else "hotel_id"
    return key.replace(".", "_")


def travel_change(values: dict) -> dict:
    """The service's change (plans.change_travel) from the form's values; a hotel without a choice: none."""
    hotel_id = int(values["hotel_id"]) if str(values.get("hotel_id") or "").isdigit() else None
    return {"arrival": values["arrival"], "departure": values["departure"],
            "hotel": {"hotel_id": hotel_id, "nights": values["nights"]} if hotel_id else None}


def full_notice(exc: hotels.HotelFull) -> dict:
    """A full block, for the page: the full nights and the next nearest hotel with room on all of them."""
    alternative = exc.details.get("alternative")
    return {"nights": exc.details.get("nights", []),
            "other": db.session.get(Hotel, alternative) if alternative else None}


class TravelForm(DraftForm):
    """The fields, named as the self-service page names them, so one template block serves every form."""

    travel = BooleanField(_l("I can give my flights and hotel now (or later, from your personal link)"))
    arrival_at = StringField(validators=[storable_text], render_kw={"type": "datetime-local"})
    arrival_flight = StringField(validators=[storable_text])
    arrival_airport = StringField(validators=[storable_text])
    departure_at = StringField(validators=[storable_text])
    departure_flight = StringField(validators=[storable_text])
    departure_airport = StringField(validators=[storable_text])
    hotel_id = StringField(validators=[storable_text])
    nights = SelectMultipleField(validate_choice=False)

    def travel_values(self) -> dict:
        """What the block shows: what was typed (trimmed), as the self-service page's values."""
        values = {direction: {name: (getattr(self, f"{direction}_{name}").data or "").strip()
                              for name in _FLIGHT_FIELDS} for direction in DIRECTIONS}
        values["hotel_id"] = (self.hotel_id.data or "").strip()
        values["nights"] = [n for n in (self.nights.data or []) if isinstance(n, str)]
        return values

    def travel_errors(self) -> dict:
        """The block's errors, keyed by field name."""
        names = [f"{d}_{n}" for d in DIRECTIONS for n in _FLIGHT_FIELDS] + ["hotel_id", "nights"]
        return {name: list(getattr(self, name).errors) for name in names if getattr(self, name).errors}

    def travel_data(self) -> dict:
        """The registration body's arrival, departure and hotel: only when the box is ticked."""
        if not self.travel.data:
            return {}
        return travel_change(self.travel_values())

    def show_travel_errors(self, errors: dict) -> dict:
        """Put the service's travel errors beside their fields; the others are returned for show_errors."""
        rest = {}
        for key, messages in errors.items():
            if key.split(".")[0] not in ("arrival", "departure", "hotel"):
                rest[key] = messages
                continue
            field = getattr(self, error_field(key), None) or self.travel
            field.errors = [*field.errors, *messages]
        return rest
