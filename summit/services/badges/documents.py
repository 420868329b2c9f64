"""Delegate badges as print-ready PDF: what goes on a badge, and rendering it.

``badge_document`` is the one way a badge is made: ``render_badges`` renders it
now, for one badge on demand and the API (at most BADGE_SYNC_LIMIT badges), and
batch jobs render it chunk by chunk (``render_chunk``).  A badge is its text
(``badge_html``), the frame its protocol level shares with every badge of that
level (``frame_html``: the summit's header, the band, the route's label) and
its QR code, put together by compose.py.  Text is placed by the Jinja template
(autoescaped: a name is always text, never markup), made printable and sized by
badge_text (measured with the fonts that print it), and set in fixed boxes that
clip it, so no text, however long or strange, moves the QR code or reaches the
next badge.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

from babel.dates import format_date, format_interval
from flask import current_app, render_template
from sqlalchemy import update
from sqlalchemy.orm import selectinload

from ...plumbing.database import in_writing_block, writing
from ...plumbing.extensions import db
from ...models import Delegate, ProtocolLevel, RouteBooking, Summit, utcnow
from ...models.labels import BookingStatus, DelegateCategory, NameOrder
from .layouts import DEFAULT_LAYOUT, LAYOUTS, Layout
from .compose import Slot
from .renderer import BadgeDocument, BadgeRenderer, merge_pdfs, process_renderer
from .text import (
    FONT_FAMILIES,
    LANG_FAMILIES,
    FieldSpec,
    FieldText,
    TextMeasurer,
    direction,
    fit_fields,
    printable,
)
from ..checkin.codes import checkin_code
from ..registration.countries import country_names
from ...plumbing.errors import ServiceError, ValidationFailed

#: badges rendered by one WeasyPrint call: big enough to amortise the per-document
#: cost, small enough that memory stays flat whatever the batch size
CHUNK_SIZE = 50
#: most badges rendered inside one request unless BADGE_SYNC_LIMIT says otherwise:
#: a few seconds of one worker
DEFAULT_SYNC_LIMIT = 50



class TooManyBadges(ServiceError):
    """More badges than one request may render (BADGE_SYNC_LIMIT): a batch job's work."""

    code = "too_many_badges"
    status = 413


def sync_limit() -> int:
    """Most badges rendered inside one request (a few seconds of one worker)."""
    return max(1, int(current_app.config.get("BADGE_SYNC_LIMIT") or DEFAULT_SYNC_LIMIT))


def check_sync_limit(count: int, *, batch_url: str | None = None) -> None:
    limit = sync_limit()
    if count > limit:
        raise TooManyBadges(
            f"{count} badges are more than one request renders (at most {limit}): print them as a batch"
            f"{f' ({batch_url})' if batch_url else ''}, which renders in the background, or ask for at most"
            f" {limit} at a time", limit=limit, requested=count, **({"batch_url": batch_url} if batch_url else {}))


@dataclass(frozen=True)
class BadgeView:
    """Everything printed on one badge, already chosen and sized."""

    delegate_id: int
    #: the honorific printed before the name ("H.E."), may be empty
    title: str
    title_dir: str
    given_name: str
    given_dir: str
    family_name: str
    family_dir: str
    #: the name's parts in the delegate's order: ("family", text, dir) first for "ZHANG Wei"
    name_parts: tuple[tuple[str, str, str], ...]
    name_pt: float
    #: lines the fitting measured each text to take at its size
    name_lines: int
    native_name: str
    native_lang: str
    native_dir: str
    native_pt: float
    native_lines: int
    #: the delegate's job title ("Director-General"), printed between the name and the organisation; may be empty
    job_title: str
    job_dir: str
    job_pt: float
    job_lines: int
    organisation: str
    organisation_dir: str
    organisation_pt: float
    organisation_lines: int
    country_en: str
    country_zh: str
    category: str
    category_zh: str
    category_en: str
    route_code: str | None
    #: the check-in code the QR code holds (compose.py draws it)
    qr_code: str
    #: the protocol level: its band's colour, pattern and name (both languages)
    level: "BandLevel"

    @property
    def name_text(self) -> str:
        """The whole name as one text when all its parts read the same way (one text box, not one per
        part); empty when their directions differ, and each part is then isolated on its own."""
        parts = [(text, dir_) for _part, text, dir_ in self.name_parts if text]
        if len({dir_ for _text, dir_ in parts}) > 1:
            return ""
        return " ".join(text for text, _dir in parts)

    @property
    def name_dir(self) -> str:
        return next((dir_ for _part, text, dir_ in self.name_parts if text), "ltr")

    name_class = property(lambda self: size_class(self.name_pt))
    native_class = property(lambda self: size_class(self.native_pt))
    job_class = property(lambda self: size_class(self.job_pt))
    organisation_class = property(lambda self: size_class(self.organisation_pt))


def size_class(pt: float) -> str:
    """The class of a fitted type size in a chunk's stylesheet (sheets.html): 18.25 → fs-18_25."""
    return "fs-" + repr(float(pt)).replace(".", "_")


#: the band's patterns (the summit file's badge_pattern); an unknown one prints solid, with its name on the band
BAND_PATTERNS = ("solid", "stripes", "chevrons", "dots", "crosshatch", "horizontal", "vertical")


@dataclass(frozen=True)
class BandLevel:
    """A protocol level as its badge band prints it: colour AND pattern, so it still reads in greyscale."""

    code: str
    name_zh: str
    name_en: str
    colour: str
    pattern: str
    #: the label's ink on the colour: dark on a light band, white on a dark one
    ink: str

    @classmethod
    def of(cls, level: ProtocolLevel | None, code: str) -> "BandLevel":
        if level is None:  # a code no longer among the summit's levels: plain, named by its code
            return cls(code, code, code, "#ffffff", "solid", "#14231f")
        colour = level.badge_colour if _is_hex(level.badge_colour) else "#666666"
        pattern = level.badge_pattern if level.badge_pattern in BAND_PATTERNS else "solid"
        return cls(level.code, level.name_zh, level.name_en, colour, pattern, _ink(colour))


def _is_hex(colour: str) -> bool:
    return len(colour) == 7 and colour[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in colour[1:])


def _ink(colour: str) -> str:
    """#14231f or #fff, whichever reads better on ``colour`` (WCAG relative luminance)."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # contrast with white (1.05 / (L + .05)) against contrast with the dark ink (~(L + .05) / .066)
    return "#14231f" if (luminance + 0.05) / 0.066 > 1.05 / (luminance + 0.05) else "#fff"


def band_levels(summit_id: int) -> dict[str, BandLevel]:
    """code → BandLevel for every level of the summit (one query for a whole batch)."""
    rows = db.session.scalars(db.select(ProtocolLevel).where(ProtocolLevel.summit_id == summit_id))
    return {row.code: BandLevel.of(row, row.code) for row in rows}


# ---------------------------------------------------------------- text fitting

def _fields(base: float) -> dict[str, FieldSpec]:
    """How the name, native name, job title and organisation are set (badge.css: line heights,
    .2em padding above and below each, .5em above the job title and .2em above the organisation).

    The name is read from a few metres: it prints as large as the box allows; the job title and
    the organisation fill what a short name leaves of the badge's middle, so it is not half empty."""
    return {
        "name": FieldSpec(base * 2.8, base * 1.1, 2, 1.15, 0.4, bold=True),
        "native": FieldSpec(base * 2.4, base * 1.0, 2, 1.4, 0.4),
        "job": FieldSpec(base * 1.5, base * 0.85, 2, 1.25, 0.9),
        "organisation": FieldSpec(base * 1.5, base * 0.85, 2, 1.25, 0.6, bold=True),
    }


def _native_lang(text: str) -> str:
    """zh-Hans for Chinese (Simplified glyph forms), ja/ko when kana/hangul say so, else unset."""
    has_han = False
    for ch in text:
        code = ord(ch)
        if 0x3040 <= code <= 0x30FF:
            return "ja"
        if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
            return "ko"
        if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF:
            has_han = True
    return "zh-Hans" if has_han else ""


# ---------------------------------------------------------------- what is printed

def category_labels(category: str) -> tuple[str, str]:
    """(Chinese, English) label of a delegate's category, Other for one no longer known: a badge prints both."""
    known = DelegateCategory.of(category)
    return known.label_in("zh"), known.label_in("en")


def summit_dates(summit: Summit) -> tuple[str, str]:
    """("25–26 September 2024", "2024年9月25日至26日")."""
    start, end = summit.starts_on, summit.ends_on
    if start == end:
        return format_date(start, "d MMMM y", locale="en"), format_date(start, "y年M月d日", locale="zh")
    if (start.year, start.month) == (end.year, end.month):
        en = f"{start.day}–{end.day} {format_date(end, 'MMMM y', locale='en')}"
    else:
        en = format_interval(start, end, "yMMMd", locale="en")
    return en, format_interval(start, end, "yMMMd", locale="zh")


def badge_view(delegate: Delegate, layout: Layout, levels: dict[str, BandLevel] | None = None) -> BadgeView:
    """What one badge prints; ``levels`` (band_levels) saves a query per badge in a batch."""
    title = printable(delegate.title or "")
    given = printable(delegate.given_name)
    family = printable(delegate.family_name)
    native = printable(delegate.native_name)
    organisation = printable(delegate.organisation)
    job = printable(delegate.job_title or "")
    native_lang = _native_lang(native)
    # the family name in capitals, as printed (and measured below)
    parts = (("given", given, direction(given)), ("family", family.upper(), direction(family)))
    if delegate.name_order == NameOrder.FAMILY_FIRST:
        parts = parts[::-1]
    if title:
        parts = (("title", title, direction(title)), *parts)
    # the text as printed, which the model's formal_name also is
    printed_name = " ".join(text for _part, text, _ in parts if text)
    specs = _fields(layout.base_pt)
    name_size, native_size, job_size, organisation_size = fit_fields(measurer(), [
        FieldText(printed_name, specs["name"], rtl=parts[0][2] == "rtl"),
        FieldText(native, specs["native"], lang=native_lang, rtl=direction(native) == "rtl"),
        FieldText(job, specs["job"], rtl=direction(job) == "rtl"),
        # .org's margin is .4em, .2em under a job title (badge.css)
        FieldText(organisation, specs["organisation"] if job else replace(specs["organisation"], space_above=0.8),
                  rtl=direction(organisation) == "rtl"),
    ], layout.inner_width_pt, layout.who_height_pt)
    booking = delegate.booking
    en, zh = country_names(delegate.country)
    category_zh, category_en = category_labels(delegate.category)
    if levels is None:
        levels = band_levels(delegate.summit_id)
    return BadgeView(
        delegate_id=delegate.id,
        title=title,
        title_dir=direction(title),
        name_parts=parts,
        given_name=given,
        given_dir=direction(given),
        family_name=family,
        family_dir=direction(family),
        name_pt=name_size.size_pt,
        name_lines=name_size.lines,
        native_name=native,
        native_lang=native_lang,
        native_dir=direction(native),
        native_pt=native_size.size_pt,
        native_lines=native_size.lines,
        job_title=job,
        job_dir=direction(job),
        job_pt=job_size.size_pt,
        job_lines=job_size.lines,
        organisation=organisation,
        organisation_dir=direction(organisation),
        organisation_pt=organisation_size.size_pt,
        organisation_lines=organisation_size.lines,
        country_en=en,
        country_zh=zh,
        category=DelegateCategory.of(delegate.category).value,
        category_zh=category_zh,
        category_en=category_en,
        route_code=booking.route.code if booking is not None and booking.status == BookingStatus.CONFIRMED else None,
        qr_code=checkin_code(delegate),
        level=levels.get(delegate.protocol_level) or BandLevel.of(None, delegate.protocol_level),
    )


def badge_html(delegates: Sequence[Delegate], summit: Summit, layout: Layout,
               views: Sequence[BadgeView] | None = None) -> str:
    """The badges' own text, sheet by sheet (their frames and QR codes are compose.py's)."""
    if views is None:
        levels = band_levels(summit.id)
        views = [badge_view(d, layout, levels) for d in delegates]
    sheets = [list(zip(views[i:i + layout.per_sheet], range(layout.per_sheet)))
              for i in range(0, len(views), layout.per_sheet)]
    sizes = sorted({pt for v in views for pt in (v.name_pt, v.native_pt, v.job_pt, v.organisation_pt)})
    return render_template("badges/sheets.html", sheets=sheets, layout=layout, summit=summit,
                           font_sizes=[(size_class(pt), repr(float(pt))) for pt in sizes])


def frame_key(view: BadgeView) -> str:
    """Which frame a badge stands on: its level and whether it shows a route (frame.html)."""
    level = view.level
    return f"{level.code}|{level.colour}|{level.pattern}|{'route' if view.route_code else ''}"


def frame_html(summit: Summit, layout: Layout, level: BandLevel, with_route: bool) -> str:
    """What every badge of one level shares, on a page of one badge's size."""
    dates_en, dates_zh = summit_dates(summit)
    return render_template("badges/frame.html", layout=layout.frame(), summit=summit, level=level,
                           with_route=with_route, dates_en=dates_en, dates_zh=dates_zh)


def badge_document(delegates: Sequence[Delegate], summit: Summit, layout: Layout) -> BadgeDocument:
    """One chunk of badges, ready to render anywhere (renderer.render_document)."""
    levels = band_levels(summit.id)
    views = [badge_view(d, layout, levels) for d in delegates]
    frames: dict[str, str] = {}
    slots = []
    positions = layout.positions()
    qr_left, qr_top, qr_side = layout.qr_box()
    for number, view in enumerate(views):
        key = frame_key(view)
        if key not in frames:
            frames[key] = frame_html(summit, layout, view.level, bool(view.route_code))
        x, y = positions[number % layout.per_sheet]
        slots.append(Slot(page=number // layout.per_sheet, frame=key,
                          box=(x, y, layout.badge_width, layout.badge_height),
                          qr_box=(x + qr_left, y + qr_top, qr_side), qr_code=view.qr_code))
    return BadgeDocument(html=badge_html(delegates, summit, layout, views), stylesheets=stylesheet_texts(layout),
                         frame_stylesheets=stylesheet_texts(layout.frame()), frames=frames, slots=slots)


# ---------------------------------------------------------------- rendering

def asset_dir() -> Path:
    return Path(current_app.root_path, current_app.template_folder, "badges", "assets")


def renderer() -> BadgeRenderer:
    """This process's renderer (one FontConfiguration, reused by every badge it prints)."""
    return process_renderer(asset_dir())


def measurer() -> TextMeasurer:
    """Text measured with the renderer's own fonts."""
    return renderer().measurer


def layout_named(name: str | None) -> Layout:
    name = name or DEFAULT_LAYOUT
    if name not in LAYOUTS:
        raise ValidationFailed({"layout": [f"one of {', '.join(LAYOUTS)}"]}, f"unknown badge layout {name!r}")
    return LAYOUTS[name]


def stylesheet_texts(layout: Layout) -> list[tuple[str, str]]:
    """(cache key, CSS) of the badge design and the layout's page rule."""
    design = (asset_dir() / "badge.css").read_text(encoding="utf-8")
    page = render_template("badges/page.css", layout=layout, font_families=_css_families(FONT_FAMILIES),
                           ja_families=_css_families(LANG_FAMILIES["ja"]),
                           ko_families=_css_families(LANG_FAMILIES["ko"]))
    return [("badge.css", design), (f"page:{layout.name}", page)]


def _css_families(families: Sequence[str]) -> str:
    return ", ".join(f'"{f}"' if " " in f else f for f in families)


def _stylesheets(layout: Layout) -> list:
    r = renderer()
    return [r.stylesheet(key, text) for key, text in stylesheet_texts(layout)]


def chunk_size(layout: Layout) -> int:
    """CHUNK_SIZE rounded to whole sheets: a chunk never leaves a half-empty sheet mid-batch."""
    return max(layout.per_sheet, CHUNK_SIZE // layout.per_sheet * layout.per_sheet)


def render_chunk(delegates: Sequence[Delegate], summit: Summit, layout: Layout, target=None):
    """One WeasyPrint document for a few badges, with their frames and QR codes: PDF bytes, or written
    to ``target``."""
    return renderer().render_document(badge_document(delegates, summit, layout), target)


def render_badges(delegates: Sequence[Delegate], layout: str | Layout = DEFAULT_LAYOUT,
                  summit: Summit | None = None) -> bytes:
    """A PDF of these delegates' badges, in this order, rendered now (in the caller's request).

    At most BADGE_SYNC_LIMIT badges (TooManyBadges, 413, beyond): more is a
    batch job's work (badge_jobs), which queues and renders in the background.
    Up to CHUNK_SIZE badges are one WeasyPrint document; more (a limit set
    above it) are rendered chunk by chunk to temporary files and joined, so
    memory does not grow with the number of badges.
    """
    layout = layout if isinstance(layout, Layout) else layout_named(layout)
    delegates = list(delegates)
    if not delegates:
        raise ValidationFailed({"ids": ["no delegates to print"]})
    check_sync_limit(len(delegates))
    if summit is None:
        summit = db.session.get(Summit, delegates[0].summit_id)
    size = chunk_size(layout)
    if len(delegates) <= size:
        return render_chunk(delegates, summit, layout)
    with tempfile.TemporaryDirectory(prefix="summit-badges-") as tmp:
        parts = []
        for start in range(0, len(delegates), size):
            part = Path(tmp) / f"{start:07d}.pdf"
            render_chunk(delegates[start:start + size], summit, layout, part)
            parts.append(part)
        out = Path(tmp) / "badges.pdf"
        merge_pdfs(parts, out)
        return out.read_bytes()


def load_for_badges(ids: Iterable[int]) -> list[Delegate]:
    """These delegates with their route loaded, in the order given (unknown ids are left out)."""
    ids = list(ids)
    rows = db.session.scalars(
        db.select(Delegate).where(Delegate.id.in_(ids))
        .options(selectinload(Delegate.booking).selectinload(RouteBooking.route))
    ).all()
    by_id = {d.id: d for d in rows}
    return [by_id[i] for i in ids if i in by_id]


def record_printed(ids: Iterable[int]) -> None:
    """Stamp the badges as printed now, counting reprints (one UPDATE: concurrent prints add up)."""
    ids = list(ids)
    if not ids:
        return
    stamp = (update(Delegate).where(Delegate.id.in_(ids))
             .values(badge_printed_at=utcnow(), badge_print_count=Delegate.badge_print_count + 1)
             .execution_options(synchronize_session=False))
    if in_writing_block():  # part of a bigger change (handout: printed and audited together)
        db.session.execute(stamp)
        return
    with writing():  # rendering took a while: never upgrade a stale read transaction
        db.session.execute(stamp)
