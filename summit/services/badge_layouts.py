"""Badge sizes and how they sit on a printed sheet.

A layout is a badge size plus a page rule: the badge template is the same for
all, and its type scales with ``base_pt``.  Adding a size (e.g. 90×54 mm cards)
is one more entry here.
"""
from __future__ import annotations

from dataclasses import dataclass

MM_TO_PT = 72 / 25.4


@dataclass(frozen=True)
class Layout:
    name: str
    #: the printed sheet, in mm
    page_width: float
    page_height: float
    #: one badge, in mm
    badge_width: float
    badge_height: float
    columns: int = 1
    rows: int = 1
    #: draw cut marks between the badges of a sheet
    cut_marks: bool = False
    #: inner margin of a badge, in mm: keeps print off the edge office printers cannot reach
    padding: float = 7.0
    #: type size everything on the badge is measured against
    base_pt: float = 10.0

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    @property
    def inner_width_pt(self) -> float:
        return (self.badge_width - 2 * self.padding) * MM_TO_PT

    def positions(self) -> list[tuple[float, float]]:
        """Top-left corner (mm) of each badge on the sheet, row by row, the grid centred."""
        left = (self.page_width - self.columns * self.badge_width) / 2
        top = (self.page_height - self.rows * self.badge_height) / 2
        return [(left + c * self.badge_width, top + r * self.badge_height)
                for r in range(self.rows) for c in range(self.columns)]

    def cuts(self) -> tuple[list[float], list[float]]:
        """Where the guillotine goes: x positions of vertical cuts, y positions of horizontal ones (mm)."""
        left, top = self.positions()[0]
        xs = [left + c * self.badge_width for c in range(1, self.columns)]
        ys = [top + r * self.badge_height for r in range(1, self.rows)]
        return xs, ys


LAYOUTS: dict[str, Layout] = {
    # badge printers take A6 cards
    "a6": Layout("a6", 105, 148, 105, 148),
    # office printers: four A6 badges per A4 sheet, cut along the marks
    "a4-4up": Layout("a4-4up", 210, 297, 105, 148, columns=2, rows=2, cut_marks=True),
}
DEFAULT_LAYOUT = "a6"
