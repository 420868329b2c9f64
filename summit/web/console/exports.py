"""Downloads: delegates as CSV or Excel (organisers), route manifests for the bus captains (staff)."""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...auth import console_requires
from ...services.programme import agenda
from ...services.registration import search as delegate_search
from ...services.console import exports
from ...services.visits import admin as routes_admin
from ...plumbing.errors import ValidationFailed
from ...services.summits.current import current_summit
from ...models import utcnow
from .blueprint import console
from .common import or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the whole header: given as a mimetype, werkzeug would append "; charset=utf-8" a second time
CSV = "text/csv; charset=utf-8"


def _download(body: bytes, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@console.get("/exports")
@console_requires("organiser")
def exports_page():
    summit = current_summit()
    return render_template("console/exports.html", summit=summit, routes=agenda.routes_with_availability(summit))


@console.get("/exports/delegates.csv", defaults={"format": "csv"})
@console.get("/exports/delegates.xlsx", defaults={"format": "xlsx"})
@console_requires("organiser")
def export_delegates(format: str):
    """Every delegate matching the list's filters (all registered ones without any)."""
    summit = current_summit()
    try:
        filters = delegate_search.parse_filter(request.args)
    except ValidationFailed:
        flash(_("Some search options were not understood; nothing was exported."), "warning")
        return redirect(url_for("console.delegates"))
    stamp = utcnow().astimezone(summit.zone).strftime("%Y%m%d-%H%M")
    if format == "xlsx":
        return _download(exports.delegates_xlsx(summit, filters, current_user), XLSX,
                         f"{summit.slug}-delegates-{stamp}.xlsx")
    return _download(exports.delegates_csv(summit, filters, current_user), CSV,
                     f"{summit.slug}-delegates-{stamp}.csv")


@console.get("/routes/<int:route_id>/manifest")
@console_requires("staff")
def route_manifest(route_id: int):
    summit = current_summit()
    route = or_404(routes_admin.get_route, summit, route_id)
    m = exports.manifest(route)
    stamp = exports.record_manifest(m, current_user)
    response = current_app.make_response(render_template("console/manifest.html", summit=summit, m=m,
                                                          printed_at=stamp.at, stamp=stamp))
    response.headers["Cache-Control"] = "no-store"  # personal data: not kept in the browser's cache
    return response


@console.get("/routes/<int:route_id>/manifest.csv")
@console_requires("staff")
def route_manifest_csv(route_id: int):
    summit = current_summit()
    route = or_404(routes_admin.get_route, summit, route_id)
    return _download(exports.manifest_csv(exports.manifest(route), current_user), CSV,
                     f"{summit.slug}-{route.code}-manifest.csv")
