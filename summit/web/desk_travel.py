"""The transport desk and the hotels (staff): the day's pick-up list per airport in windows, its XLSX (audited,
and remembered, so a flight changed afterwards is flagged), and each hotel's rooming list as XLSX (audited)."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, render_template, request
from flask_login import current_user

from ..auth import console_requires
from ..models import DIRECTIONS, Hotel
from ..plumbing.errors import ValidationFailed
from ..plumbing.extensions import db
from ..services.console.audit import record_download
from ..services.summits.current import current_summit
from ..services.travel import hotels, pickups, sheets
from ..services.travel.flights import HOME_AIRPORTS
from ..plumbing.downloads import XLSX, attachment
from .desk import desk_bp

def _download(body: bytes, filename: str) -> Response:
    return attachment(body, filename, XLSX)


def _days(summit):
    """The days a delegate arrives or leaves on, as quick links: three before the summit to two after."""
    first = summit.starts_on - timedelta(days=3)
    return [first + timedelta(days=n) for n in range((summit.ends_on - first).days + 3)]


def _choice(summit):
    direction = request.args.get("direction", "arrival")
    if direction not in DIRECTIONS:
        direction = "arrival"
    raw_day = request.args.get("date")
    default = summit.starts_on - timedelta(days=1) if direction == "arrival" else summit.ends_on + timedelta(days=1)
    day = pickups.parse_day(raw_day) if raw_day else default
    minutes = pickups.parse_window(request.args.get("window"), summit)
    airports = pickups.airports_on(summit, direction, day)
    airport = (request.args.get("airport") or "").strip().upper()
    if airport not in airports:
        airport = next((code for code in (*HOME_AIRPORTS, *airports) if code in airports), "")
    return direction, day, minutes, airports, airport


@desk_bp.get("/transport")
@console_requires("staff")
def transport():
    summit = current_summit()
    try:
        direction, day, minutes, airports, airport = _choice(summit)
    except ValidationFailed as exc:
        return render_template("desk/transport.html", summit=summit, error=exc.errors, days=_days(summit),
                               direction="arrival", day=None, minutes=summit.pickup_window_minutes, airports=[],
                               airport="", windows=[], exported=None), 422
    windows = pickups.windows(summit, direction, day, airport, minutes) if airport else []
    exported = pickups.last_export(summit, direction, day, airport) if airport else None
    return render_template("desk/transport.html", summit=summit, error=None, days=_days(summit),
                           direction=direction, day=day, minutes=minutes, airports=airports, airport=airport,
                           windows=windows, exported=exported)


@desk_bp.get("/transport.xlsx")
@console_requires("staff")
def transport_xlsx():
    summit = current_summit()
    try:
        direction, day, minutes, _, airport = _choice(summit)
    except ValidationFailed:
        return Response("give date as YYYY-MM-DD and window in minutes (5-240)", 422, mimetype="text/plain")
    windows = pickups.windows(summit, direction, day, airport, minutes) if airport else []
    body = sheets.pickup_xlsx(summit, direction, airport or "-", windows)
    if airport:
        pickups.record_export(summit, current_user, direction, day, airport)
    record_download(current_user, f"pickups_{direction}s.xlsx",
                    filters={"date": day.isoformat(), "airport": airport, "window": minutes},
                    count=sum(len(w.pickups) for w in windows))
    db.session.commit()
    return _download(body, f"{summit.slug}-{direction}s-{day.isoformat()}-{airport or 'none'}.xlsx")


@desk_bp.get("/hotels")
@console_requires("staff")
def hotel_list():
    summit = current_summit()
    return render_template("desk/hotels.html", summit=summit, hotels=hotels.hotels_of(summit.id))


@desk_bp.get("/hotels/<int:hotel_id>/rooming.xlsx")
@console_requires("staff")
def rooming_xlsx(hotel_id: int):
    summit = current_summit()
    hotel = db.session.get(Hotel, hotel_id)
    if hotel is None or hotel.summit_id != summit.id:
        return Response("no such hotel", 404, mimetype="text/plain")
    entries = hotels.rooming_list(hotel)
    body = sheets.rooming_xlsx(hotel, entries)
    record_download(current_user, "rooming.xlsx", filters={"hotel": hotel.code}, count=len(entries))
    db.session.commit()
    return _download(body, f"{summit.slug}-rooming-{hotel.code}.xlsx")
