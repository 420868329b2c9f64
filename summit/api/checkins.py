"""Event day over JSON: a scanner checks a badge in at a zone (POST /api/v1/checkins), an offline scanner
sends what it queued (POST /api/v1/checkins/sync), a supervisor undoes an entry made in error."""
from __future__ import annotations

from flask import g, jsonify

from ..auth import api_requires
from ..models.zones import DEVICE_MAX
from ..plumbing.error_pages import error_response
from ..plumbing.errors import ValidationFailed
from ..plumbing.request_input import json_object
from ..services.checkin.arrivals import AlreadyCheckedIn, BadgeRevoked, NotAdmitted, check_in
from ..services.checkin.sync import INVALID_SCAN, MAX_SCANS, sync_scans
from ..services.checkin.undo import undo_check_in
from ..services.summits.current import current_summit
from . import serialise
from .blueprint import api_bp
from .schemas import CheckinInput, UndoInput
from .validation import read_body


def _zone_body(zone) -> dict:
    return {"code": zone.code, "name": {"zh": zone.name_zh, "en": zone.name_en}}


@api_bp.post("/checkins")
@api_requires("staff")
def post_checkin():
    body = read_body(CheckinInput)
    if body.device is not None and len(body.device) > DEVICE_MAX:
        raise ValidationFailed({"device": [f"at most {DEVICE_MAX} characters"]})
    summit = current_summit()
    try:
        admission = check_in(body.code, g.api_user, zone=body.zone or "venue", device=body.device or "api",
                             summit=summit)
    except AlreadyCheckedIn as exc:
        return error_response(
            409, exc.code, str(exc),
            checked_in_at=serialise.iso(exc.checked_in_at, summit),
            checked_in_by=exc.checked_in_by.email if exc.checked_in_by else None,
            zone=exc.zone.code if exc.zone else None,
            delegate=serialise.delegate(exc.delegate, summit))
    except BadgeRevoked as exc:
        return error_response(409, exc.code, str(exc), reissued_at=serialise.iso(exc.reissued_at, summit),
                              delegate_id=exc.delegate.id)
    except NotAdmitted as exc:
        return error_response(403, exc.code, str(exc), zone=exc.zone.code, delegate_id=exc.delegate.id)
    return jsonify(delegate=serialise.delegate(admission.delegate, summit),
                   checked_in_at=serialise.iso(admission.checked_in_at, summit),
                   zone=admission.zone.code, entry_id=admission.entry.id)


@api_bp.post("/checkins/sync")
@api_requires("staff")
def post_checkins_sync():
    """{"scans": [{"id", "code", "zone", "scanned_at"}]}: one result per scan, in order; each validated alone."""
    body = json_object()
    scans = body.get("scans")
    if not isinstance(scans, list):
        raise ValidationFailed({"scans": ["a list of scans {id, code, zone, scanned_at} is required"]})
    if len(scans) > MAX_SCANS:
        return error_response(413, "too_many_scans", f"at most {MAX_SCANS} scans a call: send the rest after",
                              limit=MAX_SCANS)
    device = body.get("device", "")
    if not isinstance(device, str) or len(device) > DEVICE_MAX:
        raise ValidationFailed({"device": [f"text (the door or scanner's name), at most {DEVICE_MAX} characters"]})
    summit = current_summit()
    results = []
    for result in sync_scans(summit, scans, g.api_user, device=device):
        item = {"id": result.id, "outcome": result.outcome,
                "checked_in_at": serialise.iso(result.checked_in_at, summit)}
        if result.outcome == INVALID_SCAN:
            item["error"] = result.error
        results.append(item)
    return jsonify(results=results)


@api_bp.post("/zone-entries/<int:entry_id>/undo")
@api_requires("organiser")
def post_undo(entry_id: int):
    """{"reason"}: the entry goes (the delegate may enter again); audited."""
    body = read_body(UndoInput)
    undo_check_in(entry_id, g.api_user, body.reason, summit=current_summit())
    return jsonify(undone=entry_id)
