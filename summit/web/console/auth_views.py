"""Signing in and out of the console."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from ...auth import console_requires
from ...plumbing.extensions import csrf, limiter
from ...services.console import accounts
from ...services.summits.current import current_summit
from ..redirects import safe_next
from .blueprint import console
from .forms import LoginForm, PlainForm


def login_limit() -> str:
    # Per address, whatever the account, on top of the per-account-and-address throttle
    # in accounts.authenticate: one address trying many accounts is slowed down too.
    return current_app.config["LOGIN_RATE_LIMIT"]


def _landing(user) -> str:
    """Where a person lands after signing in: organisers on the dashboard, staff at the desk
    (their day is badges and the door), when the desk is installed."""
    if not user.has_role("organiser") and "desk.index" in current_app.view_functions:
        return url_for("desk.index")
    return url_for("console.home")


def _safe_next(target: str | None, user=None) -> str:
    """Only a path on this site (the one rule: summit.web.redirects), else the person's landing page."""
    return safe_next(target, _landing(user if user is not None else current_user))


@console.route("/login", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so a stale page says so instead of failing blank
@limiter.limit(login_limit, methods=["POST"])
def login():
    """The one console page open to visitors."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data or "", form.password.data or "", request.remote_addr)
        except accounts.LoginThrottled as exc:
            seconds = int(exc.details["retry_after"])
            minutes = max(1, -(-seconds // 60))
            form.form_errors.append(ngettext(
                "Too many sign-in attempts. Please try again in %(num)d minute.",
                "Too many sign-in attempts. Please try again in %(num)d minutes.", minutes))
            status, headers = 429, {"Retry-After": str(seconds)}
        except accounts.BadCredentials:
            # The same words for an unknown email, a disabled account and a wrong password.
            form.form_errors.append(_("Wrong email or password."))
            status = 401
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next"), user))
    elif request.method == "POST":
        form.form_errors.append(_("The page had expired. Please sign in again."))
        status = 400
    return render_template("console/login.html", form=form, summit=_summit_or_none()), status, headers


def _summit_or_none():
    from ...plumbing.errors import NotFound

    try:
        return current_summit()
    except NotFound:
        return None


@console.post("/logout")
@console_requires("staff")
def logout():
    form = PlainForm()
    if form.validate_on_submit():
        # Everywhere, not only here: a copy of this session's cookie must not stay signed in.
        accounts.end_sessions(current_user.id)
        logout_user()
        flash(_("You have signed out."), "success")
        return redirect(url_for("console.login"))
    return redirect(url_for("console.home"))
