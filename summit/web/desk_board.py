"""The live zone board for supervisors: who is in each zone today, the last scans, and what needs a look.

/desk/board is the page (a plain reload link, and a refresh without JavaScript); board.js polls
/desk/board.json every few seconds and swaps in the panels the server rendered (escaped here, once).
"""
from __future__ import annotations

from datetime import datetime

from flask import jsonify, render_template
from sqlalchemy import select

from ..auth import console_requires
from ..models import Delegate, utcnow
from ..plumbing.extensions import db
from ..plumbing.i18n import pick
from ..services.checkin import history
from ..services.summits.current import current_summit
from .desk import desk_bp
from .desk_people import People, today

#: seconds between two polls of the board's JSON (the page without JavaScript reloads less often)
POLL_SECONDS = 5
RELOAD_SECONDS = 30
#: the last scans and alerts shown
SCANS_SHOWN = 20
ALERTS_SHOWN = 10

#: outcome → (the icon beside its word, the colour family); never colour alone
OUTCOME_LOOK = {
    "checked_in": ("✓", "ok"),
    "already_checked_in": ("!", "amber"),
    "not_admitted": ("✗", "bad"),
    "not_accredited": ("⚠", "amber"),
    "badge_revoked": ("⚠", "amber"),
    "unknown_code": ("✗", "bad"),
    "invalid_scanned_at": ("?", "bad"),
}


def _board(summit) -> dict:
    day = today(summit)
    people = People(summit)
    counts = history.zone_board(summit, day)
    scans = list(history.recent_scans(summit, limit=SCANS_SHOWN))
    alerts = list(history.alerts(summit, limit=ALERTS_SHOWN))
    ids = {s.delegate_id for s in scans + alerts if s.delegate_id}
    delegates = {d.id: d for d in db.session.scalars(select(Delegate).where(Delegate.id.in_(ids)))} if ids else {}
    return {"summit": summit, "day": day, "counts": counts, "scans": scans, "alerts": alerts,
            "delegates": delegates, "people": people, "generated_at": utcnow(), "look": OUTCOME_LOOK}


def _scan_json(scan, board) -> dict:
    zone = board["people"].zone(scan.zone_id)
    delegate = board["delegates"].get(scan.delegate_id)
    return {"at": _iso(scan.scanned_at), "zone": zone.code if zone else None,
            "delegate_id": scan.delegate_id, "name": delegate.formal_name if delegate else None,
            "outcome": scan.outcome, "conflict": bool(scan.conflict), "device": scan.device,
            "by": board["people"].user(scan.by_user_id) or None}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@desk_bp.get("/board")
@console_requires("staff")
def board():
    data = _board(current_summit())
    return render_template("desk/board.html", poll_seconds=POLL_SECONDS, reload_seconds=RELOAD_SECONDS, **data)


@desk_bp.get("/board.json")
@console_requires("staff")
def board_json():
    data = _board(current_summit())
    response = jsonify(
        day=data["day"].isoformat(), generated_at=_iso(data["generated_at"]),
        zones=[{"code": c.zone.code, "name": {"zh": c.zone.name_zh, "en": c.zone.name_en}, "label": pick(c.zone, "name"),
                "inside": c.inside, "expected": c.expected} for c in data["counts"]],
        scans=[_scan_json(s, data) for s in data["scans"]],
        alerts=[_scan_json(s, data) for s in data["alerts"]],
        html={"zones": render_template("desk/_board_zones.html", **data),
              "scans": render_template("desk/_board_scans.html", **data),
              "alerts": render_template("desk/_board_alerts.html", **data),
              "updated": render_template("desk/_board_updated.html", **data)})
    response.headers["Cache-Control"] = "no-store"
    return response
