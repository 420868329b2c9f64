"""The console part of the API: staff and organisers with an API token (see shared/api-contract.md)."""
from __future__ import annotations

from flask import g, jsonify

from ..auth import api_requires
from ..services import agenda, routes_admin
from ..services.delegate_mail import send_promotion_notice
from ..services.errors import ValidationFailed
from ..services.summits import current_summit
from . import api_bp, serialise
from .registrations import json_object


def _route_body(summit, route_id: int) -> dict:
    availability = next(a for a in agenda.routes_with_availability(summit) if a.route.id == route_id)
    return serialise.route(availability, summit)


@api_bp.patch("/routes/<int:route_id>")
@api_requires("organiser")
def patch_route(route_id: int):
    """{"capacity": N}: raising promotes from the waiting list; below confirmed is 409 capacity_below_confirmed."""
    summit = current_summit()
    route = routes_admin.get_route(summit, route_id)
    body = json_object()
    if "capacity" not in body:
        raise ValidationFailed({"capacity": ["required: a whole number from 0 to 100000"]}, "capacity is required")
    change = routes_admin.change_capacity(route, body["capacity"], g.api_user)
    for booking in change.promoted:
        send_promotion_notice(booking, summit.name_zh if booking.delegate.language == "zh" else summit.name_en)
    return jsonify(_route_body(summit, route_id))
