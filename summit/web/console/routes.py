"""The technical-visit routes: everyone sees the fill; organisers edit."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ...auth import console_requires
from ...plumbing.request_input import form_text_checked
from ...services.programme import agenda
from ...services.visits import admin as routes_admin
from ...services.console.input import summit_time
from ...plumbing.errors import ValidationFailed
from ...services.visits.capacity import CapacityBelowConfirmed
from ...services.summits.current import current_summit
from ..forms import show_errors
from .blueprint import console
from .common import acting_user, local_input, or_404, submitted
from .forms import RouteForm, stops_to_text


@console.get("/routes")
@console_requires("staff")
def routes():
    summit = current_summit()
    return render_template("console/routes.html", summit=summit, routes=agenda.routes_with_availability(summit))


@console.route("/routes/<int:route_id>/edit", methods=["GET", "POST"])
@form_text_checked
@console_requires("organiser")
def route_edit(route_id: int):
    summit = current_summit()
    route = or_404(routes_admin.get_route, summit, route_id)
    form = RouteForm(obj=route if request.method == "GET" else None)
    if request.method == "GET":
        form.stops.data = stops_to_text(route.stops)
        form.departs_at.data = local_input(route.departs_at, summit)
        form.returns_at.data = local_input(route.returns_at, summit)
    status = submitted(form)
    if status is None:
        data = form.route_data()
        data["departs_at"] = summit_time(summit, data["departs_at"])
        data["returns_at"] = summit_time(summit, data["returns_at"])
        try:
            change = routes_admin.update_route(route, data, acting_user())
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 422
        except CapacityBelowConfirmed as exc:
            show_errors(form, {"capacity": [_(
                "%(confirmed)d delegates already hold a place on this route, so the capacity cannot go below "
                "%(confirmed)d. Move or cancel some of them first (from their pages under Delegates).",
                confirmed=exc.details["confirmed"])]})
            status = 409
        else:
            if change.promoted:
                flash(ngettext("Saved. %(num)d delegate moved up from the waiting list and has been told.",
                               "Saved. %(num)d delegates moved up from the waiting list and have been told.",
                               len(change.promoted)), "success")
            else:
                flash(_("Saved.") if change.changes else _("Nothing was changed."), "success")
            return redirect(url_for("console.routes") + f"#route-{route.id}")
    waiting = next(a.waitlisted for a in agenda.routes_with_availability(summit) if a.route.id == route.id)
    return render_template("console/route_form.html", summit=summit, form=form, route=route,
                           waiting=waiting), status
