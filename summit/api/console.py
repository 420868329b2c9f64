"""The console part of the API: staff and organisers with an API token (see shared/api-contract.md)."""
from __future__ import annotations

from flask import g, jsonify, request

from ..auth import api_requires
from ..services.console import audit
from ..services.programme import agenda
from ..services.registration import search as delegate_search
from ..services.visits import admin as routes_admin
from ..services.summits.current import current_summit
from . import serialise
from .blueprint import api_bp
from .schemas import CapacityChange
from .validation import read_body


def _route_body(summit, route_id: int) -> dict:
    availability = next(a for a in agenda.routes_with_availability(summit) if a.route.id == route_id)
    return serialise.route(availability, summit)


@api_bp.patch("/routes/<int:route_id>")
@api_requires("organiser")
def patch_route(route_id: int):
    """{"capacity": N}: raising promotes from the waiting list; below confirmed is 409 capacity_below_confirmed."""
    summit = current_summit()
    route = routes_admin.get_route(summit, route_id)
    change = read_body(CapacityChange)
    routes_admin.change_capacity(route, change.capacity, g.api_user)
    return jsonify(_route_body(summit, route_id))


@api_bp.get("/delegates")
@api_requires("staff")
def list_delegates():
    """?q= matches names in any script, email or organisation; paged by page/per_page (≤ 500)."""
    summit = current_summit()
    filters = delegate_search.parse_filter(request.args)
    page, per_page = delegate_search.parse_paging(request.args)
    found = delegate_search.search(summit, filters, page, per_page)
    # each page read is a download of these delegates' data (the contract's audit)
    audit.record_download(g.api_user, "delegates", count=len(found.items),
                          filters={**delegate_search.asked(filters), "page": page, "per_page": per_page})
    response = jsonify(delegates=[serialise.delegate(d, summit) for d in found.items],
                       page=found.page, per_page=found.per_page, total=found.total)
    response.headers["Cache-Control"] = "no-store"
    return response
