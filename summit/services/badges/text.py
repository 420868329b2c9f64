"""Delegate text on a badge: made safe to print, and sized with the fonts that will print it.

Two jobs, both about text a delegate typed (and that may already be in the
database, whatever the input checks of the day refuse):

- ``printable(text)``: the text as a badge shows it.  Bidi embeddings,
  overrides and isolates are dropped (``"\\u202eNIMDA\\u202c"`` would print as
  "ADMIN"), control characters become spaces, white space collapses as CSS
  collapses it, and a letter keeps at most MAX_MARKS_PER_BASE combining marks
  (no real script stacks more; "zalgo" text stacks dozens).
- ``TextMeasurer``: how many lines a text takes at a size in a width, measured
  by Pango through WeasyPrint's own font map: the same font fallback (a name's
  Arabic letters come from Noto Sans Arabic, its Han from Noto Sans CJK), the
  same HarfBuzz shaping and the same line breaking as the PDF gets, so a size
  chosen here is the size that fits when printed.  ``fit_fields`` then picks the
  largest sizes at which a badge's name, native name and organisation fit their
  box.  Whatever still does not fit at the smallest size is clipped by the
  badge's boxes (badge.css), never drawn over the QR code or the next badge.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

from weasyprint.text.constants import PANGO_DIRECTION, PANGO_WRAP_MODE
from weasyprint.text.ffi import TO_UNITS, ffi, gobject, pango

#: combining marks kept on one letter: Vietnamese needs 2, Tibetan and Hebrew with
#: cantillation up to about 4; past this it is decoration, not a name
MAX_MARKS_PER_BASE = 8

#: U+202A–202E (embeddings, overrides, their pop) and U+2066–2069 (isolates):
#: they reorder the text around them, so a badge never obeys them
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: the white space CSS collapses (white-space: normal); NBSP and U+3000 are kept
_CSS_SPACE = re.compile("[ \t\n\r\f]+")

#: the badge's font families, in fallback order; page.css is made from these too,
#: so what is measured here is what WeasyPrint draws
FONT_FAMILIES = ("Noto Sans", "Noto Sans CJK SC", "Noto Sans Arabic", "Noto Sans Thai", "Noto Sans Lao",
                 "Noto Sans Khmer", "Noto Sans Sinhala", "Noto Sans Tamil", "Noto Sans Devanagari",
                 "Noto Sans Ethiopic", "Noto Sans Mongolian", "Noto Sans Hebrew", "Noto Sans Armenian",
                 "Noto Sans Georgian", "Noto Sans Bengali", "Noto Sans Myanmar", "Noto Sans Tibetan",
                 "Noto Sans Gujarati", "Noto Sans Gurmukhi", "Noto Sans Kannada", "Noto Sans Malayalam",
                 "Noto Sans Telugu", "Noto Sans Oriya", "sans-serif")
#: Japanese and Korean names take their own CJK forms (badge.css :lang rules)
LANG_FAMILIES = {"ja": ("Noto Sans", "Noto Sans CJK JP", "sans-serif"),
                 "ko": ("Noto Sans", "Noto Sans CJK KR", "sans-serif")}

#: CSS px per pt: WeasyPrint lays out in px (1px = 0.75pt)
_PX_PER_PT = 4 / 3


def printable(text: str | None) -> str:
    """The text as a badge prints it (see the module's docstring)."""
    text = unicodedata.normalize("NFC", text or "")
    text = _BIDI_CONTROLS.sub("", text)
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    text = _CSS_SPACE.sub(" ", text).strip()
    out, marks = [], 0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me"):
            marks += 1
            if marks > MAX_MARKS_PER_BASE:
                continue
        else:
            marks = 0
        out.append(ch)
    return "".join(out)


def direction(text: str) -> str:
    """``rtl`` or ``ltr``: the direction of the first strong character (HTML's dir="auto")."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


class TextMeasurer:
    """Lines and widths of text as WeasyPrint will set it, from one FontConfiguration.

    Pango objects are not safe to share between threads, so measurements take
    turns (they are fast: tens of microseconds for a name).
    """

    def __init__(self, font_config):
        self._font_config = font_config  # keeps the font map alive
        self._font_map = font_config.font_map
        self._lock = threading.Lock()
        self._cache: dict[tuple, tuple[int, float]] = {}

    def measure(self, text: str, size_pt: float, width_pt: float, *, bold: bool = False,
                lang: str = "", rtl: bool = False) -> tuple[int, float]:
        """(lines, widest line in pt) of ``text`` wrapped to ``width_pt`` at ``size_pt``.

        Lines break between words, and inside a word too long for a line
        (badge.css: ``overflow-wrap: anywhere``), as WeasyPrint breaks them.
        """
        if not text:
            return 0, 0.0
        key = (text, round(size_pt, 3), round(width_pt, 3), bold, lang, rtl)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        with self._lock:
            result = self._measure(text, size_pt, width_pt, bold, lang, rtl)
        if len(self._cache) > 20000:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _measure(self, text, size_pt, width_pt, bold, lang, rtl) -> tuple[int, float]:
        context = ffi.gc(pango.pango_font_map_create_context(self._font_map), gobject.g_object_unref)
        pango.pango_context_set_round_glyph_positions(context, False)
        pango.pango_context_set_base_dir(context, PANGO_DIRECTION["rtl" if rtl else "ltr"])
        if lang:
            pango.pango_context_set_language(context, pango.pango_language_from_string(lang.encode()))
        description = ffi.gc(pango.pango_font_description_new(), pango.pango_font_description_free)
        families = LANG_FAMILIES.get(lang, FONT_FAMILIES)
        family_bytes = ",".join(families).encode()
        pango.pango_font_description_set_family(description, family_bytes)
        pango.pango_font_description_set_weight(description, 700 if bold else 400)
        pango.pango_font_description_set_absolute_size(description, int(size_pt * _PX_PER_PT * TO_UNITS))
        layout = ffi.gc(pango.pango_layout_new(context), gobject.g_object_unref)
        pango.pango_layout_set_auto_dir(layout, False)
        pango.pango_layout_set_font_description(layout, description)
        pango.pango_layout_set_wrap(layout, PANGO_WRAP_MODE["WRAP_WORD_CHAR"])
        pango.pango_layout_set_width(layout, int(width_pt * _PX_PER_PT * TO_UNITS))
        encoded = text.encode()
        pango.pango_layout_set_text(layout, encoded, len(encoded))
        extents = ffi.new("PangoRectangle *")
        lines, widest = 0, 0.0
        while True:
            line = pango.pango_layout_get_line_readonly(layout, lines)
            if line == ffi.NULL:
                break
            pango.pango_layout_line_get_extents(line, ffi.NULL, extents)
            widest = max(widest, extents.width / TO_UNITS / _PX_PER_PT)
            lines += 1
        return lines, widest


@dataclass(frozen=True)
class FieldSpec:
    """How one text of the badge may be set: its sizes, its lines, its box."""

    #: the size it prints at when there is room, and the smallest it normally goes
    largest_pt: float
    smallest_pt: float
    #: lines it should fit in at a size between those two
    lines: int
    #: line-height (badge.css), and the space above the field, in em of its own size
    line_height: float
    space_above: float = 0.0
    bold: bool = False


#: the size below which text is not shrunk further: what remains is clipped by its box
FLOOR_PT = 4.0


@dataclass(frozen=True)
class FieldText:
    text: str
    spec: FieldSpec
    lang: str = ""
    rtl: bool = False


@dataclass(frozen=True)
class Fitted:
    size_pt: float
    lines: int


def _height(spec: FieldSpec, size: float, lines: int) -> float:
    if not lines:
        return 0.0
    return size * (lines * spec.line_height + spec.space_above)


def fit_fields(measurer: TextMeasurer, fields: list[FieldText], width_pt: float,
               height_pt: float) -> list[Fitted]:
    """The size of each field, so that all of them fit ``width_pt`` × ``height_pt``.

    Each field gets the largest size in its range at which it takes at most its
    lines.  A text too long for that at its smallest size takes more lines; if
    the fields then overflow the box, those over their lines shrink further, in
    steps, down to FLOOR_PT.  Sizes are on a 0.1 pt grid.
    """
    # A hair narrower than the box: Pango's widths are exact, but the PDF's may round.
    width = width_pt * 0.995

    def fits(field: FieldText, size: float) -> tuple[bool, int]:
        lines, widest = measurer.measure(field.text, size, width, bold=field.spec.bold,
                                         lang=field.lang, rtl=field.rtl)
        return lines <= field.spec.lines and widest <= width, lines

    sizes, lines = [], []
    for field in fields:
        spec = field.spec
        if not field.text:
            sizes.append(spec.largest_pt)
            lines.append(0)
            continue
        ok, n = fits(field, spec.largest_pt)
        if ok:
            sizes.append(spec.largest_pt)
            lines.append(n)
            continue
        ok, n_small = fits(field, spec.smallest_pt)
        if not ok:
            sizes.append(spec.smallest_pt)
            lines.append(n_small)
            continue
        # the largest size that fits: binary search on a 0.1 pt grid
        low, high = round(spec.smallest_pt * 10), round(spec.largest_pt * 10)  # low fits, high does not
        best = n_small
        while high - low > 1:
            mid = (low + high) // 2
            ok, n = fits(field, mid / 10)
            if ok:
                low, best = mid, n
            else:
                high = mid
        sizes.append(low / 10)
        lines.append(best)

    def total() -> float:
        return sum(_height(f.spec, s, n) for f, s, n in zip(fields, sizes, lines))

    # Too much text for the box even at the smallest sizes: shrink what is over its lines.
    for _ in range(40):
        if total() <= height_pt:
            break
        over = [i for i, (f, n) in enumerate(zip(fields, lines)) if n > f.spec.lines and sizes[i] > FLOOR_PT]
        if not over:
            over = [i for i, f in enumerate(fields) if f.text and sizes[i] > FLOOR_PT]
        if not over:
            break
        for i in over:
            sizes[i] = max(FLOOR_PT, round(sizes[i] * 0.9, 1))
            lines[i], widest = measurer.measure(fields[i].text, sizes[i], width, bold=fields[i].spec.bold,
                                                lang=fields[i].lang, rtl=fields[i].rtl)
    return [Fitted(s, n) for s, n in zip(sizes, lines)]
