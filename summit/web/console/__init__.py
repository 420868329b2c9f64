"""The console for organisers and staff, behind login.

Every view here names the role it needs with ``auth.console_requires`` (the one
place access is decided); the only exception is the login page itself.
tests/test_console_access.py walks the URL map and proves it.
"""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...extensions import login_manager

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


# Views register on import.
from . import audit, auth_views, dashboard, delegates, exports, programme, routes, tokens  # noqa: E402,F401
