"""The badge band is the protocol level's (issue 14, item 3): its colour AND a pattern that still reads
in greyscale, with the level's name on it; the category stays on the badge as text.

The greyscale check rasterises real badges with pdftoppm -gray and compares the bands' pattern areas;
its control is two badges of one level, whose bands must come out the same.
"""
from __future__ import annotations

import itertools
import subprocess
from io import BytesIO

import pytest
from PIL import Image, ImageChops, ImageStat

from support.badge_helpers import pdf_text, squash
from support.factories import make_delegate
from summit.services.accreditation import levels
from summit.services.badges import documents as badges

DPI = 100
MM = DPI / 25.4


def one_per_level(summit):
    made = {}
    for level in levels.levels(summit):
        d = make_delegate(summit, "Ada", "Lovelace", country="GB", category="enterprise")
        levels.set_protocol(d, {"protocol_level": level.code}, None)
        made[level.code] = d
    return made


def grey_pages(pdf: bytes, tmp_path, stem: str) -> list[Image.Image]:
    path = tmp_path / f"{stem}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-gray", "-png", "-r", str(DPI), str(path), str(tmp_path / stem)], check=True)
    return [Image.open(p).convert("L") for p in sorted(tmp_path.glob(f"{stem}-*.png"))]


def band_pattern(page: Image.Image, layout) -> Image.Image:
    """The band's left end, beside the label's plate: only the colour and the pattern are there."""
    left, top, width, height = layout.boxes()["band"]
    box = (left + 1.5, top + 1.5, left + 16, top + height - 1.5)
    return page.crop(tuple(round(v * MM) for v in box))


def test_each_level_prints_its_colour_pattern_and_name_and_the_category_as_text(summit, tmp_path):
    people = one_per_level(summit)
    # each level's band is in its frame, drawn under every badge of the level (compose.py)
    document = badges.badge_document(list(people.values()), summit, badges.LAYOUTS["a6"])
    html = "".join(document.frames.values())
    assert len(document.frames) == len(people)
    for level in levels.levels(summit):
        band = f'class="band band-{level.badge_pattern}" data-level="{level.code}" ' \
               f'style="background-color: {level.badge_colour}"'
        assert band in html, level.code
    patterns = [level.badge_pattern for level in levels.levels(summit)]
    assert len(set(patterns)) == len(patterns)  # the summit file gives every level its own pattern
    pages = [squash(text) for text in pdf_text(badges.render_badges(list(people.values()), "a6"), tmp_path)
             .split("\f") if text.strip()]
    for page, level in zip(pages, people):
        named = next(lv for lv in levels.levels(summit) if lv.code == level)
        assert squash(f"{named.name_zh}{named.name_en}") in page, level
        assert "企业Enterprise" in page  # the category, still on the badge


@pytest.mark.parametrize("layout_name", ["a6", "a4-4up"])
def test_the_levels_bands_stay_apart_in_greyscale(summit, tmp_path, layout_name):
    people = one_per_level(summit)
    twin = make_delegate(summit, "Ada", "Lovelace", country="GB")
    levels.set_protocol(twin, {"protocol_level": "delegate"}, None)
    order = [*people.values(), twin]
    layout = badges.LAYOUTS[layout_name]
    pages = grey_pages(badges.render_badges(order, layout), tmp_path, layout_name)
    bands = []
    for index in range(len(order)):
        page = pages[index // layout.per_sheet]
        x, y = layout.positions()[index % layout.per_sheet]
        badge = page.crop(tuple(round(v * MM) for v in (x, y, x + layout.badge_width, y + layout.badge_height)))
        bands.append(band_pattern(badge, layout))

    def difference(a: Image.Image, b: Image.Image) -> float:
        return ImageStat.Stat(ImageChops.difference(a, b.resize(a.size))).mean[0]

    # the control: one level's band twice is the same picture, so a difference below is the pattern's
    assert difference(bands[list(people).index("delegate")], bands[-1]) < 3
    codes = list(people)
    for (i, a), (j, b) in itertools.combinations(enumerate(bands[:-1]), 2):
        assert difference(a, b) > 12, (codes[i], codes[j], difference(a, b))
    # and a pattern is a texture, not a shade: every level but the solid one varies across its band
    for code, band in zip(codes, bands):
        spread = ImageStat.Stat(band).stddev[0]
        pattern = next(lv.badge_pattern for lv in levels.levels(summit) if lv.code == code)
        assert (spread < 4) if pattern == "solid" else (spread > 15), (code, spread)


def test_a_light_level_colour_gets_dark_ink_and_a_dark_one_white(summit):
    assert badges._ink("#b8860b") == "#14231f" and badges._ink("#ffffff") == "#14231f"
    assert badges._ink("#1f5fa8") == "#fff" and badges._ink("#c62828") == "#fff"
