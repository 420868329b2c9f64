"""GET /api/v1/badges.pdf: badges as print-ready PDF."""
from __future__ import annotations

from flask import Response, request

from ..auth import api_requires
from ..services import badges
from ..services.badge_selection import Selection, parse_ids, select_delegates
from ..services.errors import ValidationFailed
from ..services.summits import current_summit
from . import api_bp


@api_bp.get("/badges.pdf")
@api_requires("staff")
def get_badges_pdf():
    layout = badges.layout_named(request.args.get("layout"))
    summit = current_summit()
    # Malformed ids are 422 even beside all=1: a caller's mistake is said, not ignored.
    ids = parse_ids(request.args.getlist("ids")) if "ids" in request.args else None
    if request.args.get("all") in ("1", "true"):
        selection = Selection("all")
    elif ids is not None:
        # ids keep the order they were given in: the caller chose it
        selection = Selection("ids", ids=ids, sort="given")
    else:
        raise ValidationFailed({"ids": ["name the delegates (ids=1,2,3) or ask for all=1"]})
    delegates = select_delegates(summit, selection)
    if not delegates:
        raise ValidationFailed({"all": ["there are no registered delegates yet"]})
    pdf = badges.render_badges(delegates, layout, summit)
    badges.record_printed(d.id for d in delegates)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="badges.pdf"',
                             "Cache-Control": "no-store"})
