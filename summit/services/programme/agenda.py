"""The programme and the visit routes as the public sees them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby

from sqlalchemy import func

from ...plumbing.extensions import db
from ...models import ProgrammeItem, RouteBooking, Summit, VisitRoute
from ...models.labels import BookingStatus


def programme(summit: Summit, *, include_cancelled: bool = True) -> list[ProgrammeItem]:
    """Every item in time order (cancelled ones stay listed, marked, so nobody is surprised)."""
    query = (
        db.select(ProgrammeItem)
        .where(ProgrammeItem.summit_id == summit.id)
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.position, ProgrammeItem.id)
    )
    if not include_cancelled:
        query = query.where(ProgrammeItem.cancelled.is_(False))
    return list(db.session.scalars(query))


def programme_by_day(summit: Summit) -> list[tuple[date, list[ProgrammeItem]]]:
    """Items grouped by their day in the summit's own zone."""
    zone = summit.zone
    items = programme(summit)
    return [(day, list(group)) for day, group in
            groupby(items, key=lambda item: item.starts_at.astimezone(zone).date())]


@dataclass(frozen=True)
class RouteAvailability:
    route: VisitRoute
    waitlisted: int

    @property
    def confirmed(self) -> int:
        return self.route.confirmed

    @property
    def remaining(self) -> int:
        return self.route.remaining


def routes_with_availability(summit: Summit) -> list[RouteAvailability]:
    waiting = dict(db.session.execute(
        db.select(RouteBooking.route_id, func.count())
        .join(VisitRoute, VisitRoute.id == RouteBooking.route_id)
        .where(VisitRoute.summit_id == summit.id, RouteBooking.status == BookingStatus.WAITLISTED)
        .group_by(RouteBooking.route_id)
    ).all())
    routes = db.session.scalars(
        db.select(VisitRoute).where(VisitRoute.summit_id == summit.id).order_by(VisitRoute.code)
    )
    return [RouteAvailability(route, waiting.get(route.id, 0)) for route in routes]
