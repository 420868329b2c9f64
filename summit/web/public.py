"""Public pages: home, programme, routes."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ..plumbing.i18n import LOCALES, remember_language_choice
from ..services.programme import agenda
from ..services.summits.current import current_summit
from .redirects import safe_next

public_bp = Blueprint("public", __name__)


@public_bp.get("/")
def home():
    summit = current_summit()
    return render_template(
        "public/home.html", summit=summit,
        days=agenda.programme_by_day(summit), routes=agenda.routes_with_availability(summit),
    )


@public_bp.get("/agenda")
def agenda_page():
    summit = current_summit()
    return render_template("public/agenda.html", summit=summit, days=agenda.programme_by_day(summit))


@public_bp.get("/routes")
def routes_page():
    summit = current_summit()
    return render_template("public/routes.html", summit=summit, routes=agenda.routes_with_availability(summit))


@public_bp.get("/language/<code>")
def switch_language(code: str):
    """The language switch for clients without the ?lang= link (kept for bookmarks)."""
    response = redirect(safe_next(request.args.get("next"), url_for("public.home")))
    if code in LOCALES:
        remember_language_choice(response, code)
    return response
