"""Small helpers the console views share."""
from __future__ import annotations

from datetime import datetime

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from ...plumbing.errors import NotFound


def acting_user():
    """The signed-in account, as a plain model row for the services."""
    return current_user._get_current_object()


def local_input(moment: datetime | None, summit) -> datetime | None:
    """A stored moment as the naive Beijing wall-clock time a datetime-local input shows."""
    return moment.astimezone(summit.zone).replace(tzinfo=None) if moment else None


def or_404(fetch, *args):
    try:
        return fetch(*args)
    except NotFound:
        abort(404)


def int_arg(name: str, default: int, *, low: int = 1, high: int = 10_000_000) -> int:
    raw = request.args.get(name, "")
    return min(max(int(raw), low), high) if raw.isascii() and raw.isdigit() else default




def submitted(form) -> int | None:
    """None when a posted form is ready for the service; else the status to show the form again with."""
    if request.method != "POST":
        return 200
    if form.validate_on_submit():
        return None
    if "csrf_token" in form.errors:
        form.form_errors.append(_("The page had expired. Please check and save again."))
        return 400
    return 422
