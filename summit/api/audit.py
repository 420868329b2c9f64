"""GET /api/v1/audit: the audit log, downloads of personal data included (organisers)."""
from __future__ import annotations

from flask import jsonify, request

from ..auth import api_requires
from ..plumbing import text_input
from ..plumbing.errors import ValidationFailed
from ..services.console import audit
from ..services.registration import search as delegate_search
from ..services.summits.current import current_summit
from .blueprint import api_bp

ACTION_MAX = 60


def _entry(entry, summit_zone) -> dict:
    body = {"at": entry.at.astimezone(summit_zone).isoformat(), "actor": audit.actor(entry),
            "action": entry.action, "detail": audit.detail(entry)}
    if audit.is_download(entry):
        body.update(what=audit.download_what(entry), delegate_id=audit.download_delegate_id(entry),
                    filters=audit.download_filters(entry), count=audit.download_count(entry))
    else:
        body["what"] = entry.entity
    return body


@api_bp.get("/audit")
@api_requires("organiser")
def get_audit():
    """Newest first, paged as the delegate list is; ``action`` and ``kind`` narrow it."""
    page, per_page = delegate_search.parse_paging(request.args)
    errors = {}
    action, why = text_input.clean(request.args.get("action"), limit=ACTION_MAX)
    if why is not None:
        errors["action"] = [why]
    kind = request.args.get("kind") or None
    if kind is not None and kind not in audit.KINDS:
        errors["kind"] = [f"one of {', '.join(audit.KINDS)}"]
    if errors:
        raise ValidationFailed(errors, "bad filter")
    found = audit.entries(kind=kind, action=(action or "").strip() or None, page=page, per_page=per_page)
    zone = current_summit().zone
    response = jsonify(entries=[_entry(e, zone) for e in found.items], page=found.page, per_page=found.per_page,
                       total=found.total)
    response.headers["Cache-Control"] = "no-store"
    return response
