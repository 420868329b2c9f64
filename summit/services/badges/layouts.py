"""Badge sizes and how they sit on a printed sheet.

A layout is a badge size plus a page rule: the badge template is the same for
all, and its type scales with ``base_pt``.  Adding a size (e.g. 90×54 mm cards)
is one more entry here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

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
    #: the badge's fixed boxes, top to bottom, in mm: the summit's header, the delegate's
    #: text (what is left), the QR code with the country and route, the category band.
    #: Each box clips what it holds, so no text can push another box or leave the badge.
    head_height: float = 14.2
    who_gap_top: float = 3.5
    who_gap_bottom: float = 3.0
    foot_height: float = 28.0
    band_gap: float = 2.0
    band_height: float = 10.0

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    @property
    def inner_width_pt(self) -> float:
        return (self.badge_width - 2 * self.padding) * MM_TO_PT

    @property
    def band_bottom(self) -> float:
        return self.padding

    @property
    def foot_bottom(self) -> float:
        return self.band_bottom + self.band_height + self.band_gap

    @property
    def who_top(self) -> float:
        return self.padding + self.head_height + self.who_gap_top

    @property
    def who_bottom(self) -> float:
        """Distance (mm) from the badge's bottom edge to the bottom of the delegate's text box."""
        return self.foot_bottom + self.foot_height + self.who_gap_bottom

    @property
    def who_height_pt(self) -> float:
        return (self.badge_height - self.who_top - self.who_bottom) * MM_TO_PT

    def boxes(self) -> dict[str, tuple[float, float, float, float]]:
        """Each box of a badge as (left, top, width, height) in mm from the badge's top-left corner."""
        inner = self.badge_width - 2 * self.padding
        foot_top = self.badge_height - self.foot_bottom - self.foot_height
        return {
            "head": (self.padding, self.padding, inner, self.head_height),
            "who": (self.padding, self.who_top, inner, self.badge_height - self.who_top - self.who_bottom),
            "foot": (self.padding, foot_top, inner, self.foot_height),
            "band": (self.padding, self.badge_height - self.band_bottom - self.band_height, inner,
                     self.band_height),
        }

    def qr_box(self) -> tuple[float, float, float]:
        """The QR code's square as (left, top, side) in mm from the badge's top-left corner: the foot's
        left end, as tall as the foot (compose.py draws it there, on top of everything)."""
        left, top, _width, height = self.boxes()["foot"]
        return left, top, height

    def frame(self) -> "Layout":
        """One badge on a page of its own size: how a badge's frame (compose.py) is rendered."""
        return replace(self, name=f"{self.name}-frame", page_width=self.badge_width,
                       page_height=self.badge_height, columns=1, rows=1, cut_marks=False)

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
