"""Delegates as spreadsheets, and the bus captains' manifests.

CSV carries a UTF-8 byte-order mark: without it Excel on Windows reads the file
as the local code page and Chinese, Arabic or Cyrillic names turn to mojibake.
Cells that a spreadsheet would run as a formula (=, +, -, @ first) are defused:
a delegate typed them, and an export must never execute a delegate's input.

Every export is audited (console.audit.record_download) and says so itself: who
downloaded it, when, with which filter, how many delegates.  XLSX: a second sheet,
"About this file", after the data (the first sheet stays the one a script opens).
CSV has no second sheet, so its last line is a one-cell row starting with "# ":
what a person opening the file in Excel sees as a footer, and what CSV readers
take as a comment (pandas ``comment="#"``, R's ``comment.char``, our own member
import skips such rows).  A script on csv.DictReader sees one last row whose
``id`` starts with "#" (skip lines starting with "#" before parsing:
``csv.DictReader(line for line in f if not line.startswith("#"))``); the header row,
the columns and their order are unchanged.
A leading comment would have broken every reader that takes line 1 as the
header; an HTTP header alone would be lost once the file is saved.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...plumbing.extensions import db
from ...models import Delegate, RouteBooking, Summit, VisitRoute
from ...models.labels import BookingStatus
from ..console import audit
from ..registration import search as delegate_search
from ..registration.countries import country_name

BOM = "\ufeff"
#: (header, value of a row); the headers are the columns' stable names for scripts
COLUMNS = [
    ("id", lambda d, z: d.id),
    ("family_name", lambda d, z: d.family_name),
    ("given_name", lambda d, z: d.given_name),
    ("native_name", lambda d, z: d.native_name),
    ("email", lambda d, z: d.email),
    ("organisation", lambda d, z: d.organisation),
    ("job_title", lambda d, z: d.job_title),
    ("country", lambda d, z: d.country),
    # the names the badge prints, for readers of the sheet (scripts keep the code)
    ("country_name_en", lambda d, z: country_name(d.country, "en")),
    ("country_name_zh", lambda d, z: country_name(d.country, "zh")),
    ("category", lambda d, z: d.category),
    ("phone", lambda d, z: d.phone),
    ("route", lambda d, z: d.booking.route.code if d.booking else ""),
    ("route_status", lambda d, z: d.booking.status if d.booking else ""),
    ("banquet", lambda d, z: "yes" if d.banquet else "no"),
    ("dietary_needs", lambda d, z: d.dietary_needs),
    ("accessibility_needs", lambda d, z: d.accessibility_needs),
    ("language", lambda d, z: d.language),
    ("status", lambda d, z: d.status),
    ("registered_at", lambda d, z: _local(d.created_at, z)),
    ("checked_in_at", lambda d, z: _local(d.checked_in_at, z)),
    ("badge_printed_at", lambda d, z: _local(d.badge_printed_at, z)),
    # added after the columns above (scripts read them by position too): the name as badges print it,
    # its order, the honorific and the protocol level
    ("display_name", lambda d, z: d.display_name),
    ("name_order", lambda d, z: d.name_order),
    ("title", lambda d, z: d.title),
    ("protocol_level", lambda d, z: d.protocol_level),
]
HEADERS = [name for name, _ in COLUMNS]
_PHONE = re.compile(r"^\+[\d\s().-]+$")


def _local(moment: datetime | None, zone) -> str:
    """Beijing wall-clock time with its offset, e.g. 2024-09-25 09:00 +08:00 (sorts as text too)."""
    if moment is None:
        return ""
    text = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")
    return f"{text[:-2]}:{text[-2:]}"


def defuse(value):
    """Text a spreadsheet would evaluate, made inert; a phone number like +86 … stays as it is."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PHONE.match(value):
        return "'" + value
    return value


def _delegates(summit: Summit, filters: delegate_search.DelegateFilter):
    return db.session.scalars(delegate_search.ordered(summit, filters).execution_options(yield_per=1000))


#: the first characters of a CSV's last line, the one naming who downloaded it
FOOTER_MARK = "# "


def _csv_footer(out: io.StringIO, stamp: audit.Provenance, zone) -> None:
    """Written as it is, not through the CSV writer: a comma or quote in a search text would make the
    writer quote the line, and it would no longer start with the mark a reader skips it by."""
    line = " ".join(stamp.line(zone).splitlines())
    out.write(f"{FOOTER_MARK}{line}\r\n")


def delegates_csv(summit: Summit, filters: delegate_search.DelegateFilter, by_user) -> bytes:
    """The delegates the filter finds, audited, with the footer line naming who downloaded them."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    zone = summit.zone
    count = 0
    for delegate in _delegates(summit, filters):
        writer.writerow([defuse(value(delegate, zone)) for _, value in COLUMNS])
        count += 1
    entry = audit.record_download(by_user, "delegates.csv", filters=delegate_search.asked(filters), count=count)
    _csv_footer(out, audit.provenance(entry), zone)
    return out.getvalue().encode("utf-8")


def _text_cell(sheet, value, font=None):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the first character
    if font is not None:
        cell.font = font
    return cell


#: the sheet after the data that says who downloaded the file
ABOUT_SHEET = "About this file"


def _about_sheet(book: Workbook, stamp: audit.Provenance, zone) -> None:
    """Labels in both languages, as the member template's headers are: the file travels between teams."""
    sheet = book.create_sheet(ABOUT_SHEET)
    bold = Font(bold=True)
    rows = [("Downloaded by / 下载人", stamp.by), ("Downloaded at / 下载时间", stamp.at_text(zone)),
            ("Filter / 筛选条件", audit.filters_text(stamp.filters) or "none / 无"),
            ("Delegates / 代表人数", stamp.count),
            ("Note / 说明", "This file holds personal data; its download is recorded in the audit log. "
                            "本文件含有个人信息，其下载已记入审计日志。")]
    for label, value in rows:
        sheet.append([_text_cell(sheet, label, bold), _text_cell(sheet, value)])


def delegates_xlsx(summit: Summit, filters: delegate_search.DelegateFilter, by_user) -> bytes:
    """The delegates the filter finds on the first sheet, audited; who downloaded them on the second."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Delegates")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, header, bold) for header in HEADERS])
    zone = summit.zone
    count = 0
    for delegate in _delegates(summit, filters):
        sheet.append([_text_cell(sheet, value(delegate, zone)) for _, value in COLUMNS])
        count += 1
    entry = audit.record_download(by_user, "delegates.xlsx", filters=delegate_search.asked(filters), count=count)
    _about_sheet(book, audit.provenance(entry), zone)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Manifest:
    route: VisitRoute
    confirmed: list[Delegate]
    #: (position in line, delegate)
    waiting: list[tuple[int, Delegate]]


def manifest(route: VisitRoute) -> Manifest:
    """Who boards the bus (confirmed, by family name), and who waits (in line order)."""
    bookings = db.session.scalars(
        select(RouteBooking).where(RouteBooking.route_id == route.id)
        .options(selectinload(RouteBooking.delegate)).order_by(RouteBooking.id)).all()
    confirmed = sorted((b.delegate for b in bookings if b.status == BookingStatus.CONFIRMED),
                       key=lambda d: (d.family_name.casefold(), d.given_name.casefold(), d.id))
    waiting = [(index, b.delegate) for index, b in
               enumerate((b for b in bookings if b.status == BookingStatus.WAITLISTED), start=1)]
    return Manifest(route, confirmed, waiting)


MANIFEST_HEADERS = ["no", "family_name", "given_name", "native_name", "organisation", "country", "phone",
                    "display_name"]


def record_manifest(m: Manifest, by_user) -> audit.Provenance:
    """The printable manifest page, audited (it is printed, carried onto the coach, and left there)."""
    entry = audit.record_download(by_user, "manifest", filters={"route": m.route.code},
                                  count=len(m.confirmed) + len(m.waiting))
    return audit.provenance(entry)


def manifest_csv(m: Manifest, by_user) -> bytes:
    """The confirmed, in boarding order, audited, with the footer line."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MANIFEST_HEADERS)
    for number, d in enumerate(m.confirmed, start=1):
        writer.writerow([number, *(defuse(v) for v in (d.family_name, d.given_name, d.native_name, d.organisation,
                                                        d.country, d.phone, d.display_name))])
    entry = audit.record_download(by_user, "manifest.csv", filters={"route": m.route.code}, count=len(m.confirmed))
    _csv_footer(out, audit.provenance(entry), m.route.summit.zone)
    return out.getvalue().encode("utf-8")
