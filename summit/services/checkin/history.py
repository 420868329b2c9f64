"""The scan history and what the supervisor's board reads from it."""
from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import func, or_

from ...models import Delegate, RouteBooking, Scan, Summit, VisitRoute, Zone, ZoneEntry
from ...models.labels import Accreditation, DelegateStatus, ScanOutcome
from ...plumbing.extensions import db
from .zones import open_on, rule_admits, zones_of

#: what the board raises an alert for
ALERT_OUTCOMES = (ScanOutcome.BADGE_REVOKED, ScanOutcome.UNKNOWN_CODE)


class ZoneCount(NamedTuple):
    zone: Zone
    #: entries made that day
    inside: int
    #: approved, registered delegates the zone admits that day
    expected: int


def scans_of(delegate: Delegate, limit: int = 50) -> list[Scan]:
    """The delegate's scans, newest first."""
    return list(db.session.scalars(
        db.select(Scan).where(Scan.delegate_id == delegate.id)
        .options(db.joinedload(Scan.zone), db.joinedload(Scan.by_user))
        .order_by(Scan.scanned_at.desc(), Scan.id.desc()).limit(limit)))


def entries_of(delegate: Delegate) -> list[ZoneEntry]:
    """The delegate's zone entries, newest day first."""
    return list(db.session.scalars(
        db.select(ZoneEntry).where(ZoneEntry.delegate_id == delegate.id)
        .options(db.joinedload(ZoneEntry.zone))
        .order_by(ZoneEntry.day.desc(), ZoneEntry.checked_in_at.desc())))


def recent_scans(summit: Summit, limit: int = 20, zone: Zone | None = None) -> list[Scan]:
    """The summit's last scans as they reached the server, newest first."""
    query = db.select(Scan).where(Scan.summit_id == summit.id)
    if zone is not None:
        query = query.where(Scan.zone_id == zone.id)
    return list(db.session.scalars(
        query.options(db.joinedload(Scan.zone), db.joinedload(Scan.delegate), db.joinedload(Scan.by_user))
        .order_by(Scan.received_at.desc(), Scan.id.desc()).limit(limit)))


def alerts(summit: Summit, limit: int = 20) -> list[Scan]:
    """Scans a supervisor should look at: revoked and unknown (forged) codes, and offline conflicts."""
    return list(db.session.scalars(
        db.select(Scan).where(Scan.summit_id == summit.id,
                              or_(Scan.outcome.in_([o.value for o in ALERT_OUTCOMES]), Scan.conflict.is_(True)))
        .options(db.joinedload(Scan.zone), db.joinedload(Scan.delegate), db.joinedload(Scan.by_user))
        .order_by(Scan.received_at.desc(), Scan.id.desc()).limit(limit)))


def zone_board(summit: Summit, day: date) -> list[ZoneCount]:
    """For each zone: how many entered on ``day``, and how many it admits that day. A few queries in all."""
    zones = zones_of(summit)
    inside = dict(db.session.execute(
        db.select(ZoneEntry.zone_id, func.count()).join(Zone, Zone.id == ZoneEntry.zone_id)
        .where(Zone.summit_id == summit.id, ZoneEntry.day == day).group_by(ZoneEntry.zone_id)).all())
    people = db.session.execute(
        db.select(Delegate.protocol_level, Delegate.category, Delegate.banquet, VisitRoute.code,
                  RouteBooking.status)
        .outerjoin(RouteBooking, RouteBooking.delegate_id == Delegate.id)
        .outerjoin(VisitRoute, VisitRoute.id == RouteBooking.route_id)
        .where(Delegate.summit_id == summit.id, Delegate.status == DelegateStatus.REGISTERED,
               Delegate.accreditation == Accreditation.APPROVED)).all()
    board = []
    for zone in zones:
        expected = 0
        if open_on(zone, day):
            expected = sum(1 for level, category, banquet, route, status in people
                           if rule_admits(zone, level=level, category=category, banquet=banquet,
                                          route_code=route, route_status=status))
        board.append(ZoneCount(zone, inside.get(zone.id, 0), expected))
    return board


__all__ = ["ALERT_OUTCOMES", "ZoneCount", "alerts", "entries_of", "recent_scans", "scans_of", "zone_board"]
