"""The dashboard's figures are the database's."""
from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func

from summit.plumbing.extensions import db
from summit.models import CATEGORIES, Delegate, RouteBooking, VisitRoute, utcnow
from summit.services.registration import delegates as registration

from support.bulk_delegates import insert_delegates
from support.console_support import sign_in
from support.factories import register, route, set_capacity


def shown(html: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(r'data-figure="([^"]+)">(\d+)<', html)}


def test_dashboard_figures_equal_the_database(client, summit):
    insert_delegates(summit.id, 400)
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 3)
    for _ in range(5):
        register(summit, route_id=r1.id, join_waitlist=True, country="KE", category="academia")
    register(summit, route_id=r2.id, country="CN")
    registration.cancel(register(summit, route_id=r1.id, join_waitlist=True).delegate)
    delegate = db.session.scalars(db.select(Delegate).where(Delegate.status == "registered")).first()
    delegate.checked_in_at = utcnow()
    db.session.commit()

    sign_in(client, "staff")
    html = client.get("/console/").get_data(as_text=True)
    figures = shown(html)

    live = [Delegate.summit_id == summit.id, Delegate.status == "registered"]

    def count(*where):
        return db.session.scalar(db.select(func.count(Delegate.id)).where(*where))

    assert figures["registered"] == count(*live) == 395 + 6
    assert figures["cancelled"] == count(Delegate.summit_id == summit.id, Delegate.status == "cancelled")
    assert figures["checked-in"] == count(*live, Delegate.checked_in_at.is_not(None))
    assert figures["badges"] == count(*live, Delegate.badge_printed_at.is_not(None))
    assert figures["banquet"] == count(*live, Delegate.banquet.is_(True))
    for category in CATEGORIES:
        assert figures[f"category-{category}"] == count(*live, Delegate.category == category), category
    countries = Counter(db.session.scalars(db.select(Delegate.country).where(*live)))
    assert figures["countries"] == len(countries)
    top = sorted(countries.items(), key=lambda pair: (-pair[1], pair[0]))
    for code, n in top[:12]:
        assert figures[f"country-{code}"] == n, code
    assert figures.get("country-other", 0) == sum(n for _, n in top[12:])
    for r in db.session.scalars(db.select(VisitRoute).where(VisitRoute.summit_id == summit.id)):
        waiting = db.session.scalar(db.select(func.count(RouteBooking.id)).where(
            RouteBooking.route_id == r.id, RouteBooking.status == "waitlisted"))
        confirmed = db.session.scalar(db.select(func.count(RouteBooking.id)).where(
            RouteBooking.route_id == r.id, RouteBooking.status == "confirmed"))
        assert (figures[f"route-{r.code}-confirmed"], figures[f"route-{r.code}-capacity"],
                figures[f"route-{r.code}-waiting"]) == (confirmed, r.capacity, waiting), r.code
    assert (figures["route-R1-confirmed"], figures["route-R1-waiting"]) == (3, 2)
    assert figures["waiting"] == 2
    # Registrations per day (Beijing days) add up to the total registered.
    per_day = {k: v for k, v in figures.items() if k.startswith("day-")}
    zone = summit.zone
    expected = Counter(f"day-{m.astimezone(zone).date().isoformat()}"
                       for m in db.session.scalars(db.select(Delegate.created_at).where(*live)))
    assert {k: v for k, v in per_day.items() if v} == dict(expected)
    assert sum(per_day.values()) == figures["registered"]
    # The charts are inline SVG beside HTML labels: nothing fetched from elsewhere.
    # (the one script is every page's language switch keeping a form's draft, static/js/language-draft.js)
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/js/language-draft.js" defer>']
    html = html.replace(scripts[0], "")
    assert html.count('role="img"') == 4 and "cdn" not in html.lower() and "<script" not in html


def test_empty_dashboard_renders(client, summit):
    sign_in(client, "organiser")
    response = client.get("/console/")
    assert response.status_code == 200 and shown(response.get_data(as_text=True))["registered"] == 0


def test_chart_scales_start_at_zero_and_end_on_a_round_number():
    from summit.web.console import charts

    axis = charts.scale(29)
    assert axis.top == 30 and axis.ticks[0] == (0.0, "0") and axis.ticks[-1] == (1.0, "30")
    assert [label for _, label in axis.ticks] == ["0", "10", "20", "30"]
    assert charts.scale(0).top == 1 and charts.scale(7).top == 8 and charts.scale(40).top == 40
    chart = charts.bars([("a", 29), ("b", 3)])
    assert round(chart.bars[0].share * chart.scale.top) == 29  # the bar ends at 29 on the axis
