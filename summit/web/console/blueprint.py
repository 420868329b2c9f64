"""The console's blueprint, in a file of its own: the views import it, and the package imports the views."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...plumbing.extensions import login_manager
from ..security_headers import keep_private

console = Blueprint("console", __name__, url_prefix="/console")

login_manager.login_view = "console.login"
login_manager.login_message = _l("Please sign in to use the console.")
login_manager.login_message_category = "warning"


keep_private(console, referrer="same-origin")
