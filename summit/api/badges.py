"""GET and POST /api/v1/badges.pdf: badges as print-ready PDF, rendered inside the request.

A request renders at most BADGE_SYNC_LIMIT badges (default 50, a few seconds of
one worker); more is a 413 ``too_many_badges`` naming the limit, and pointing to
the desk's batch printing (queued, rendered in the background) or to smaller
requests.  POST takes the same selection as a JSON body, for id lists too long
for a URL.
"""
from __future__ import annotations

from flask import Response, g, request, url_for

from ..auth import api_requires
from ..services.badges import documents as badges
from ..services.badges.handout import hand_out
from ..services.badges.selection import Selection, json_ids, parse_ids, select_delegates
from ..plumbing.errors import ValidationFailed
from ..services.summits.current import current_summit
from .blueprint import api_bp
from .schemas import BadgeSelection
from .validation import read_body


@api_bp.get("/badges.pdf")
@api_requires("staff")
def get_badges_pdf():
    layout = badges.layout_named(request.args.get("layout"))
    # Malformed ids are 422 even beside all=1: a caller's mistake is said, not ignored.
    ids = parse_ids(request.args.getlist("ids")) if "ids" in request.args else None
    return _badges_pdf(layout, ids, request.args.get("all") in ("1", "true"))  # audited in _badges_pdf


@api_bp.post("/badges.pdf")
@api_requires("staff")
def post_badges_pdf():
    """The same as GET, from ``{"ids": [1, 2, 3], "layout": "a4-4up"}`` or ``{"all": true}``."""
    selection = read_body(BadgeSelection)
    layout = badges.layout_named(selection.layout)
    # ids: null is malformed too, so presence decides, not the value
    ids = json_ids(selection.ids) if "ids" in selection.model_fields_set else None
    return _badges_pdf(layout, ids, selection.all)


def _badges_pdf(layout, ids: list[int] | None, everyone: bool) -> Response:
    summit = current_summit()
    batch_url = url_for("desk.badge_list")
    if everyone:
        selection = Selection("all")
    elif ids is not None:
        # known before any row is read: a long list is refused without loading it
        badges.check_sync_limit(len(ids), batch_url=batch_url)
        # ids keep the order they were given in: the caller chose it
        selection = Selection("ids", ids=ids, sort="given")
    else:
        raise ValidationFailed({"ids": ["name the delegates (ids=1,2,3) or ask for all=1"]})
    delegates = select_delegates(summit, selection)
    if not delegates:
        raise ValidationFailed({"all": ["there are no registered delegates yet"]})
    badges.check_sync_limit(len(delegates), batch_url=batch_url)
    pdf = badges.render_badges(delegates, layout, summit)
    filters = {"all": True} if everyone else {"ids": [d.id for d in delegates]}
    pdf = hand_out(pdf, delegates, g.api_user, summit, filters={**filters, "layout": layout.name})
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="badges.pdf"',
                             "Cache-Control": "no-store"})
