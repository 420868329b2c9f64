"""Delegates: staff find anyone in seconds; organisers correct, move or cancel."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ...auth import console_requires
from ...models.labels import BookingStatus, DelegateCategory, DelegateStatus
from ...plumbing.i18n import pick
from ...plumbing.request_input import form_text_checked
from ...services.accreditation import levels as protocol_levels
from ...services.programme import agenda
from ...services.console import audit
from ...services.registration import admin as delegate_admin, search as delegate_search
from ...plumbing.errors import NotFound, ValidationFailed
from ...services.visits.capacity import RouteFull, waitlist_position
from ...services.registration.delegates import EmailTaken
from ...services.summits.current import current_summit
from ..forms import country_choices, country_name, show_errors
from .blueprint import console
from .common import acting_user, or_404, submitted
from .forms import DelegateForm, MoveForm, PlainForm

FILTER_ARGS = ("q", "category", "country", "route", "waiting", "checked_in", "badge", "status", "sort")


def _list_url(**changes) -> str:
    """This list's URL with some arguments changed (None drops one); the page resets unless given."""
    args = {name: request.args.get(name) for name in FILTER_ARGS if request.args.get(name)}
    if "page" not in changes:
        changes["page"] = None
    for name, value in changes.items():
        if value in (None, ""):
            args.pop(name, None)
        else:
            args[name] = value
    return url_for("console.delegates", **args)


@console.get("/delegates")
@console_requires("staff")
def delegates():
    summit = current_summit()
    status = 200
    try:
        filters = delegate_search.parse_filter(request.args)
        page, per_page = delegate_search.parse_paging(request.args)
        found = delegate_search.search(summit, filters, page, per_page)
    except ValidationFailed as exc:
        flash(_("Some search options were not understood (%(names)s); they have been reset.",
                names=", ".join(exc.errors)), "warning")
        filters, found, status = delegate_search.DelegateFilter(), None, 400
    if found is None:
        found = delegate_search.search(summit, filters)
    positions = {d.id: waitlist_position(d.booking) for d in found.items
                 if d.booking and d.booking.status == BookingStatus.WAITLISTED}
    return render_template(
        "console/delegates.html", summit=summit, filters=filters, found=found, positions=positions,
        routes=agenda.routes_with_availability(summit), categories=DelegateCategory.labels(),
        countries=country_choices()[1:],
        country_name=country_name, list_url=_list_url,
        levels={level.code: level for level in protocol_levels.levels(summit)},
        export_args={n: request.args[n] for n in FILTER_ARGS if request.args.get(n)}), status


def _render_detail(summit, delegate, move_form=None, status=200):
    if move_form is None:
        move_form = MoveForm()
        move_form.route.data = str(delegate.booking.route_id) if delegate.booking else ""
    routes = agenda.routes_with_availability(summit)
    move_form.route.choices = [("", _("No technical visit"))] + [(str(a.route.id), _route_choice(a)) for a in routes]
    booking = delegate.booking
    history = audit.entries(entity="delegate", entity_id=delegate.id, per_page=100).items \
        if acting_user().has_role("organiser") else []
    return render_template(
        "console/delegate.html", summit=summit, delegate=delegate, booking=booking,
        position=waitlist_position(booking) if booking else None, move_form=move_form,
        categories=DelegateCategory.labels(), country=country_name(delegate.country), history=history,
        plain_form=PlainForm()), status


def _route_choice(a) -> str:
    places = _("%(left)d left", left=a.remaining)
    if a.waitlisted:
        places += ", " + ngettext("%(num)d waiting", "%(num)d waiting", a.waitlisted)
    return f"{a.route.code} · {pick(a.route, 'name')} ({places})"


@console.get("/delegates/<int:delegate_id>")
@console_requires("staff")
def delegate_detail(delegate_id: int):
    summit = current_summit()
    return _render_detail(summit, or_404(delegate_admin.get_delegate, summit, delegate_id))


@console.route("/delegates/<int:delegate_id>/edit", methods=["GET", "POST"])
@form_text_checked
@console_requires("organiser")
def delegate_edit(delegate_id: int):
    summit = current_summit()
    delegate = or_404(delegate_admin.get_delegate, summit, delegate_id)
    form = DelegateForm(obj=delegate if request.method == "GET" else None)
    form.fill_choices()
    status = submitted(form)
    if status is None:
        try:
            delegate_admin.correct_details(delegate, form.delegate_data(), acting_user())
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 422
        except EmailTaken:
            show_errors(form, {"email": [_("Another registered delegate already uses this email.")]})
            status = 409
        else:
            flash(_("The delegate's details are saved."), "success")
            return redirect(url_for("console.delegate_detail", delegate_id=delegate_id))
    return render_template("console/delegate_edit.html", summit=summit, delegate=delegate, form=form), status


@console.post("/delegates/<int:delegate_id>/move")
@console_requires("organiser")
def delegate_move(delegate_id: int):
    summit = current_summit()
    delegate = or_404(delegate_admin.get_delegate, summit, delegate_id)
    form = MoveForm()
    status = submitted(form)
    if status is not None:
        return _render_detail(summit, delegate, form, status)
    data = form.route_data()
    try:
        change = delegate_admin.move(delegate, data["route_id"], data["join_waitlist"], acting_user())
    except RouteFull:
        form.route.errors = [_("That route is full. Tick the box to put the delegate on its waiting list, "
                               "or raise the route's capacity first.")]
        return _render_detail(summit, delegate, form, 409)
    except ValidationFailed as exc:
        form.route.errors = [message for messages in exc.errors.values() for message in messages]
        return _render_detail(summit, delegate, form, 422)
    except NotFound:
        flash(_("This registration is cancelled; its route cannot change."), "warning")
        return redirect(url_for("console.delegate_detail", delegate_id=delegate_id))
    if change.booking is None:
        flash(_("The delegate is on no route now."), "success")
    elif change.booking.status == BookingStatus.CONFIRMED:
        flash(_("The delegate's place on %(route)s is confirmed.", route=change.booking.route.code), "success")
    else:
        flash(_("The delegate is on the waiting list for %(route)s.", route=change.booking.route.code), "warning")
    return redirect(url_for("console.delegate_detail", delegate_id=delegate_id))


@console.route("/delegates/<int:delegate_id>/cancel", methods=["GET", "POST"])
@console_requires("organiser")
def delegate_cancel(delegate_id: int):
    summit = current_summit()
    delegate = or_404(delegate_admin.get_delegate, summit, delegate_id)
    form = PlainForm()
    if delegate.status != DelegateStatus.REGISTERED:
        flash(_("This registration is already cancelled."), "warning")
        return redirect(url_for("console.delegate_detail", delegate_id=delegate_id))
    if form.validate_on_submit():
        try:
            delegate_admin.cancel(delegate, acting_user())
        except NotFound:
            pass  # cancelled meanwhile by the delegate: the same outcome
        flash(_("The registration is cancelled; any visit place went to the next person waiting."), "success")
        return redirect(url_for("console.delegate_detail", delegate_id=delegate_id))
    return render_template("console/delegate_cancel.html", summit=summit, delegate=delegate, form=form)
