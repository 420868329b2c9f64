"""Delegate self-service, reached through the secret manage link (no login)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import csrf, limiter, registration_limit
from ..services import agenda, registration
from ..services.delegate_mail import send_new_link
from ..services.errors import NotFound, ValidationFailed
from ..services.places import RouteFull, waitlist_position
from ..services.registration import EmailTaken
from ..services.summits import current_summit
from ..urls import calendar_url, manage_url
from .forms import ConfirmForm, DetailsForm, LostLinkForm, RouteChoiceForm, country_name, show_errors
from .registration import service_message
from .request_input import form_text_checked

selfservice_bp = Blueprint("selfservice", __name__, url_prefix="/manage")


@selfservice_bp.after_request
def _private(response):
    # The URL is the credential: keep it out of other sites' logs and of shared caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _delegate(token: str):
    try:
        return registration.delegate_for_manage_token(token)
    except NotFound:
        abort(404)


def _summit_name(summit, delegate) -> str:
    return summit.name_zh if delegate.language == "zh" else summit.name_en


def _render_manage(token, delegate, route_form=None, status=200):
    summit = current_summit()
    if route_form is None:
        route_form = RouteChoiceForm()
        route_form.route.data = str(delegate.booking.route_id) if delegate.booking else ""
    booking = delegate.booking
    return render_template(
        "selfservice/manage.html", summit=summit, delegate=delegate, token=token, booking=booking,
        position=waitlist_position(booking) if booking else None, route_form=route_form,
        routes=agenda.routes_with_availability(summit), confirm_form=ConfirmForm(),
        calendar_url=calendar_url(delegate), country=country_name(delegate.country),
    ), status


@selfservice_bp.get("/<token>")
def manage(token: str):
    return _render_manage(token, _delegate(token))


@selfservice_bp.post("/<token>/route")
@csrf.exempt  # checked by the form, so a stale page re-renders instead of failing blank
def change_route(token: str):
    delegate = _delegate(token)
    form = RouteChoiceForm()
    if not form.validate_on_submit():
        form.form_errors.append(_("The page had expired. Please make your choice again."))
        return _render_manage(token, delegate, form, 400)
    try:
        change = registration.choose_route(delegate, form.route_data())
    except (ValidationFailed, RouteFull) as exc:
        show_errors(form, {"route": [service_message(exc)]} if isinstance(exc, RouteFull) else exc.errors)
        return _render_manage(token, _delegate(token), form, 409 if isinstance(exc, RouteFull) else 422)
    if change.booking is None:
        flash(_("You are no longer on a technical-visit route."), "success")
    elif change.booking.status == "confirmed":
        flash(_("Your place on %(route)s is confirmed.", route=change.booking.route.code), "success")
    else:
        flash(_("You are on the waiting list for %(route)s. You will move up automatically.",
                route=change.booking.route.code), "warning")
    return redirect(url_for("selfservice.manage", token=token))


@selfservice_bp.route("/<token>/details", methods=["GET", "POST"])
@form_text_checked
@csrf.exempt
def edit_details(token: str):
    summit = current_summit()
    delegate = _delegate(token)
    form = DetailsForm(obj=delegate if request.method == "GET" else None)
    form.fill_choices()
    status = 200
    if form.validate_on_submit():
        try:
            registration.update_details(delegate, form.delegate_data())
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 422
        except EmailTaken as exc:
            show_errors(form, {"email": [service_message(exc)]})
            status = 409
        else:
            flash(_("Your details are saved."), "success")
            return redirect(url_for("selfservice.manage", token=token))
    elif request.method == "POST":
        form.form_errors.append(_("The page had expired. Please check your details and save again."))
        status = 400
    return render_template("selfservice/details.html", summit=summit, form=form, token=token,
                           delegate=delegate), status


@selfservice_bp.route("/<token>/cancel", methods=["GET", "POST"])
@csrf.exempt
def cancel(token: str):
    summit = current_summit()
    delegate = _delegate(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        registration.cancel(delegate)
        flash(_("Your registration is cancelled. We hope to see you at a future forum."), "success")
        return redirect(url_for("public.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("selfservice/cancel.html", summit=summit, form=form, token=token,
                           delegate=delegate), status


@selfservice_bp.route("/lost-link", methods=["GET", "POST"])
@csrf.exempt
@limiter.shared_limit(registration_limit, scope="registration", exempt_when=lambda: request.method == "GET")
def lost_link():
    summit = current_summit()
    form = LostLinkForm()
    if form.validate_on_submit():
        found = registration.new_manage_link(summit, form.email.data or "")
        if found:
            delegate, token = found
            send_new_link(delegate, _summit_name(summit, delegate), manage_url(token))
        # The same answer either way: nobody learns who is registered.
        flash(_("If that address is registered, a new link is on its way. Links sent before no longer work."),
              "success")
        return redirect(url_for("selfservice.lost_link"))
    status = 400 if request.method == "POST" else 200
    return render_template("selfservice/lost_link.html", summit=summit, form=form), status
