"""The transport desk's pick-up lists and the hotels' rooming lists as XLSX (text cells never run as formulas)."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import Workbook
from openpyxl.styles import Font

from ...models import Hotel, Summit
from ..console.exports import _local, _text_cell
from .pickups import Window

PICKUP_HEADERS = ["window", "time", "name", "flight", "airport", "phone", "country", "organisation",
                  "changed since last export"]
ROOMING_HEADERS = ["name", "country", "organisation", "phone", "email", "check-in", "check-out", "nights"]


def _book(title: str, headers: list[str], rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, header, bold) for header in headers])
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pickup_xlsx(summit: Summit, direction: str, airport: str, windows: list[Window]) -> bytes:
    zone = summit.zone

    def rows():
        for window in windows:
            label = f"{window.starts_at.astimezone(zone):%H:%M}–{window.ends_at.astimezone(zone):%H:%M}"
            for pickup in window.pickups:
                d = pickup.delegate
                yield [label, _local(pickup.flight.at, zone), d.display_name, pickup.flight.flight,
                       pickup.flight.airport, d.phone, d.country, d.organisation, "yes" if pickup.changed else ""]
    return _book(f"{direction}s {airport}", PICKUP_HEADERS, rows())


def rooming_xlsx(hotel: Hotel, entries: list[dict]) -> bytes:
    def rows():
        for entry in entries:
            d, nights = entry["delegate"], entry["nights"]
            yield [d.display_name, d.country, d.organisation, d.phone, d.email, nights[0].isoformat(),
                   (nights[-1] + timedelta(days=1)).isoformat(), len(nights)]
    return _book(hotel.code, ROOMING_HEADERS, rows())
