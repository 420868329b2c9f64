"""The console's first page: the summit at a glance."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from ...auth import console_requires
from ...models.labels import DelegateCategory
from ...plumbing.i18n import pick
from ...services.console import dashboard
from ...services.summits.current import current_summit
from ..forms import country_name
from . import charts
from .blueprint import console


@console.get("/")
@console_requires("staff")
def home():
    summit = current_summit()
    figures = dashboard.figures(summit)
    return render_template(
        "console/dashboard.html", summit=summit, f=figures,
        timeline=charts.timeline(figures.by_day),
        categories=charts.bars([(str(DelegateCategory(c).label), n) for c, n in figures.by_category]),
        category_keys=[c for c, _ in figures.by_category],
        countries=charts.bars([(country_name(code) if code else _("All others"), n) for code, n in figures.by_country]),
        country_keys=[code or "other" for code, _ in figures.by_country],
        fills=charts.fills(figures.routes, lambda route: pick(route, "name")))
