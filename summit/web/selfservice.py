"""Delegate self-service, reached through the secret manage link (no login)."""
from __future__ import annotations

import hashlib
import json
import time
from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded

from ..models.labels import BookingStatus
from ..plumbing.extensions import csrf, limiter, registration_limit
from ..plumbing.request_input import form_text_checked
from ..services.privacy import consents, data_copy
from ..services.privacy.erasure import erase_delegate
from ..services.programme import agenda
from ..services.registration import new_links, delegates as registration
from ..services.calendar.qr import subscribe_qr_svg
from ..services.calendar.tokens import calendar_token, revoke_calendar_token
from ..services.registration.mail import send_new_link
from ..plumbing.errors import NotFound, ValidationFailed
from ..services.registration.new_links import NewLinkExpired
from ..services.visits.capacity import RouteFull, waitlist_position
from ..services.registration.delegates import EmailTaken
from ..services.summits.current import current_summit
from ..services.travel import letters
from ..plumbing.urls import calendar_url, manage_url
from .forms import ConfirmForm, DetailsForm, EraseForm, LostLinkForm, RouteChoiceForm, country_name, show_errors
from .registration import route_full_message, service_message
from .security_headers import keep_private

selfservice_bp = Blueprint("selfservice", __name__, url_prefix="/manage")

#: session key: the delegate who has just opened a new link, to be offered a calendar reset once
CALENDAR_RESET_OFFER = "offer_calendar_reset"


keep_private(selfservice_bp)


def _delegate(token: str):
    try:
        return registration.delegate_for_manage_token(token)
    except NotFound:
        abort(404)


def _render_manage(token, delegate, route_form=None, status=200, offer_calendar_reset=False):
    summit = current_summit()
    if route_form is None:
        route_form = RouteChoiceForm()
        if not route_form.route.raw_data:  # a draft (the language switch) keeps what was chosen
            route_form.route.data = str(delegate.booking.route_id) if delegate.booking else ""
    booking = delegate.booking
    waiting = delegate.waiting
    feed_url = calendar_url(calendar_token(delegate))
    return render_template(
        "selfservice/manage.html", summit=summit, delegate=delegate, token=token, booking=booking,
        position=waitlist_position(booking) if booking else None, route_form=route_form,
        waiting=waiting, waiting_position=waitlist_position(waiting) if waiting else None,
        # called only when the route options are not kept already (templates: kept_fragment)
        routes=partial(agenda.routes_with_availability, summit), confirm_form=ConfirmForm(),
        calendar_url=feed_url, country=country_name(delegate.country),
        # SVG made by segno from our own URL (no input of the visitor's): the template inserts it as markup
        calendar_qr=subscribe_qr_svg(feed_url, _("QR code of your calendar's address")),
        offer_calendar_reset=offer_calendar_reset,
        holds_sensitive=consents.in_force(delegate.id, consents.SENSITIVE),
        visa_letter=letters.live_letter(delegate.id),
    ), status


@selfservice_bp.get("/<token>")
def manage(token: str):
    try:
        delegate = registration.delegate_for_manage_token(token, with_routes=True)
    except NotFound:
        # Perhaps a link mailed from the lost-link page and not yet opened: its page asks to confirm.
        return _new_link_page(token, may_be_open=False)
    # Once, right after a new link took over: whoever had the old link may know the calendar URL too.
    offer = session.pop(CALENDAR_RESET_OFFER, None) == delegate.id
    return _render_manage(token, delegate, offer_calendar_reset=offer)


@selfservice_bp.post("/<token>/route")
@csrf.exempt  # checked by the form, so a stale page re-renders instead of failing blank
def change_route(token: str):
    delegate = _delegate(token)
    form = RouteChoiceForm()
    if not form.validate_on_submit():
        form.form_errors.append(_("The page had expired. Please make your choice again."))
        return _render_manage(token, delegate, form, 400)
    if request.form.get("stop_waiting"):
        if registration.stop_waiting(delegate):
            flash(_("You have left the waiting list; your place on your route is kept."), "success")
        return redirect(url_for("selfservice.manage", token=token))
    try:
        change = registration.choose_route(delegate, form.route_data())
    except (ValidationFailed, RouteFull) as exc:
        show_errors(form, {"route": [route_full_message(form)]} if isinstance(exc, RouteFull) else exc.errors)
        return _render_manage(token, _delegate(token), form, 409 if isinstance(exc, RouteFull) else 422)
    if change.booking is None:
        flash(_("You are no longer on a technical-visit route."), "success")
    elif change.waiting is not None:
        flash(_("You are on the waiting list for %(wanted)s and keep your place on %(route)s until a place frees; "
                "then you move to %(wanted)s and we email you.",
                wanted=change.waiting.route.code, route=change.booking.route.code), "warning")
    elif change.booking.status == BookingStatus.CONFIRMED:
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
                           delegate=delegate, holds_sensitive=consents.in_force(delegate.id, consents.SENSITIVE)), status


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


@selfservice_bp.route("/<token>/erase", methods=["GET", "POST"])
@csrf.exempt
def erase(token: str):
    """Erase everything the summit holds about the delegate, after a confirmation that says it is for good."""
    summit = current_summit()
    try:
        delegate = registration.delegate_for_manage_token(token)
    except NotFound:
        if request.method == "POST":
            # The second of a double click (the first erased the link with the rest), or a dead link:
            # either way nothing under it is left to erase, and saying so tells nothing about whose it was.
            return render_template("selfservice/erased.html", summit=summit), 200
        abort(404)
    form = EraseForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and form.understood.data:
            erase_delegate(delegate, reason="request")
            return redirect(url_for("selfservice.erased"))
        status = 400
        if form.csrf_token.errors:
            form.form_errors.append(_("The page had expired. Please confirm again."))
        else:
            form.understood.errors = [_("Tick the box to confirm that you want your data erased.")]
    return render_template("selfservice/erase.html", summit=summit, form=form, token=token,
                           delegate=delegate), status


@selfservice_bp.get("/erased")
def erased():
    return render_template("selfservice/erased.html", summit=current_summit())


@selfservice_bp.route("/<token>/calendar-reset", methods=["GET", "POST"])
@csrf.exempt
def reset_calendar(token: str):
    """A new secret calendar URL: every calendar subscribed to the old one stops getting updates."""
    summit = current_summit()
    delegate = _delegate(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            revoke_calendar_token(delegate)
        except NotFound:
            abort(404)
        flash(_("Your calendar link is reset. The old address no longer works: subscribe again with the new "
                "address below."), "success")
        return redirect(url_for("selfservice.manage", token=token, _anchor="cal"))
    status = 400 if request.method == "POST" else 200
    return render_template("selfservice/calendar_reset.html", summit=summit, form=form, token=token,
                           delegate=delegate), status


def _new_link_page(token: str, form=None, status=200, *, may_be_open=True):
    """The page of a mailed link not yet opened: it asks the delegate to confirm (404 if no such link).

    ``may_be_open``: the link may be the manage link already (opened before), which leads to its page.
    """
    try:
        delegate = new_links.delegate_for_new_link(token)
    except NewLinkExpired:
        return _expired_link_page()
    except NotFound:
        if may_be_open:
            _delegate(token)  # 404 unless it is the manage link now
            return redirect(url_for("selfservice.manage", token=token))
        abort(404)
    return render_template("selfservice/new_link.html", summit=current_summit(), delegate=delegate,
                           new_token=token, form=form or ConfirmForm()), status


def _expired_link_page():
    return render_template("selfservice/link_expired.html", summit=current_summit(),
                           hours=_link_lifetime_hours()), 410


def _link_lifetime_hours() -> int:
    return int(new_links.NEW_LINK_LIFETIME.total_seconds() // 3600)


@selfservice_bp.route("/<new_token>/open", methods=["GET", "POST"])
@csrf.exempt  # checked by the form, so an expired page re-renders instead of failing blank
def open_new_link(new_token: str):
    """Confirming a mailed link: from now on it is the delegate's link, and the old one stops working.

    A POST, not the GET of the mailed URL: mail scanners fetch every link in a message, and one must
    not be able to revoke the delegate's working link on their behalf.
    """
    if request.method == "GET":
        return _new_link_page(new_token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        form.form_errors.append(_("The page had expired. Please confirm again."))
        return _new_link_page(new_token, form, 400)
    try:
        delegate, opened_now = new_links.open_new_link(new_token)
    except NewLinkExpired:
        return _expired_link_page()
    except NotFound:
        abort(404)
    if opened_now:
        flash(_("This is now your personal link: bookmark it. Links sent before no longer work."), "success")
        session[CALENDAR_RESET_OFFER] = delegate.id
    return redirect(url_for("selfservice.manage", token=new_token))


def _reading() -> bool:
    return request.method == "GET"


def _lost_link_email_limit() -> str:
    return current_app.config["LOST_LINK_EMAIL_RATE_LIMIT"]


def _requested_email_key() -> str:
    """Requests for one email count together, however it is typed; the limiter's storage sees a hash only."""
    raw = request.form.get("email", "")
    try:
        email = new_links.lookup_email(raw)
    except ValidationFailed:
        email = raw.strip().lower()
    return "lost-link-email:" + hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()


@selfservice_bp.route("/lost-link", methods=["GET", "POST"])
@csrf.exempt  # checked by the form, so an expired page keeps what was typed
@limiter.shared_limit(registration_limit, scope="registration", exempt_when=_reading)
@limiter.limit(_lost_link_email_limit, key_func=_requested_email_key, exempt_when=_reading)
def lost_link():
    """Ask for a new link.  The answer is the same whether or not the email is registered."""
    summit = current_summit()
    form = LostLinkForm()
    status = 200
    if form.validate_on_submit():
        try:
            email = new_links.lookup_email(form.email.data)
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 422
        else:
            # Read before the service's transaction: a known email must cost no query an unknown one does not.
            names = {"zh": summit.name_zh, "en": summit.name_en}
            found = new_links.request_new_link(summit.id, email)
            if found:
                delegate, token = found
                send_new_link(delegate, names[delegate.language], manage_url(token), _link_lifetime_hours())
            flash(_("If that address is registered, a new link is on its way. It works for %(hours)d hours; "
                    "your current link keeps working until you open the new one.", hours=_link_lifetime_hours()),
                  "success")
            return redirect(url_for("selfservice.lost_link"))
    elif request.method == "POST":
        form.form_errors.append(_("The page had expired. Please send it again."))
        status = 400
    return render_template("selfservice/lost_link.html", summit=summit, form=form), status


@selfservice_bp.errorhandler(RateLimitExceeded)
def _too_many(exc: RateLimitExceeded):
    """The lost-link form again, with what was typed, saying why (the only limited page here)."""
    form = LostLinkForm()
    form.form_errors.append(_("Too many requests for a new link. Please try again later."))
    limit = limiter.current_limit
    retry_after = max(1, int(limit.reset_at - time.time())) if limit is not None else 60
    return render_template("selfservice/lost_link.html", summit=current_summit(), form=form), 429, {
        "Retry-After": str(retry_after)}


@selfservice_bp.get("/<token>/data")
def own_data(token: str):
    """Everything held about the delegate, as a page to read and print (audited as a download)."""
    summit = current_summit()
    delegate = _delegate(token)
    copy = data_copy.download(delegate, "page")
    return render_template("selfservice/data.html", summit=summit, token=token, delegate=delegate, copy=copy,
                           country=country_name(delegate.country))


@selfservice_bp.get("/<token>/data.json")
def own_data_json(token: str):
    delegate = _delegate(token)
    copy = data_copy.download(delegate, "json")
    response = current_app.response_class(json.dumps(copy, indent=2, ensure_ascii=False) + "\n",
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="summit-data-{delegate.id}.json"'
    return response


@selfservice_bp.post("/<token>/consents/sensitive/withdraw")
@csrf.exempt  # checked by the form, so a stale page re-renders instead of failing blank
def withdraw_sensitive(token: str):
    delegate = _delegate(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The page had expired. Please try again."), "warning")
        return _render_manage(token, delegate, status=400)
    try:
        registration.withdraw_sensitive_consent(delegate)
    except NotFound:
        abort(404)
    flash(_("Your consent is withdrawn and your dietary and accessibility needs are erased."), "success")
    return redirect(url_for("selfservice.manage", token=token, _anchor="personal-data"))
