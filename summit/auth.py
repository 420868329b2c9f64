"""Who is asking, and may they: console sessions (Flask-Login) and API bearer tokens.

Every console page and console API call names the role it needs with one of the
two decorators below; nothing else decides access.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask_login import current_user, login_required

from .plumbing.extensions import db, login_manager
from .models import ConsoleUser
from .models.labels import Role
from .models.types import ID_MAX
from .services.console.accounts import user_for_token


@login_manager.user_loader
def load_user(identity: str) -> ConsoleUser | None:
    """The account a session cookie names, while that session is still valid.

    The identity is "<id>:<session version>" (ConsoleUser.get_id).  Signing out, a new password
    and disabling the account raise the version, so every cookie issued before, copies included,
    is refused here; a disabled account is refused outright.  So is an identity without a version.
    """
    user_id, _, version = (identity or "").partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()) \
            or len(identity) > 40 or not 1 <= int(user_id) <= ID_MAX:
        return None
    user = db.session.get(ConsoleUser, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def api_requires(role: str):
    """API views: 401 without a valid token, 403 when the account's role is too low."""
    role = Role(role)  # a misspelt role fails when the view is defined, not when it is called

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = user_for_token(bearer_token())
            if user is None:
                abort(401, "a valid API token is required (Authorization: Bearer …)")
            if not user.has_role(role):
                abort(403, f"this call needs the {role} role")
            g.api_user = user
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorate


def console_requires(role: str):
    """Console pages: the login page for visitors, 403 for a role too low."""
    role = Role(role)  # a misspelt role fails when the view is defined, not when it is called

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorate
