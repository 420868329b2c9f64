"""The console's blueprint, in a file of its own: the views import it, and the package imports the views."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...plumbing.extensions import login_manager

console = Blueprint("console", __name__, url_prefix="/console")

login_manager.login_view = "console.login"
login_manager.login_message = _l("Please sign in to use the console.")
login_manager.login_message_category = "warning"


@console.after_request
def _private(response):
    # Console pages show delegates' personal data: never cached, never indexed.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
