"""Travel over JSON: the airport pick-up list of a summit day (staff)."""
from __future__ import annotations

from flask import g, jsonify, request

from ..auth import api_requires
from ..plumbing.extensions import db
from ..services.console.audit import record_download
from ..services.summits.current import current_summit
from ..services.travel import pickups
from .blueprint import api_bp


@api_bp.get("/arrivals")
@api_requires("staff")
def get_arrivals():
    """{"arrivals": [{"delegate_id", "name", "flight", "airport", "at"}]} in time order; the download is audited
    (names and flights are personal data)."""
    summit = current_summit()
    day = pickups.parse_day(request.args.get("date"))
    rows = pickups.arrivals(summit, day)
    record_download(g.api_user, "arrivals.json", filters={"date": day.isoformat()}, count=len(rows))
    db.session.commit()
    response = jsonify(arrivals=rows)
    response.headers["Cache-Control"] = "no-store"
    return response
