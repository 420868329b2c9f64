"""Public read-only API: the agenda and the routes."""
from __future__ import annotations

from flask import jsonify

from ..plumbing.i18n import lang
from ..services.programme import agenda
from ..services.summits.current import current_summit
from . import serialise
from .blueprint import api_bp


@api_bp.get("/agenda")
def get_agenda():
    summit = current_summit()
    return jsonify(items=[serialise.agenda_item(i, summit, lang()) for i in agenda.programme(summit)])


@api_bp.get("/routes")
def get_routes():
    summit = current_summit()
    return jsonify(routes=[serialise.route(r, summit) for r in agenda.routes_with_availability(summit)])
