"""A chunk of badges put together from its parts, in the PDF itself (pikepdf, that is qpdf).

WeasyPrint renders what differs from badge to badge, the delegate's own text.
What every badge of a protocol level shares (the summit's header, the band with
its colour, pattern and name, the route's label) is that level's *frame*: one
small PDF page rendered once, then placed under each of its badges as one
shared form XObject.  The QR code is drawn on top as vector squares, one
rectangle per run of dark modules, straight from the code's matrix.

This halves a badge's cost: the header's and the band's text took WeasyPrint
as long to lay out, for every badge, as the delegate's own, and the QR code as
an image was decoded, re-encoded and drawn per badge.  The printed page is the
same, and sharper: the QR's modules are vectors now, not a scaled bitmap.
"""
from __future__ import annotations

import io
from contextlib import ExitStack
from dataclasses import dataclass

import pikepdf
import segno

from .layouts import MM_TO_PT

#: the QR mask pattern.  Every reader decodes any of the eight; scoring all eight (segno's default, to
#: avoid the rare mask that makes large blocks) cost five times the rest of the encoding.  300 random
#: codes of our length, all with this mask, decoded with zbar at 150 dpi.
QR_MASK = 0
#: modules of quiet zone around the symbol, inside its square
QR_BORDER = 2


@dataclass(frozen=True)
class Slot:
    """One badge on a page of the chunk: where it is, its frame and its QR code (mm from the page's top left)."""

    page: int
    frame: str
    #: the badge's box: left, top, width, height
    box: tuple[float, float, float, float]
    #: the QR code's square: left, top, side
    qr_box: tuple[float, float, float]
    qr_code: str


def qr_form(pdf: pikepdf.Pdf, code: str) -> pikepdf.Stream:
    """The code as a QR symbol in a form XObject, one unit a module, the quiet zone included.

    Medium error correction survives a scuffed badge.
    """
    symbol = segno.make(code, error="m", micro=False, mask=QR_MASK)
    side = symbol.symbol_size(border=QR_BORDER)[0]
    ops = ["0 g"]
    for row_number, row in enumerate(symbol.matrix):
        y = side - QR_BORDER - 1 - row_number  # PDF counts up from the bottom
        x, width = 0, len(row)
        while x < width:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < width and row[x]:
                x += 1
            ops.append(f"{start + QR_BORDER} {y} {x - start} 1 re")
    ops.append("f")
    return pikepdf.Stream(pdf, "\n".join(ops).encode("ascii"), Type=pikepdf.Name.XObject,
                          Subtype=pikepdf.Name.Form, BBox=[0, 0, side, side])


def _rect(page_height: float, left: float, top: float, width: float, height: float) -> pikepdf.Rectangle:
    x0, y0 = left * MM_TO_PT, page_height - (top + height) * MM_TO_PT
    return pikepdf.Rectangle(x0, y0, x0 + width * MM_TO_PT, y0 + height * MM_TO_PT)


def compose(content: bytes, frames: dict[str, bytes], slots: list[Slot], target) -> None:
    """The badges' text pages with each badge's frame under it and its QR code on top, saved to ``target``
    (a path or a binary file)."""
    with ExitStack() as opened:
        pdf = opened.enter_context(pikepdf.open(io.BytesIO(content)))
        # each frame copied once: every badge of the chunk with this frame draws the same object
        forms = {key: pdf.copy_foreign(opened.enter_context(pikepdf.open(io.BytesIO(frame))).pages[0]
                                       .as_form_xobject())
                 for key, frame in frames.items()}
        pages = pdf.pages
        for slot in slots:
            page = pages[slot.page]
            height = float(page.mediabox[3])
            page.add_underlay(forms[slot.frame], _rect(height, *slot.box))
            left, top, side = slot.qr_box
            page.add_overlay(qr_form(pdf, slot.qr_code), _rect(height, left, top, side, side))
        pdf.save(target)
