"""POST /api/v1/checkins: a scanner at the door checks a badge in."""
from __future__ import annotations

from flask import g, jsonify

from ..auth import api_requires
from ..plumbing.error_pages import error_response
from ..services.checkin.arrivals import AlreadyCheckedIn, check_in
from ..services.summits.current import current_summit
from . import serialise
from .blueprint import api_bp
from .schemas import CheckinInput
from .validation import read_body


@api_bp.post("/checkins")
@api_requires("staff")
def post_checkin():
    code = read_body(CheckinInput).code
    summit = current_summit()
    try:
        delegate = check_in(code, g.api_user)
    except AlreadyCheckedIn as exc:
        return error_response(
            409, exc.code, str(exc),
            checked_in_at=serialise.iso(exc.checked_in_at, summit),
            checked_in_by=exc.checked_in_by.email if exc.checked_in_by else None,
            delegate=serialise.delegate(exc.delegate, summit))
    return jsonify(delegate=serialise.delegate(delegate, summit),
                   checked_in_at=serialise.iso(delegate.checked_in_at, summit))
