"""The figures on the console's dashboard, straight from the database."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from ...plumbing.extensions import db
from ...models import CATEGORIES, Delegate, Summit
from ...models.labels import DelegateStatus
from ..programme.agenda import RouteAvailability, routes_with_availability

TOP_COUNTRIES = 12


@dataclass
class Figures:
    registered: int
    cancelled: int
    checked_in: int
    badges_printed: int
    waiting: int
    banquet: int
    countries: int
    #: (day in the summit's zone, registrations that day, running total), every day from the first to the last
    by_day: list[tuple[date, int, int]]
    by_category: list[tuple[str, int]]
    #: the largest delegations, then ("", the rest) if there are more
    by_country: list[tuple[str, int]]
    routes: list[RouteAvailability]


def _count(*where) -> int:
    return db.session.scalar(select(func.count(Delegate.id)).where(*where))


def figures(summit: Summit) -> Figures:
    live = (Delegate.summit_id == summit.id, Delegate.status == DelegateStatus.REGISTERED)
    zone = summit.zone
    per_day = Counter(moment.astimezone(zone).date() for moment in db.session.scalars(
        select(Delegate.created_at).where(*live)))
    by_day = []
    if per_day:
        day, last, total = min(per_day), max(per_day), 0
        while day <= last:
            total += per_day[day]
            by_day.append((day, per_day[day], total))
            day += timedelta(days=1)

    categories = dict(db.session.execute(
        select(Delegate.category, func.count(Delegate.id)).where(*live).group_by(Delegate.category)).all())
    countries = db.session.execute(
        select(Delegate.country, func.count(Delegate.id)).where(*live).group_by(Delegate.country)
        .order_by(func.count(Delegate.id).desc(), Delegate.country)).all()
    by_country = [(code, n) for code, n in countries[:TOP_COUNTRIES]]
    if len(countries) > TOP_COUNTRIES:
        by_country.append(("", sum(n for _, n in countries[TOP_COUNTRIES:])))

    routes = routes_with_availability(summit)
    return Figures(
        registered=_count(*live),
        cancelled=_count(Delegate.summit_id == summit.id, Delegate.status == DelegateStatus.CANCELLED),
        checked_in=_count(*live, Delegate.checked_in_at.is_not(None)),
        badges_printed=_count(*live, Delegate.badge_printed_at.is_not(None)),
        waiting=sum(a.waitlisted for a in routes),
        banquet=_count(*live, Delegate.banquet.is_(True)),
        countries=len(countries),
        by_day=by_day,
        by_category=[(category, categories.get(category, 0)) for category in CATEGORIES],
        by_country=by_country,
        routes=routes,
    )
