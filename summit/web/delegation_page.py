"""The focal point's page, reached through the delegation's secret link (no account).

Like the delegate's own pages (web/selfservice.py): the URL is the credential, so it is kept out of
other sites' logs (Referrer-Policy: no-referrer), of shared caches, and of our own logs
(plumbing/log_redaction.py masks the segment after /delegation/). An unknown link is a friendly 404,
a revoked one a friendly 410, never a 500.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..plumbing.errors import NotFound, ValidationFailed
from ..plumbing.extensions import csrf
from ..plumbing.i18n import lang
from ..plumbing.request_input import form_text_checked
from ..services.accreditation import delegations
from ..services.programme import agenda
from ..services.registration import delegates as registration
from ..services.registration.delegates import EmailTaken
from ..services.summits.current import current_summit
from ..services.visits.capacity import RouteFull, waitlist_position
from .forms import ConfirmForm, MemberForm, RouteChoiceForm, country_name, show_errors
from .registration import route_full_message, service_message
from .security_headers import keep_private

delegation_page_bp = Blueprint("delegation_page", __name__, url_prefix="/delegation")


keep_private(delegation_page_bp)


class _Unavailable(Exception):
    def __init__(self, status: int):
        self.status = status


@delegation_page_bp.errorhandler(_Unavailable)
def _unavailable(exc: _Unavailable):
    return render_template("delegation/unavailable.html", summit=current_summit(), status=exc.status), exc.status


def _delegation(secret: str):
    try:
        return delegations.delegation_for_token(secret)
    except delegations.DelegationRevoked:
        raise _Unavailable(410) from None
    except NotFound:
        raise _Unavailable(404) from None


def _member(delegation, member_id: int):
    try:
        return delegations.member(delegation, member_id)
    except NotFound:
        raise _Unavailable(404) from None


def _full_message() -> str:
    return _("Every place of your delegation is taken. Withdraw a member to free a place, or ask the "
             "organisers for more places.")


def _render_home(secret, delegation, form=None, status=200, notice=None):
    summit = current_summit()
    if form is None:
        form = MemberForm()
        form.language.data = form.language.data or lang()
        form.country.data = form.country.data or delegation.country
    form.fill_choices()
    people = delegations.members(delegation)
    positions = {m.id: waitlist_position(m.booking) for m in people if m.booking is not None}
    return render_template(
        "delegation/home.html", summit=summit, delegation=delegation, secret=secret, members=people,
        positions=positions, form=form, routes=agenda.routes_with_availability(summit),
        country=country_name(delegation.country), confirm_form=ConfirmForm(), notice=notice), status


@delegation_page_bp.get("/<secret>")
def home(secret: str):
    return _render_home(secret, _delegation(secret))


@delegation_page_bp.post("/<secret>/members")
@form_text_checked
@csrf.exempt  # checked by the form, so an expired page re-renders with what was typed
def add_member(secret: str):
    delegation = _delegation(secret)
    form = MemberForm()
    form.fill_choices()
    if not form.validate_on_submit():
        form.form_errors.append(_("The form had expired. Please check the details and send it again."))
        return _render_home(secret, delegation, form, 400)
    try:
        result = delegations.add_member(delegation, {**form.delegate_data(), **form.route_data()})
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _render_home(secret, delegation, form, 422)
    except (EmailTaken, RouteFull) as exc:
        show_errors(form, {"email" if isinstance(exc, EmailTaken) else "route": [service_message(exc)]})
        return _render_home(secret, delegation, form, 409)
    except delegations.DelegationFull:
        form.form_errors.append(_full_message())
        return _render_home(secret, delegation, form, 409)
    except delegations.DelegationRevoked:
        raise _Unavailable(410) from None
    flash(_("%(name)s is added to your delegation. We have emailed them their own link.",
            name=result.delegate.display_name), "success")
    return redirect(url_for("delegation_page.home", secret=secret, _anchor="members"))


@delegation_page_bp.route("/<secret>/members/<int:member_id>", methods=["GET", "POST"])
@form_text_checked
@csrf.exempt
def edit_member(secret: str, member_id: int):
    """A member's details, and their route on the same page (posted to member_route)."""
    delegation = _delegation(secret)
    person = _member(delegation, member_id)
    form = MemberForm(obj=person if request.method == "GET" else None)
    form.fill_choices()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                delegations.update_member(delegation, member_id, form.delegate_data())
            except ValidationFailed as exc:
                show_errors(form, exc.errors)
                status = 422
            except EmailTaken as exc:
                show_errors(form, {"email": [service_message(exc)]})
                status = 409
            except NotFound:
                raise _Unavailable(404) from None
            else:
                flash(_("The details of %(name)s are saved.", name=person.display_name), "success")
                return redirect(url_for("delegation_page.home", secret=secret, _anchor="members"))
        else:
            form.form_errors.append(_("The page had expired. Please check the details and save again."))
            status = 400
    return _render_member(secret, delegation, person, form, None, status)


def _render_member(secret, delegation, person, form, route_form, status):
    summit = current_summit()
    if form is None:
        form = MemberForm(obj=person)
        form.fill_choices()
    if route_form is None:
        route_form = RouteChoiceForm()
        route_form.route.data = str(person.booking.route_id) if person.booking else ""
    booking = person.booking
    return render_template(
        "delegation/member.html", summit=summit, delegation=delegation, secret=secret, member=person, form=form,
        route_form=route_form, booking=booking, position=waitlist_position(booking) if booking else None,
        routes=agenda.routes_with_availability(summit)), status


@delegation_page_bp.post("/<secret>/members/<int:member_id>/route")
@csrf.exempt
def member_route(secret: str, member_id: int):
    delegation = _delegation(secret)
    person = _member(delegation, member_id)
    route_form = RouteChoiceForm()
    if not route_form.validate_on_submit():
        route_form.form_errors.append(_("The page had expired. Please make the choice again."))
        return _render_member(secret, delegation, person, None, route_form, 400)
    try:
        change = delegations.choose_member_route(delegation, member_id, route_form.route_data())
    except (ValidationFailed, RouteFull) as exc:
        show_errors(route_form, {"route": [route_full_message(route_form)]} if isinstance(exc, RouteFull) else exc.errors)
        return _render_member(secret, delegation, _member(delegation, member_id), None, route_form,
                              409 if isinstance(exc, RouteFull) else 422)
    except NotFound:
        raise _Unavailable(404) from None
    if change.booking is None:
        flash(_("%(name)s is no longer on a technical-visit route.", name=person.display_name), "success")
    elif change.booking.status == "confirmed":
        flash(_("The place of %(name)s on %(route)s is confirmed.", name=person.display_name,
                route=change.booking.route.code), "success")
    else:
        flash(_("%(name)s is on the waiting list for %(route)s, and will move up automatically.",
                name=person.display_name, route=change.booking.route.code), "warning")
    return redirect(url_for("delegation_page.home", secret=secret, _anchor="members"))


@delegation_page_bp.route("/<secret>/members/<int:member_id>/withdraw", methods=["GET", "POST"])
@csrf.exempt
def withdraw_member(secret: str, member_id: int):
    delegation = _delegation(secret)
    person = _member(delegation, member_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            delegations.withdraw_member(delegation, member_id)
        except NotFound:
            raise _Unavailable(404) from None
        flash(_("%(name)s is withdrawn from your delegation; their place is free.", name=person.display_name),
              "success")
        return redirect(url_for("delegation_page.home", secret=secret, _anchor="members"))
    status = 400 if request.method == "POST" else 200
    return render_template("delegation/withdraw.html", summit=current_summit(), delegation=delegation,
                           secret=secret, member=person, form=form), status


@delegation_page_bp.post("/<secret>/members/<int:member_id>/link")
@csrf.exempt
def resend_link(secret: str, member_id: int):
    delegation = _delegation(secret)
    person = _member(delegation, member_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render_home(secret, delegation, status=400, notice=_("The page had expired. Please try again."))
    try:
        delegations.resend_member_link(delegation, member_id)
    except NotFound:
        raise _Unavailable(404) from None
    flash(_("A new personal link is on its way to %(email)s.", email=person.email), "success")
    return redirect(url_for("delegation_page.home", secret=secret, _anchor="members"))


@delegation_page_bp.route("/<secret>/members/<int:member_id>/travel", methods=["GET", "POST"])
@form_text_checked
def member_travel(secret: str, member_id: int):
    """A member's flights and hotel room, completed by the focal point: the self-service travel page's form."""
    from .selfservice_travel import travel_form

    delegation = _delegation(secret)
    person = _member(delegation, member_id)
    back = url_for("delegation_page.edit_member", secret=secret, member_id=member_id)

    def lock():
        delegate = registration.lock_delegate(member_id)
        if delegate.delegation_id != delegation.id:  # moved out of the delegation meanwhile
            raise NotFound("no such member", code="unknown_member")
        return delegate

    try:
        return travel_form(current_summit(), person, lock,
                           action=url_for("delegation_page.member_travel", secret=secret, member_id=member_id),
                           back=back, done=lambda: redirect(back),
                           heading=_("Travel of %(name)s", name=person.display_name),
                           back_label=_("Back to %(name)s", name=person.display_name),
                           saved_message=_("The travel of %(name)s is saved.", name=person.display_name))
    except NotFound:
        raise _Unavailable(404) from None
