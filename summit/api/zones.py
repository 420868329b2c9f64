"""Zones over JSON: the list, and a zone's roster for an offline scanner (audited: it holds personal data)."""
from __future__ import annotations

from flask import g, jsonify

from ..auth import api_requires
from ..plumbing.errors import NotFound
from ..services.badges.reissue import reissue_badge
from ..services.checkin.roster import zone_roster
from ..services.checkin.zones import UnknownZone, zones_of
from ..services.registration.admin import get_delegate
from ..services.summits.current import current_summit
from .blueprint import api_bp


@api_bp.get("/zones")
@api_requires("staff")
def get_zones():
    zones = zones_of(current_summit())
    return jsonify(zones=[{"code": z.code, "name": {"zh": z.name_zh, "en": z.name_en}} for z in zones])


@api_bp.get("/zones/<string:code>/roster")
@api_requires("staff")
def get_roster(code: str):
    try:
        body = zone_roster(current_summit(), code, g.api_user)
    except UnknownZone:
        raise NotFound("no such zone", code="unknown_zone") from None
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.post("/delegates/<int:delegate_id>/badge/reissue")
@api_requires("staff")
def post_reissue(delegate_id: int):
    delegate = get_delegate(current_summit(), delegate_id)
    return jsonify(badge_version=reissue_badge(delegate, g.api_user), delegate_id=delegate.id)
