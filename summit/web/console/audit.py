"""The audit log: who changed what, who downloaded whose data, and when (organisers)."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l

from ...auth import console_requires
from ...services.console import audit
from ...services.summits.current import current_summit
from .blueprint import console
from .common import int_arg

#: the downloads by name, for people (the API keeps the names); one not here shows as its name
DOWNLOADS = {
    "delegates.csv": _l("Delegate list (CSV)"),
    "delegates.xlsx": _l("Delegate list (Excel)"),
    "delegates": _l("Delegate list (API, one page)"),
    "manifest": _l("Route manifest (printed)"),
    "manifest.csv": _l("Route manifest (CSV)"),
    "badges.pdf": _l("Badges (PDF)"),
    "badge.pdf": _l("One badge (PDF)"),
    "roster": _l("Door roster"),
    "data_copy": _l("A delegate's copy of their data"),
    "visa_letter.pdf": _l("Visa invitation letter"),
}


def download_label(entry) -> str:
    what = audit.download_what(entry)
    return str(DOWNLOADS.get(what, what))


def entity_url(entry) -> str | None:
    if audit.is_download(entry):
        delegate_id = audit.download_delegate_id(entry)
        return url_for("console.delegate_detail", delegate_id=delegate_id) if delegate_id else None
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
    kind = request.args.get("kind") if request.args.get("kind") in audit.KINDS else None
    entity = request.args.get("entity") if request.args.get("entity") in audit.ENTITIES else None
    if kind == "downloads":
        entity = None  # a download names what was downloaded, not one of the kinds of thing changed
    page = audit.entries(entity=entity, kind=kind, page=int_arg("page", 1), per_page=50)
    return render_template("console/audit.html", summit=current_summit(), page=page, entity=entity, kind=kind,
                           entities=audit.ENTITIES, entity_url=entity_url, audit=audit,
                           download_label=download_label)
