"""Geometry for the dashboard's SVG charts, drawn by templates/console/_charts.html.

Server-rendered SVG: nothing to download, nothing to run in the browser, and it
prints.  Every chart also carries its figures as a table for screen readers.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: int
    #: share of the chart's full width, 0…1
    share: float


def bars(pairs: list[tuple[str, int]]) -> list[Bar]:
    top = max((value for _, value in pairs), default=0) or 1
    return [Bar(label, value, value / top) for label, value in pairs]


@dataclass
class Fill:
    code: str
    name: str
    capacity: int
    confirmed: int
    waiting: int
    #: shares of the widest bar (capacity or confirmed + waiting, whichever is longer, over all routes)
    confirmed_share: float
    free_share: float
    waiting_share: float


def fills(routes, name_of) -> list[Fill]:
    widest = max((max(a.route.capacity, a.confirmed) + a.waitlisted for a in routes), default=0) or 1
    return [Fill(a.route.code, name_of(a.route), a.route.capacity, a.confirmed, a.waitlisted,
                 a.confirmed / widest, max(a.route.capacity - a.confirmed, 0) / widest, a.waitlisted / widest)
            for a in routes]


@dataclass
class Timeline:
    width: int
    height: int
    #: SVG path of the running total, and of the area under it
    line: str
    area: str
    #: (x, y, label) marks on the axes
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    #: daily registrations as thin columns: (x, y, width, height)
    columns: list[tuple[float, float, float, float]]


def timeline(by_day, *, width=640, height=220, left=44, bottom=26, top=10, right=12) -> Timeline | None:
    if not by_day:
        return None
    plot_w, plot_h = width - left - right, height - top - bottom
    total = by_day[-1][2] or 1
    daily_top = max(n for _, n, _ in by_day) or 1
    count = len(by_day)
    step = plot_w / max(count - 1, 1)
    points = [(left + i * step, top + plot_h * (1 - running / total)) for i, (_, _, running) in enumerate(by_day)]
    line = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
    area = f"{line} L{points[-1][0]:.1f},{top + plot_h:.1f} L{left:.1f},{top + plot_h:.1f} Z"
    column_w = max(min(step * 0.6, 14), 1.5)
    # Daily counts use the lower third of the plot, on their own scale.
    columns = [(x - column_w / 2, top + plot_h - plot_h / 3 * n / daily_top, column_w, plot_h / 3 * n / daily_top)
               for (x, _), (_, n, _) in zip(points, by_day)]
    every = max(1, round(count / 6))
    x_ticks = [(left + i * step, day.strftime("%m-%d")) for i, (day, _, _) in enumerate(by_day) if i % every == 0]
    y_ticks = [(top + plot_h * (1 - f), str(round(total * f))) for f in (0, 0.5, 1)]
    return Timeline(width, height, line, area, x_ticks, y_ticks, columns)
