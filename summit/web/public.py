"""Public pages: home, programme, routes."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from wtforms import ValidationError

from ..plumbing.extensions import csrf
from ..plumbing.i18n import LOCALES, remember_language_choice
from ..services.privacy import notices
from ..services.programme import agenda
from ..services.summits.current import current_summit
from . import drafts
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


@public_bp.post("/language/<code>")
@csrf.exempt  # the token is checked below without the HTTPS Referer check: the manage pages send no Referer
def switch_language_keeping(code: str):
    """The language switch on a page with a form in progress (static/js/language-draft.js): the form's
    fields come along, are kept as the page's draft (summit/web/drafts.py), and the page comes back in
    the chosen language with them filled in.  Without a valid CSRF token the post is refused (400), like
    every form's: another site must not plant a draft."""
    back = safe_next(request.form.get("back"), url_for("public.home"))
    if code not in LOCALES:
        return redirect(back)
    parts = urlsplit(back)
    path = _page_showing(parts.path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"] + [("lang", code)]
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as refused:
        raise CSRFError(refused.args[0] if refused.args else None) from None
    try:
        drafts.keep(path, request.form)
    except drafts.DraftTooLarge:
        flash(_("The form was too long to carry over to the other language: please type it again."), "warning")
    response = redirect(urlunsplit(("", "", path, urlencode(query), "")))
    remember_language_choice(response, code)
    return response


def _page_showing(path: str) -> str:
    """The page to come back to: ``path``, or, when ``path`` only takes posts (a form sent back with its
    errors from /manage/<secret>/route), the page that form lives on (/manage/<secret>)."""
    adapter = current_app.url_map.bind("localhost")
    for _ in range(3):
        try:
            adapter.match(path, method="GET")
            return path
        except MethodNotAllowed:
            path = path.rstrip("/").rsplit("/", 1)[0] or "/"
        except HTTPException:
            return path
    return path


@public_bp.get("/privacy")
@public_bp.get("/privacy/<int(max=999999):version>")
def privacy(version: int | None = None):
    """The privacy notice in force (or an earlier version a consent names), in the page's language."""
    summit = current_summit()
    notice = notices.current_notice(summit) if version is None else notices.notice_version(summit, version)
    return render_template("public/privacy.html", summit=summit, notice=notice,
                           latest=notices.latest(summit.id), versions=notices.versions(summit.id))
