"""Geometry for the dashboard's charts, drawn by templates/console/_charts.html.

Server-rendered HTML bars and SVG lines: nothing to download, nothing to run in the browser, and
it prints.  Every bar starts at zero on a scale that is drawn (ticks at round numbers), so a bar's
length is its figure; the labels are text of the page, the same size at 390 px as at 1280.  Every
chart also carries its figures as a table for screen readers.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Scale:
    """A count axis from zero: its end (a round number at or above the largest figure) and its ticks."""
    top: int
    #: (share of the axis' length 0…1, label)
    ticks: list[tuple[float, str]]

    def share(self, value: int) -> float:
        return min(value / self.top, 1.0)


def scale(largest: int, *, most_ticks: int = 5) -> Scale:
    """Zero to a round number ≥ ``largest`` (1, 2 or 5 × 10ⁿ steps), with at most ``most_ticks`` + 1 ticks."""
    largest = max(int(largest), 1)
    step = 1
    while True:
        for factor in (1, 2, 5):
            if -(-largest // (step * factor)) <= most_ticks:
                step *= factor
                top = -(-largest // step) * step
                return Scale(top, [(n / top, str(n)) for n in range(0, top + 1, step)])
        step *= 10


@dataclass
class Bar:
    label: str
    value: int
    #: share of the axis' length, 0…1 (the axis starts at zero)
    share: float


@dataclass
class BarChart:
    bars: list[Bar]
    scale: Scale

    def __iter__(self):
        return iter(self.bars)

    def __len__(self):
        return len(self.bars)


def bars(pairs: list[tuple[str, int]]) -> BarChart:
    axis = scale(max((value for _, value in pairs), default=0))
    return BarChart([Bar(label, value, axis.share(value)) for label, value in pairs], axis)


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

    @property
    def full(self) -> bool:
        return self.capacity > 0 and self.confirmed >= self.capacity


@dataclass
class Fills:
    routes: list[Fill]
    #: places, from zero: the widest route's capacity (or confirmed + waiting, when longer)
    scale: Scale

    def __iter__(self):
        return iter(self.routes)

    def __len__(self):
        return len(self.routes)


def fills(routes, name_of) -> Fills:
    axis = scale(max((max(a.route.capacity, a.confirmed) + a.waitlisted for a in routes), default=0))
    top = axis.top
    return Fills([Fill(a.route.code, name_of(a.route), a.route.capacity, a.confirmed, a.waitlisted,
                       a.confirmed / top, max(a.route.capacity - a.confirmed, 0) / top, a.waitlisted / top)
                  for a in routes], axis)


@dataclass
class Timeline:
    """The plot alone, in a ``width`` × ``height`` box that stretches to the card; the axes' labels are
    placed around it by the template, at shares of its width (x) and of its height from the bottom (y)."""
    width: int
    height: int
    #: SVG path of the running total, and of the area under it
    line: str
    area: str
    #: (share 0…1, label) marks on the axes: days along x, the running total on the left, daily counts on the right
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    daily_ticks: list[tuple[float, str]]
    #: daily registrations as thin columns: (x, y, width, height), in the lower third on the right-hand scale
    columns: list[tuple[float, float, float, float]]


def timeline(by_day, *, width=600, height=200) -> Timeline | None:
    if not by_day:
        return None
    total_axis = scale(by_day[-1][2], most_ticks=4)
    daily_axis = scale(max(n for _, n, _ in by_day), most_ticks=2)
    count = len(by_day)
    pad = 8  # the first and last day's column stay inside the box
    step = (width - 2 * pad) / max(count - 1, 1)
    points = [(pad + i * step, height * (1 - running / total_axis.top)) for i, (_, _, running) in enumerate(by_day)]
    line = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
    area = f"{line} L{points[-1][0]:.1f},{height} L{points[0][0]:.1f},{height} Z"
    column_w = max(min(step * 0.6, 14), 1.5)
    third = height / 3
    columns = [(x - column_w / 2, height - third * n / daily_axis.top, column_w, third * n / daily_axis.top)
               for (x, _), (_, n, _) in zip(points, by_day)]
    every = max(1, -(-count // 4))  # at most four dates: they never run into each other on a phone
    x_ticks = [((pad + i * step) / width, day.strftime("%m-%d")) for i, (day, _, _) in enumerate(by_day) if i % every == 0]
    daily_ticks = [(share / 3, label) for share, label in daily_axis.ticks if share > 0]
    return Timeline(width, height, line, area, x_ticks, total_axis.ticks, daily_ticks, columns)
