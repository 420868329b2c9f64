"""The delegate's travel page (/manage/<token>/travel): arrival and departure flights, and a hotel room.

A plain form that works without JavaScript; times are typed as Beijing time (the summit's zone) and shown so.
On a full hotel the page says so, keeps what was typed, and offers the next nearest hotel with room.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _


from ..plumbing.errors import NotFound, ValidationFailed
from ..plumbing.extensions import db
from ..plumbing.request_input import form_text_checked
from ..models import DIRECTIONS, Hotel
from ..services.registration import delegates as registration
from ..services.summits.current import current_summit
from ..services.travel import flights, hotels, plans
from .selfservice import _delegate, selfservice_bp

#: the form's datalist: Beijing's two, then the international airports (any known IATA code is accepted)
_LISTED = None


def listed_airports() -> list[tuple[str, str]]:
    global _LISTED
    if _LISTED is None:
        _LISTED = [(code, label) for code, label in flights.airport_choices()
                   if code in flights.HOME_AIRPORTS or "International" in label]
    return _LISTED


def _form_values(delegate, summit) -> dict:
    """What the form shows: the saved travel, times as Beijing wall-clock time."""
    travel = plans.travel_of(delegate.id)
    values = {}
    for direction in DIRECTIONS:
        row = travel.flights.get(direction)
        values[direction] = ({"at": row.at.astimezone(summit.zone).strftime("%Y-%m-%dT%H:%M"), "flight": row.flight,
                              "airport": row.airport} if row else {"at": "", "flight": "", "airport": ""})
    values["hotel_id"] = str(travel.stay.hotel.id) if travel.stay.hotel else ""
    values["nights"] = [n.isoformat() for n in travel.stay.nights]
    return values


def _typed() -> dict:
    values = {direction: {name: (request.form.get(f"{direction}_{name}") or "").strip()
                          for name in ("at", "flight", "airport")} for direction in DIRECTIONS}
    values["hotel_id"] = (request.form.get("hotel_id") or "").strip()
    values["nights"] = request.form.getlist("nights")
    return values


def _change(values: dict) -> dict:
    hotel_id = int(values["hotel_id"]) if values["hotel_id"].isdigit() else None
    return {"arrival": values["arrival"], "departure": values["departure"],
            "hotel": {"hotel_id": hotel_id, "nights": values["nights"]} if hotel_id else None}


def _render(token, delegate, summit, values, errors=None, full=None, status=200):
    hotel_list = hotels.hotels_of(summit.id)
    nights = sorted({n.night for h in hotel_list for n in h.nights})
    return render_template("selfservice/travel.html", summit=summit, delegate=delegate, token=token,
                           values=values, errors=errors or {}, full=full, hotels=hotel_list, nights=nights,
                           airports=listed_airports()), status


@selfservice_bp.route("/<token>/travel", methods=["GET", "POST"])
@form_text_checked
def travel_page(token: str):
    summit = current_summit()
    delegate = _delegate(token)
    if request.method == "GET":
        return _render(token, delegate, summit, _form_values(delegate, summit))
    values = _typed()
    if values["hotel_id"] and not values["nights"]:
        return _render(token, delegate, summit, values,
                       {"hotel.nights": [_("Choose the nights you need a room for.")]}, status=422)
    try:
        plans.change_travel(lambda: registration.lock_delegate(manage_token=token), summit, _change(values),
                            local=True)
    except NotFound:
        return redirect(url_for("selfservice.manage", token=token))
    except ValidationFailed as exc:
        return _render(token, delegate, summit, values, exc.errors, status=422)
    except hotels.HotelFull as exc:
        db.session.rollback()
        other = db.session.get(Hotel, exc.details["alternative"]) if exc.details.get("alternative") else None
        return _render(token, delegate, summit, values, full={"nights": exc.details["nights"], "other": other},
                       status=409)
    flash(_("Your travel details are saved."), "success")
    return redirect(url_for("selfservice.manage", token=token))



