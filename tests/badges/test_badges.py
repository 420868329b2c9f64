"""Badges: every script with real glyphs, both layouts, fitted text, and a renderer that fetches nothing."""
from __future__ import annotations

import threading
import unicodedata
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from summit.models.delegate import NAME_MAX, NATIVE_NAME_MAX, ORGANISATION_MAX
from summit.services.badges import documents as badges
from summit.services.badges.renderer import ASSET_BASE, RefusedURL

from support.badge_helpers import (SCRIPTS, decode_qr_codes, in_text,
                                   missing_glyphs, page_sizes_mm, pdf_text, squash)
from support.factories import make_delegate


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_every_script_renders_with_real_glyphs_and_is_in_the_pdf_text(summit, tmp_path):
    delegates = [make_delegate(summit, g, f, n, country=c) for g, f, n, c in SCRIPTS.values()]
    pdf = badges.render_badges(delegates, "a6")

    assert missing_glyphs(pdf) == []
    text = pdf_text(pdf, tmp_path)
    for (script, (given, family, native, _)), d in zip(SCRIPTS.items(), delegates):
        assert in_text(native, text), f"{script} name missing from the PDF text"
        # in the delegate's order: family first for Chinese, Khmer, Mongolian, Vietnamese names (ZHANG Wei)
        first, second = (family.upper(), given) if d.name_order == "family_first" else (given, family.upper())
        assert in_text(f"{first} {second}", text), script
    # scripts whose text extraction is faithful must come back exactly
    for script in ("chinese", "cyrillic", "lao", "khmer", "tamil", "ethiopic", "mongolian_cyrillic", "vietnamese"):
        assert squash(nfc(SCRIPTS[script][2])) in nfc(squash(text)), script
    assert "政府Government" in squash(text) and "中国" in text


def test_the_missing_glyph_check_can_fail(summit, tmp_path):
    # A private-use character no font has: the check must see the empty box.
    pdf = badges.render_badges([make_delegate(summit, native="\ue000\ue001")], "a6")
    assert len(missing_glyphs(pdf)) == 2
    # …and the text check must see a name that is not there
    assert not in_text("ليلى حداد", pdf_text(pdf, tmp_path)) and not in_text("张伟", "张 三")


def test_chinese_uses_simplified_glyph_forms_and_fonts_are_subset_and_embedded(summit, tmp_path):
    import subprocess

    pdf = badges.render_badges([make_delegate(summit, "Wei", "Zhang", "张伟", country="CN")], "a6")
    path = tmp_path / "zh.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    names = [row[0] for row in rows]
    assert any(name.split("+")[1].startswith("Noto-Sans-CJK-SC") for name in names), fonts
    assert not any("CJK-JP" in n or "CJK-TC" in n or "CJK-KR" in n for n in names)
    # every font embedded ("emb") and subset ("sub"): the ABCDEF+ prefix and the yes/yes columns
    assert rows and all(row[-5:-3] == ["yes", "yes"] and "+" in row[0] for row in rows), fonts
    assert len(pdf) < 400_000  # subset: the CJK font alone is 16 MB whole


def test_a6_layout_is_one_badge_per_a6_page(summit, tmp_path):
    delegates = [make_delegate(summit, f"Given{i}", f"Family{i}") for i in range(3)]
    pdf = badges.render_badges(delegates, "a6")
    assert page_sizes_mm(pdf) == [(105.0, 148.0)] * 3
    assert len(decode_qr_codes(pdf, tmp_path, page=2)) == 1


def test_a4_layout_is_four_badges_per_a4_sheet(summit, tmp_path):
    delegates = [make_delegate(summit, f"Given{i}", f"Family{i}") for i in range(5)]
    pdf = badges.render_badges(delegates, "a4-4up")
    assert page_sizes_mm(pdf) == [(210.0, 297.0)] * 2
    first, second = decode_qr_codes(pdf, tmp_path, 1), decode_qr_codes(pdf, tmp_path, 2)
    assert len(first) == 4 and len(second) == 1
    text = pdf_text(pdf, tmp_path)
    assert all(f"FAMILY{i}" in text for i in range(5))


def test_a4_sheet_has_cut_marks_where_the_cuts_go(summit, tmp_path):
    import subprocess

    from PIL import Image

    def dark_at(pdf: bytes, x_mm: float, y_mm: float) -> bool:
        path = tmp_path / "sheet.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", str(path), str(tmp_path / "sheet")],
                       check=True)
        image = Image.open(tmp_path / "sheet.png").convert("L")
        x, y = round(x_mm / 25.4 * 150), round(y_mm / 25.4 * 150)
        return min(image.getpixel((x + dx, y)) for dx in (-1, 0, 1)) < 128

    d = make_delegate(summit)
    sheet = badges.render_badges([d] * 4, "a4-4up")
    # the vertical cut at 105 mm (marks at the top and bottom edges), the horizontal one at 148.5 mm
    assert dark_at(sheet, 105, 5) and dark_at(sheet, 105, 292) and dark_at(sheet, 105, 150)
    assert not dark_at(sheet, 60, 5)
    html6 = badges.badge_html([d], summit, badges.LAYOUTS["a6"])
    assert 'class="cut ' not in html6


def _overflows(delegates, summit, layout_name):
    """Lines of badge text that would be clipped: outside their own box, or their box outside
    the badge's text box (which ends above the QR code and the category band)."""
    from weasyprint import HTML

    layout = badges.LAYOUTS[layout_name]
    r = badges.renderer()
    doc = HTML(string=badges.badge_html(delegates, summit, layout), base_url=ASSET_BASE,
               url_fetcher=r.fetcher).render(stylesheets=badges._stylesheets(layout), font_config=r.font_config)

    def boxes(box):
        box = getattr(box, "_box", box)  # absolutely positioned boxes sit in placeholders
        yield box
        for child in getattr(box, "children", []):
            yield from boxes(child)

    def first(box, css_class):
        return next((b for b in boxes(box) if b.element is not None and b.element_tag != "svg"
                     and css_class in (b.element.get("class") or "").split()), None)

    problems, seen = [], 0
    for page in doc.pages:
        for art in [b for b in boxes(page._page_box) if b.element_tag == "article"]:
            seen += 1
            who = first(art, "who")
            if first(art, "foot") is None or who is None:
                problems.append(("badge split over two pages", art))
                continue
            if who.position_y + who.margin_height() > first(art, "foot").position_y + 0.5:
                problems.append(("text box runs into the QR code", who))
            for css_class in ("name", "native", "org"):
                field = first(who, css_class)
                if field is None:
                    continue
                top, bottom = field.padding_box_y(), field.padding_box_y() + field.padding_height()
                left, right = field.padding_box_x(), field.padding_box_x() + field.padding_width()
                if bottom > who.content_box_y() + who.height + 0.5:
                    problems.append(("too tall for the badge", css_class, field))
                for line in (b for b in boxes(field) if type(b).__name__ == "LineBox"):
                    if line.position_y < top - 0.5 or line.position_y + line.height > bottom + 0.5:
                        problems.append(("line outside its box", css_class, line))
                    for child in line.children:
                        if child.position_x < left - 0.5 or child.position_x + child.margin_width() > right + 0.5:
                            problems.append(("too wide", css_class, line))
    assert seen >= len(delegates)
    return problems


@pytest.mark.parametrize("layout", ["a6", "a4-4up"])
def test_names_of_the_longest_allowed_length_fit_without_clipping(summit, tmp_path, layout):
    long_word = "Wolfeschlegelsteinhausenbergerdorff" * 3
    cases = [
        make_delegate(summit, ("Maximiliana " * 10)[:NAME_MAX].strip(), ("Bergström-Öztürk " * 8)[:NAME_MAX].strip(),
                      ("张" * NATIVE_NAME_MAX), organisation=("International Organisation for Sustainable "
                                                            "Transport Cooperation " * 4)[:ORGANISATION_MAX]),
        make_delegate(summit, long_word[:NAME_MAX], long_word[:NAME_MAX], "ប្រាក់" * 16,
                      organisation="X" * ORGANISATION_MAX, route="R1"),
        make_delegate(summit, "Ánh", "Nguyễn", ("Nguyễn Thị Ngọc Ánh " * 6)[:NATIVE_NAME_MAX],
                      organisation="Bộ Giao thông vận tải " * 9),
        make_delegate(summit, "Sinhala", "Name", ("නිමල් පෙරේරා " * 8)[:NATIVE_NAME_MAX],
                      organisation=("ශ්‍රී ලංකා ප්‍රවාහන අමාත්‍යාංශය " * 7)[:ORGANISATION_MAX]),
    ]
    assert _overflows(cases, summit, layout) == []
    pdf = badges.render_badges(cases, layout)
    assert missing_glyphs(pdf) == []
    text = nfc(squash(pdf_text(pdf, tmp_path)))
    assert squash(long_word[:NAME_MAX].upper()) in text
    assert "张" * NATIVE_NAME_MAX in text


def test_the_overflow_check_can_fail(summit, monkeypatch):
    # Forcing the largest type onto the longest name must be caught.
    from summit.services.badges.text import Fitted

    monkeypatch.setattr(badges, "fit_fields", lambda measurer, fields, width, height: [
        Fitted(f.spec.largest_pt, f.spec.lines) for f in fields])
    d = make_delegate(summit, "Maximiliana " * 8, "Bergström " * 9, "张" * 100, organisation="X " * 100)
    assert _overflows([d], summit, "a6")


def test_short_names_print_large_and_long_ones_smaller(summit):
    layout = badges.LAYOUTS["a6"]
    short = badges.badge_view(make_delegate(summit, "Li", "Na"), layout)
    long = badges.badge_view(make_delegate(summit, "Maximiliana Josephina", "Bergström-Öztürk y Santos"), layout)
    assert short.name_pt > long.name_pt >= layout.base_pt * 1.1


def test_badge_shows_the_route_only_when_confirmed_and_the_category_in_both_languages(summit, tmp_path):
    confirmed = make_delegate(summit, "Carla", "Confirmed", route="R2", category="media")
    waiting = make_delegate(summit, "Walter", "Waiting", route="R3", route_status="waitlisted",
                            category="academia", country="TW")
    pdf = badges.render_badges([confirmed, waiting], "a6")
    from io import BytesIO

    from pypdf import PdfReader

    pages = [squash(p.extract_text()) for p in PdfReader(BytesIO(pdf)).pages]
    assert "R2" in pages[0] and "媒体Media" in pages[0]
    assert "R3" not in pages[1] and "学术与智库Academia&thinktank" in pages[1]
    assert "Taiwan,China" in pages[1] and "中国台湾" in pages[1]


# ---------------------------------------------------------------- safety

class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.end_headers()
        self.wfile.write(b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    _Recorder.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _Recorder.hits
    server.shutdown()


def test_the_listener_does_see_a_fetch(listener):
    # Proves the listener below would notice one: a plain fetch reaches it.
    import urllib.request

    url, hits = listener
    urllib.request.urlopen(url + "/probe").read()
    assert hits == ["/probe"]


def test_names_carrying_markup_and_urls_print_literally_and_fetch_nothing(summit, listener, tmp_path):
    url, hits = listener
    given = f'<img src="{url}/given.svg">'
    family = "<b>Bold</b>&amp;"
    native = '<link rel="stylesheet" href="file:///etc/passwd">'
    organisation = (f'<style>@import url({url}/style.css);</style>'
                    f'<img src="file:///etc/hostname"><object data="{url}/o"></object>')
    d = make_delegate(summit, given, family, native, organisation=organisation)
    pdf = badges.render_badges([d], "a4-4up")
    assert hits == []
    text = squash(pdf_text(pdf, tmp_path))
    for literal in (given, family.upper(), native, organisation):
        assert squash(literal) in text
    assert "root:" not in text


def test_the_renderer_itself_refuses_every_url_but_its_own_assets(listener, app):
    url, hits = listener
    r = badges.renderer()
    for bad in (f"{url}/x.svg", "file:///etc/passwd", "data:image/svg+xml,<svg/>",
                ASSET_BASE + "../../../etc/passwd", ASSET_BASE + "%2e%2e/badge.css",
                ASSET_BASE + "badge.css?x=1", "https://badge-assets.summit.invalid.evil.example/badge.css",
                str(badges.asset_dir() / "badge.css")):
        with pytest.raises(RefusedURL):
            r.fetcher.fetch(bad)
    assert b"<svg" in r.fetcher.fetch(ASSET_BASE + "summit-mark.svg").read()
    # Even raw markup (no escaping at all) reaches nothing through the renderer.
    raw = (f'<p>x</p><img src="{url}/raw.svg"><img src="file:///etc/hostname">'
           f'<link rel="stylesheet" href="{url}/raw.css"><p style="background: url({url}/bg.png)">y</p>')
    pdf = r.write_pdf(raw, [])
    assert pdf.startswith(b"%PDF") and hits == []


def test_a_summit_renamed_the_night_before_is_on_the_next_badge(summit, tmp_path):
    # The header is the level's frame, kept by the renderer: kept by its HTML, so a new name is a new frame.
    from summit.plumbing.extensions import db

    d = make_delegate(summit)
    assert "GlobalSustainableTransportForum" in squash(pdf_text(badges.render_badges([d]), tmp_path))
    summit.name_en = "Global Sustainable Mobility Summit"
    db.session.commit()
    text = squash(pdf_text(badges.render_badges([d]), tmp_path))
    assert "GlobalSustainableMobilitySummit" in text and "GlobalSustainableTransportForum" not in text
