"""A zone's roster for an offline scanner: every badge code's hash and what the door shows, nothing more.

Built in two queries (the summit's live delegates with their route, the zone's entries of the day),
whatever the number of delegates; the codes are signed here, never stored.  A reissued badge's older
versions are listed too, ``admitted: false`` and ``status: "revoked"``, so the door shows them amber.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...models import Delegate, RouteBooking, Summit, VisitRoute, ZoneEntry, utcnow
from ...models.delegate import display_name
from ...models.labels import Accreditation, DelegateStatus
from ...plumbing.extensions import db
from ..console import audit
from .codes import _serializer, code_sha256
from .zones import open_on, rule_admits, zone_by_code

ADMITTED, NOT_ADMITTED, NOT_ACCREDITED, REVOKED = "admitted", "not_admitted", "not_accredited", "revoked"


def _iso(moment: datetime | None, summit: Summit) -> str | None:
    return moment.astimezone(summit.zone).isoformat() if moment else None


def zone_roster(summit: Summit, zone_code: str, by_user, *, at: datetime | None = None) -> dict:
    """The contract's roster body for ``zone_code`` (UnknownZone if the summit has none); audited."""
    zone = zone_by_code(summit, zone_code)
    now = at or utcnow()
    day = now.astimezone(summit.zone).date()
    is_open = open_on(zone, day)
    rows = db.session.execute(
        select(Delegate.id, Delegate.given_name, Delegate.family_name, Delegate.name_order, Delegate.native_name,
               Delegate.organisation, Delegate.country, Delegate.category, Delegate.protocol_level,
               Delegate.banquet, Delegate.accreditation, Delegate.badge_version, Delegate.badge_reissued_at,
               VisitRoute.code, RouteBooking.status)
        .outerjoin(RouteBooking, RouteBooking.delegate_id == Delegate.id)
        .outerjoin(VisitRoute, VisitRoute.id == RouteBooking.route_id)
        .where(Delegate.summit_id == summit.id, Delegate.status == DelegateStatus.REGISTERED)
        .order_by(Delegate.id)).all()
    entered = dict(db.session.execute(
        select(ZoneEntry.delegate_id, ZoneEntry.checked_in_at).where(ZoneEntry.zone_id == zone.id,
                                                                     ZoneEntry.day == day)).all())
    sign = _serializer().dumps
    entries = []
    for (delegate_id, given, family, order, native, organisation, country, category, level, banquet,
         accreditation, version, reissued_at, route_code, route_status) in rows:
        version = version or 1
        if accreditation != Accreditation.APPROVED:
            status = NOT_ACCREDITED
        elif is_open and rule_admits(zone, level=level, category=category, banquet=banquet,
                                     route_code=route_code, route_status=route_status):
            status = ADMITTED
        else:
            status = NOT_ADMITTED
        common = {"delegate_id": delegate_id, "name": display_name(given, family, order), "native_name": native,
                  "organisation": organisation, "country": country, "category": category, "level": level,
                  "reissued_at": _iso(reissued_at, summit)}
        entries.append({"code_sha256": code_sha256(sign([summit.id, delegate_id, version])), **common,
                        "admitted": status == ADMITTED, "status": status,
                        "checked_in_at": _iso(entered.get(delegate_id), summit)})
        for old in range(1, version):
            entries.append({"code_sha256": code_sha256(sign([summit.id, delegate_id, old])), **common,
                            "admitted": False, "status": REVOKED, "checked_in_at": None})
    # count: the delegates, not the entries (a reissued badge's older codes are listed too)
    audit.record_download(by_user, "roster", filters={"zone": zone.code}, count=len(rows))
    return {"zone": zone.code, "name": {"zh": zone.name_zh, "en": zone.name_en}, "day": day.isoformat(),
            "generated_at": _iso(now, summit), "entries": entries}
