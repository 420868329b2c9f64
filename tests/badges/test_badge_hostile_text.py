"""Delegate text cannot deface a badge (issue 12, finding 11).

Hostile text (100 × U+FDFD, stacked combining marks, bidi overrides, names far past
any sane length) is rendered beside a benign version of the same delegate (same QR
code); the two PDFs are rasterised and compared.  Everything outside the badge's
delegate-text box must be pixel-identical: the header, the QR code, the country,
the band, and every other badge of the 4-up sheet.  The QR codes must still decode,
no glyph may be missing, and legitimate names, however long, must never be clipped.
"""
from __future__ import annotations

import re

import subprocess
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from summit.plumbing.extensions import db
from summit.models import Summit
from summit.models.delegate import NAME_MAX, NATIVE_NAME_MAX, ORGANISATION_MAX
from summit.services.badges import documents as badges
from summit.services.badges.renderer import ASSET_BASE
from summit.services.badges.text import Fitted
from summit.services.checkin.codes import checkin_code

from support.badge_helpers import SCRIPTS, decode_qr_codes, missing_glyphs, pdf_text, squash
from support.factories import make_delegate

DPI = 100
MM = DPI / 25.4

#: (given, family, native, organisation): each tries one way to escape the badge's boxes
HOSTILE = {
    "bismillah ligatures": ("Ada", "Lovelace", "\ufdfd" * 100, "Ministry of Transport"),
    "stacked marks": ("Za" + "\u0301\u0300\u0302\u0303\u0308" * 12 + "lgo", "Stack" + "\u030a" * 60,
                      "Z" + "\u0336\u0334\u0303\u0342" * 15, "O" + "\u0489" * 60 + "rg"),
    "marks above the first line": ("\u0300" * 60 + "Top", "Mark", "\u0f7e" * 60, "\u0313" * 60),
    "bidi overrides": ("\u202eNIMDA\u202c", "\u2067Smith", "\u202bليلى\u202e حداد", "Evil\u202e.gro.kcatta\u202c Corp"),
    "long latin": ("Maximiliana" * 9, "Bergström-Öztürk" * 6, "Wolfeschlegelsteinhausen" * 4,
                   "International Organisation for Sustainable Transport " * 4),
    "long cjk": ("Wei", "Zhang", "张伟中华人民共和国交通运输部" * 8, "中华人民共和国交通运输部综合规划司" * 12),
    "long arabic": ("Layla", "Haddad", "ليلى حداد " * 10, "وزارة النقل والمواصلات في المملكة الأردنية الهاشمية " * 4),
    "long devanagari": ("Priya", "Sharma", "प्रिया शर्मा " * 9, "सड़क परिवहन और राजमार्ग मंत्रालय भारत सरकार " * 5),
    "one huge word": ("W" * 100, "M" * 100, "\ufdfa" * 100, "\ufdfd" * 200),
}

BENIGN = ("Ada", "Lovelace", "", "Ministry")


def _images(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    stem = tmp_path / "page"
    for old in tmp_path.glob("page-*.png"):
        old.unlink()
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(tmp_path / "doc.pdf"), str(stem)], check=True)
    return [Image.open(p).convert("L") for p in sorted(tmp_path.glob("page-*.png"))]


def stored(given: str, family: str, native: str, organisation: str) -> tuple[str, str, str, str]:
    """The text as the database can hold it: no longer than its column (PostgreSQL refuses more)."""
    return given[:NAME_MAX], family[:NAME_MAX], native[:NATIVE_NAME_MAX], organisation[:ORGANISATION_MAX]


def _with_text(delegates, texts):
    for d, text in zip(delegates, texts):
        d.given_name, d.family_name, d.native_name, d.organisation = stored(*text)


#: job titles the badge prints between the name and the organisation, in several scripts and lengths
JOBS = ["Director-General, Department of Comprehensive Planning and International Cooperation",
        "综合规划司司长", "مدير عام النقل البري", "Заместитель директора департамента", "अपर सचिव", ""]


def _people(summit, texts):
    people = []
    for number, text in enumerate(texts):
        given, family, native, organisation = stored(*text)
        person = make_delegate(summit, given, family, native, organisation=organisation)
        person.job_title = JOBS[number % len(JOBS)]
        people.append(person)
    db.session.commit()
    return people


def _render(delegates, layout_name: str, extra_css: str = "") -> bytes:
    """The badges as render_badges makes them (text, frames and QR codes), with an extra stylesheet on top
    of the text's."""
    layout = badges.LAYOUTS[layout_name]
    summit = db.session.get(Summit, delegates[0].summit_id)
    document = badges.badge_document(delegates, summit, layout)
    if extra_css:
        document = replace(document, stylesheets=[*document.stylesheets, (f"test:{extra_css}", extra_css)])
    return badges.renderer().render_document(document)


def _text_boxes_px(layout_name: str, page_count: int) -> list[list[tuple[int, int, int, int]]]:
    """Per page, the delegate-text box of each badge in pixels (left, top, right, bottom)."""
    layout = badges.LAYOUTS[layout_name]
    left, top, width, height = layout.boxes()["who"]
    return [[(round((x + left) * MM) - 1, round((y + top) * MM) - 1,
              round((x + left + width) * MM) + 1, round((y + top + height) * MM) + 1)
             for x, y in layout.positions()] for _ in range(page_count)]


def _differences_outside(a: Image.Image, b: Image.Image, allowed: list[tuple[int, int, int, int]]) -> list:
    """Pixels where the two renders differ, other than inside the allowed boxes."""
    diff = ImageChops.difference(a, b)
    mask = Image.new("L", diff.size, 255)
    for box in allowed:
        mask.paste(0, box)
    outside = ImageChops.multiply(diff.point(lambda v: 255 if v > 24 else 0), mask)
    bbox = outside.getbbox()
    return [] if bbox is None else [tuple(round(v / MM, 1) for v in bbox)]  # in mm, for the message


@pytest.fixture
def hostile_delegates(summit):
    people = [make_delegate(summit, *BENIGN[:3], organisation=BENIGN[3], route="R1" if i % 2 else None)
              for i in range(len(HOSTILE))]
    return people


@pytest.mark.parametrize("layout_name", ["a4-4up", "a6"])
def test_hostile_text_changes_nothing_outside_the_delegates_text_box(summit, hostile_delegates, layout_name,
                                                                     tmp_path):
    people = hostile_delegates
    benign_pdf = badges.render_badges(people, layout_name)
    _with_text(people, HOSTILE.values())
    db.session.commit()
    hostile_pdf = badges.render_badges(people, layout_name)

    benign, hostile = _images(benign_pdf, tmp_path / "benign"), _images(hostile_pdf, tmp_path / "hostile")
    # not one page more: no text spills onto a page of its own
    assert len(hostile) == len(benign) == -(-len(people) // badges.LAYOUTS[layout_name].per_sheet)
    allowed = _text_boxes_px(layout_name, len(benign))
    for number, (a, b) in enumerate(zip(benign, hostile), start=1):
        assert _differences_outside(a, b, allowed[number - 1]) == [], f"page {number}: drawn outside the text box"
    # …and the text box really did change (the comparison can see text)
    assert any(ImageChops.difference(a, b).getbbox() for a, b in zip(benign, hostile))

    # every QR code still decodes, to its own delegate's code, on every page
    codes = [checkin_code(d) for d in people]
    decoded = [code for page in range(1, len(hostile) + 1) for code in decode_qr_codes(hostile_pdf, tmp_path, page)]
    assert sorted(decoded) == sorted(codes)
    assert missing_glyphs(hostile_pdf) == []


def test_the_comparison_sees_text_drawn_outside_its_box(summit, hostile_delegates, tmp_path, monkeypatch):
    # Control: unclipped, and at the largest sizes (no fitting), the ligatures run over the QR code.
    people = hostile_delegates[:4]
    unclipped = ".badge, .who, .native, .name, .job, .org { overflow: visible !important }"
    benign = _images(_render(people, "a4-4up", unclipped), tmp_path / "benign")
    _with_text(people[:1], [HOSTILE["bismillah ligatures"]])
    monkeypatch.setattr(badges, "fit_fields", lambda measurer, fields, width, height: [
        Fitted(f.spec.largest_pt, f.spec.lines) for f in fields])
    hostile = _images(_render(people, "a4-4up", unclipped), tmp_path / "hostile")
    assert _differences_outside(benign[0], hostile[0], _text_boxes_px("a4-4up", 1)[0])


LEGITIMATE = [
    *[(g, f, n, "Ministry of Transport") for g, f, n, _ in SCRIPTS.values()],
    ("Nguyễn Thị Ngọc", "Ánh Hồ Quỳnh Hương", "ẤẦẨẪẬ ỐỒỔỖỘ ỨỪỬỮỰ", "Bộ Giao thông vận tải"),
    ("Tenzin", "Gyatso", "བསྟན་འཛིན་རྒྱ་མཚོ། སྒྲུབ་བརྒྱུད་", "Central Tibetan Administration"),
    ("Aung", "San", "အောင်ဆန်းစုကြည် ဗိုလ်ချုပ်", "ပြည်ထောင်စုသမ္မတ မြန်မာနိုင်ငံ"),
    ("Maximiliana Josephina", "Bergström-Öztürk y Santos", "", "Organisation " * 15),
    ("Wei", "Zhang", "张伟" * 50, "中华人民共和国交通运输部综合规划司" * 5),
    ("Layla", "Haddad", "ليلى حداد " * 10, "وزارة النقل " * 15),
    ("Priya", "Sharma", "प्रिया शर्मा " * 9, "सड़क परिवहन और राजमार्ग मंत्रालय " * 6),
]


def test_legitimate_names_of_every_script_and_length_are_never_clipped(summit, tmp_path):
    # The boxes clip only what no real name needs: with clipping off, the PDF looks the same.
    people = _people(summit, LEGITIMATE)
    unclipped = ".badge, .head, .who, .foot, .band, .name, .native, .job, .org { overflow: visible !important }"
    clipped_pdf = _render(people, "a6")
    clipped = _images(clipped_pdf, tmp_path / "clipped")
    plain = _images(_render(people, "a6", unclipped), tmp_path / "plain")
    for number, (a, b) in enumerate(zip(clipped, plain), start=1):
        assert ImageChops.difference(a, b).point(lambda v: 255 if v > 24 else 0).getbbox() is None, \
            f"page {number} ({LEGITIMATE[number - 1][0]}): something real was clipped"
    assert missing_glyphs(clipped_pdf) == []
    # whole, where text extraction is faithful (complex scripts: see badge_helpers.in_text)
    text = squash(pdf_text(clipped_pdf, tmp_path))
    for entry, person in zip(LEGITIMATE[-4:-2], people[-4:-2]):  # Latin, Chinese
        given, family, native, organisation = stored(*entry)
        # in the delegate's order: the Chinese name (native in Han) is family first, ZHANG Wei
        written = f"{family.upper()} {given}" if person.name_order == "family_first" else f"{given} {family.upper()}"
        for name in (written, native, organisation):
            assert squash(name) in text, name[:30]


def test_bidi_controls_cannot_reorder_what_a_badge_says(summit, tmp_path):
    admin = make_delegate(summit, "\u202eNIMDA\u202c", "Smith", organisation="Evil\u202e.gro.kcatta\u202c Corp")
    open_override = make_delegate(summit, "Ada\u202e", "Lovelace\u2067", "ليلى حداد",
                                  organisation="\u202bEvil Corp")
    text = squash(pdf_text(badges.render_badges([admin, open_override], "a6"), tmp_path))
    assert "NIMDA" in text and "ADMIN" not in text
    assert "Evil.gro.kcattaCorp" in text and "attack.org" not in text
    # an override left open in one field cannot reach the next one
    assert "AdaLOVELACE" in text and "EvilCorp" in text
    html = badges.badge_html([open_override], summit, badges.LAYOUTS["a6"])
    assert re.search(r'class="native fs-[0-9_]+" dir="rtl"', html) and re.search(r'class="org fs-[0-9_]+" dir="ltr"', html)
    for control in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert control not in html


def test_sizes_are_measured_with_the_fonts_that_print_them(summit):
    """The line counts the fitting predicts are the ones WeasyPrint lays out.

    Exactly for real names; for words longer than a line, WeasyPrint (overflow-wrap:
    anywhere) may pack a line tighter than Pango's own wrapping predicts: fewer lines,
    never more.
    """
    from weasyprint import HTML

    people = _people(summit, [*LEGITIMATE, *HOSTILE.values()])
    layout = badges.LAYOUTS["a6"]
    r = badges.renderer()
    doc = HTML(string=badges.badge_html(people, summit, layout), base_url=ASSET_BASE,
               url_fetcher=r.fetcher).render(stylesheets=badges._stylesheets(layout), font_config=r.font_config)

    def walk(box):
        box = getattr(box, "_box", box)
        yield box
        for child in getattr(box, "children", []):
            yield from walk(child)

    for number, (person, page) in enumerate(zip(people, doc.pages)):
        view = badges.badge_view(person, layout)
        predicted = {"name": view.name_lines, "native": view.native_lines, "job": view.job_lines, "org": view.organisation_lines}
        for css_class, lines in predicted.items():
            field = next((b for b in walk(page._page_box) if b.element is not None
                          and css_class in (b.element.get("class") or "").split()
                          and type(b).__name__ == "BlockBox"), None)
            laid_out = 0 if field is None else sum(1 for b in walk(field) if type(b).__name__ == "LineBox")
            if number < len(LEGITIMATE):
                assert laid_out == lines, (person.given_name[:20], css_class, laid_out, lines)
            else:
                assert laid_out <= lines, (person.given_name[:20], css_class, laid_out, lines)
