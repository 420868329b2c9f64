"""The audit log: who changed what, and when (organisers)."""
from __future__ import annotations

from flask import render_template, request, url_for

from ...auth import console_requires
from ...services.console import audit
from ...services.summits.current import current_summit
from .blueprint import console
from .common import int_arg


def entity_url(entry) -> str | None:
    if entry.entity_id is None:
        return None
    if entry.entity == "programme_item":
        return url_for("console.programme_edit", item_id=entry.entity_id)
    if entry.entity == "visit_route":
        return url_for("console.route_edit", route_id=entry.entity_id)
    if entry.entity == "delegation":
        return url_for("console.delegation_detail", delegation_id=entry.entity_id)
    if entry.entity == "delegate":
        return url_for("console.delegate_detail", delegate_id=entry.entity_id)
    return None


@console.get("/audit")
@console_requires("organiser")
def audit_log():
    entity = request.args.get("entity") if request.args.get("entity") in audit.ENTITIES else None
    page = audit.entries(entity=entity, page=int_arg("page", 1), per_page=50)
    return render_template("console/audit.html", summit=current_summit(), page=page, entity=entity,
                           entities=audit.ENTITIES, entity_url=entity_url)
