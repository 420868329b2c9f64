"""Who may come, over JSON: the summit's mode and levels, decisions, a delegate's level and title."""
from __future__ import annotations

from flask import g, jsonify

from ..auth import api_requires
from ..services.accreditation import decisions, levels, modes
from ..services.registration.admin import get_delegate
from ..services.summits.current import current_summit
from . import serialise
from .blueprint import api_bp
from .schemas import AccreditationDecision, BulkDecision, DelegateProtocolChange, RegistrationModeChange
from .validation import read_body


def _summit_body(summit):
    return jsonify(serialise.summit_info(summit, levels.levels(summit)))


@api_bp.get("/summit")
def get_summit():
    return _summit_body(current_summit())


@api_bp.patch("/summit")
@api_requires("organiser")
def patch_summit():
    """{"registration_mode": "open" | "approval" | "invitation"} (audited)."""
    change = read_body(RegistrationModeChange)
    summit = modes.set_mode(current_summit(), change.registration_mode, g.api_user)
    return _summit_body(summit)


@api_bp.post("/delegates/<int:delegate_id>/accreditation")
@api_requires("organiser")
def post_accreditation(delegate_id: int):
    """{"decision": "approve" | "reject", "reason"?}: a rejection frees the place for the first in line."""
    body = read_body(AccreditationDecision).model_dump(exclude_unset=True)
    summit = current_summit()
    decision = decisions.decide(summit, delegate_id, body, g.api_user)  # its mails are in the outbox
    return jsonify(serialise.delegate(decision.delegate, summit))


@api_bp.post("/accreditation/decisions")
@api_requires("organiser")
def post_decisions():
    """{"ids": [...], "decision", "reason"?}: one decision on many delegates, all or none (a rejection needs a reason)."""
    body = read_body(BulkDecision).model_dump(exclude_unset=True)
    summit = current_summit()
    decided = decisions.decide_many(summit, body.pop("ids"), body, g.api_user)  # its mails are outbox rows
    return jsonify({"decision": body["decision"], "decided": len(decided),
                    "changed": sum(d.previous != d.delegate.accreditation for d in decided),
                    "delegates": [{"id": d.delegate.id, "accreditation": d.delegate.accreditation,
                                   "previous": d.previous} for d in decided]})


@api_bp.patch("/delegates/<int:delegate_id>")
@api_requires("organiser")
def patch_delegate(delegate_id: int):
    """{"protocol_level"?, "title"?, "name_order"?}: an unknown level or order is 422."""
    body = read_body(DelegateProtocolChange).model_dump(exclude_unset=True)
    summit = current_summit()
    delegate = levels.set_protocol(get_delegate(summit, delegate_id), body, g.api_user)
    return jsonify(serialise.delegate(delegate, summit))
