"""Organisers' changes to the technical-visit routes.

Capacity goes through places.set_capacity (the one capacity rule): raising it
promotes from the waiting list in the same transaction, lowering it below the
confirmed count is refused.  Every change bumps the route's revision (calendars
publish it) and writes an audit entry in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ...plumbing.database import writing
from ...plumbing.extensions import db
from ...models import ConsoleUser, RouteBooking, Summit, VisitRoute, utcnow
from ...models.labels import MAX_CAPACITY, BookingStatus
from ..console import audit
from . import capacity as places
from ..console.input import Problems, clean_text, clean_time
from ..registration.mail import announce_promotions
from ...plumbing.errors import NotFound, ValidationFailed

#: field → (maximum length, required)
TEXT_FIELDS = {
    "name_zh": (200, True),
    "name_en": (200, True),
    "note_zh": (300, False),
    "note_en": (300, False),
    "meeting_point_zh": (200, False),
    "meeting_point_en": (200, False),
}
STOP_MAX = 200
STOPS_MAX = 30
EDITABLE = (*TEXT_FIELDS, "stops", "departs_at", "returns_at", "capacity")
ENTITY = "visit_route"


@dataclass
class RouteChange:
    route: VisitRoute
    #: bookings that moved from the waiting list to a confirmed place
    promoted: list[RouteBooking]
    changes: dict


def get_route(summit: Summit, route_id: int) -> VisitRoute:
    route = db.session.get(VisitRoute, route_id)
    if route is None or route.summit_id != summit.id:
        raise NotFound("no such route")
    return route


def _capacity(value, problems: Problems):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CAPACITY:
        problems.add("capacity", _l("A whole number from 0 to %(max)d.", max=MAX_CAPACITY))
        return None
    return value


def _stops(value, problems: Problems) -> list | None:
    if not isinstance(value, list) or len(value) > STOPS_MAX:
        problems.add("stops", _l("At most %(max)d stops.", max=STOPS_MAX))
        return None
    stops = []
    for stop in value:
        if not isinstance(stop, dict):
            problems.add("stops", _l("Each stop needs a Chinese or an English name."))
            return None
        names = Problems()
        zh = clean_text(stop, "zh", STOP_MAX, names)
        en = clean_text(stop, "en", STOP_MAX, names)
        if names:
            problems.setdefault("stops", []).extend(message for messages in names.values() for message in messages)
            return None
        if not (zh or en):
            problems.add("stops", _l("Each stop needs a Chinese or an English name."))
            return None
        stops.append({"zh": zh, "en": en})
    return stops


def clean_route(data: dict) -> dict:
    problems = Problems()
    values = {}
    for name, (limit, required) in TEXT_FIELDS.items():
        text = clean_text(data, name, limit, problems, required=required)
        if text is not None:
            values[name] = text
    values["stops"] = _stops(data.get("stops", []), problems)
    values["departs_at"] = clean_time(data, "departs_at", problems)
    values["returns_at"] = clean_time(data, "returns_at", problems)
    if values["departs_at"] and values["returns_at"] and values["returns_at"] <= values["departs_at"]:
        problems.add("returns_at", _l("The return must come after the departure."))
    values["capacity"] = _capacity(data.get("capacity"), problems)
    if problems:
        raise ValidationFailed(dict(problems), "some fields need attention")
    return values


def _apply(route: VisitRoute, values: dict, user: ConsoleUser | None) -> RouteChange:
    """In one write transaction: lock the route, apply, audit, commit."""
    with writing():
        route_id = route.id
        locked = places.lock_summit_routes(route.summit_id)[route_id]  # a promotion may swap a kept place
        changes = audit.diff(audit.snapshot(locked, values), values)
        promoted = []
        if "capacity" in changes:
            # First, while nothing else is pending: set_capacity re-reads the locked row.
            promoted = places.set_capacity(locked, values["capacity"])  # bumps revision and updated_at
        others = {name: values[name] for name in changes if name != "capacity"}
        if others:
            for name, value in others.items():
                setattr(locked, name, value)
            if "capacity" not in changes:
                locked.revision += 1
                locked.updated_at = utcnow()
        if changes:
            audit.record(user, f"{ENTITY}.update", ENTITY, route_id, changes)
        for booking in promoted:
            audit.record(user, "delegate.promoted", "delegate", booking.delegate_id,
                         {"route": [locked.code, locked.code],
                          "status": [BookingStatus.WAITLISTED, BookingStatus.CONFIRMED]})
        announce_promotions(promoted)  # outbox rows, committed with the promotion
    return RouteChange(locked, promoted, changes)


def update_route(route: VisitRoute, data: dict, user: ConsoleUser | None) -> RouteChange:
    """Save the console's route form (every field)."""
    values = clean_route(data)
    return _apply(route, values, user)


def change_capacity(route: VisitRoute, capacity, user: ConsoleUser | None) -> RouteChange:
    """The API's PATCH: capacity alone."""
    problems = Problems()
    value = _capacity(capacity, problems)
    if problems:
        raise ValidationFailed({"capacity": [f"a whole number from 0 to {MAX_CAPACITY}"]}, "invalid capacity")
    return _apply(route, {"capacity": value}, user)
