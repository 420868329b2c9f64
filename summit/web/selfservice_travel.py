"""The delegate's travel page (/manage/<token>/travel): arrival and departure flights, and a hotel room.

A plain form that works without JavaScript; times are typed as Beijing time (the summit's zone) and shown so.
On a full hotel the page says so, keeps what was typed, and offers the next nearest hotel with room.
The focal point's page for a delegation member (web/delegation_page.py) is the same page, through
``travel_form``.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..models import DIRECTIONS
from ..plumbing.errors import NotFound, ValidationFailed
from ..plumbing.extensions import db
from ..plumbing.request_input import form_text_checked
from ..services.registration import delegates as registration
from ..services.summits.current import current_summit
from ..services.travel import hotels, plans
from .selfservice import _delegate, selfservice_bp
from .travel_forms import error_field, full_notice, hotel_choices, listed_airports, travel_change


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


def travel_form(summit, delegate, lock, *, action: str, back: str, done, heading=None, back_label=None,
                saved_message=None):
    """GET: the saved travel; POST: the change (``lock()`` finds and locks the delegate), then ``done()``.

    A refusal re-renders the page with what was typed and the reasons beside the fields (422), a full hotel
    with the next nearest hotel offered (409)."""
    def render(values, errors=None, full=None, status=200):
        hotel_list, nights = hotel_choices(summit)
        return render_template("selfservice/travel.html", summit=summit, delegate=delegate, values=values,
                               errors={error_field(k): v for k, v in (errors or {}).items()}, full=full,
                               hotels=hotel_list, nights=nights, airports=listed_airports(), action=action,
                               back=back, heading=heading, back_label=back_label), status

    if request.method == "GET":
        return render(_form_values(delegate, summit))
    values = _typed()
    if values["hotel_id"] and not values["nights"]:
        return render(values, {"hotel.nights": [_("Choose the nights you need a room for.")]}, status=422)
    try:
        plans.change_travel(lock, summit, travel_change(values), local=True)
    except ValidationFailed as exc:
        db.session.rollback()
        return render(values, exc.errors, status=422)
    except hotels.HotelFull as exc:
        db.session.rollback()
        return render(values, full=full_notice(exc), status=409)
    flash(saved_message or _("Your travel details are saved."), "success")
    return done()


@selfservice_bp.route("/<token>/travel", methods=["GET", "POST"])
@form_text_checked
def travel_page(token: str):
    summit = current_summit()
    delegate = _delegate(token)
    back = url_for("selfservice.manage", token=token)
    try:
        return travel_form(summit, delegate, lambda: registration.lock_delegate(manage_token=token),
                           action=url_for("selfservice.travel_page", token=token), back=back,
                           done=lambda: redirect(back))
    except NotFound:
        return redirect(back)
