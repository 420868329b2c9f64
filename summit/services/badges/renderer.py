"""HTML to PDF for badges: WeasyPrint, locked in to the app's own badge assets.

One renderer per process keeps one FontConfiguration (fontconfig's view of the
system fonts: slow to build, cheap to reuse) and the parsed stylesheets.  Its
URL fetcher serves the files of templates/badges/assets/ under ASSET_BASE, and
each badge's QR code as a PNG it draws itself from the code in the URL
(``qr_url``), and refuses everything else: no other URL, no local path, no
data: URI, so nothing a delegate types can pull a file off the server or reach
the network, even if it ever escaped the template's autoescaping.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .text import TextMeasurer

log = logging.getLogger(__name__)

#: not a real host (.invalid can never resolve); only a name for the asset folder
ASSET_BASE = "https://badge-assets.summit.invalid/"
ASSET_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
#: a badge's QR code: ASSET_BASE + "qr/<code>.png", the code as check-in codes are written
#: (URL-safe base64 and dots, checkin.codes.MAX_CODE_LENGTH at most)
#: the QR mask pattern (qr_png)
QR_MASK = 0
QR_PATH = re.compile(r"qr/([A-Za-z0-9_.-]{1,200})\.png")


def qr_png(code: str) -> bytes:
    """The code as a QR symbol, one pixel per module and a two-module quiet zone.

    A bitmap rather than an SVG path: WeasyPrint parsed and drew the path's
    hundreds of segments on every badge (a fifth of a batch's time), while a
    1-pixel-per-module PNG is a few hundred bytes that the PDF stores as is and
    the printer scales up without smoothing (image-rendering: pixelated in
    badge.css), so the modules stay as sharp as the vector ones.  Medium error
    correction survives a scuffed badge.

    The mask is fixed: every reader decodes any of the eight, and scoring all
    eight (what segno does by default, to avoid the rare mask that makes large
    blocks) cost five times the rest of the encoding, a tenth of a badge's
    render.  300 random codes of our length, all with this mask, decoded with
    zbar at 150 dpi.
    """
    out = io.BytesIO()
    segno.make(code, error="m", micro=False, mask=QR_MASK).save(out, kind="png", scale=1, border=2)
    return out.getvalue()


def qr_url(code: str) -> str:
    """Where a badge's QR code is fetched from (relative to ASSET_BASE, as the template writes it)."""
    if not QR_PATH.fullmatch(f"qr/{code}.png"):
        raise ValueError("not a check-in code")
    return f"qr/{code}.png"


class RefusedURL(ValueError):
    pass


class BadgeAssetFetcher(URLFetcher):
    """Serves the badge asset files by name; refuses every other URL."""

    def __init__(self, asset_dir: Path):
        super().__init__(allowed_protocols=())
        self.asset_dir = asset_dir.resolve()
        # The allow-list is the folder's files when the renderer starts: a name, not a path.
        self.assets = {p.name: p for p in self.asset_dir.iterdir()
                       if p.is_file() and p.suffix in ASSET_TYPES}

    def fetch(self, url, headers=None):
        code = self.qr_code(url)
        if code is not None:
            return URLFetcherResponse(url, qr_png(code), {"Content-Type": "image/png"})
        name = self.asset_name(url)
        if name is None:
            log.warning("badge renderer refused to fetch %.200r", url)
            raise RefusedURL(f"badge renderer fetches only its own assets, not {url[:200]!r}")
        path = self.assets[name]
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": ASSET_TYPES[path.suffix]})

    def qr_code(self, url: str) -> str | None:
        if not isinstance(url, str) or not url.startswith(ASSET_BASE):
            return None
        match = QR_PATH.fullmatch(url.removeprefix(ASSET_BASE))
        return match.group(1) if match else None

    def asset_name(self, url: str) -> str | None:
        if not isinstance(url, str) or not url.startswith(ASSET_BASE):
            return None
        parts = urlsplit(url)
        name = unquote(parts.path.removeprefix("/"))
        if parts.query or parts.fragment or name not in self.assets:
            return None
        return name


class BadgeRenderer:
    """WeasyPrint with one font configuration and cached stylesheets.

    WeasyPrint and Pango are not safe to drive from several threads at once
    over one FontConfiguration, so renders take turns (a batch renders in
    chunks, so a badge printed on demand waits for one chunk at most).
    """

    def __init__(self, asset_dir: Path):
        self.font_config = FontConfiguration()
        #: badge text is sized with this renderer's fonts (badge_text.TextMeasurer)
        self.measurer = TextMeasurer(self.font_config)
        self.fetcher = BadgeAssetFetcher(asset_dir)
        self._stylesheets: dict[str, CSS] = {}
        #: WeasyPrint's image cache, kept from one document to the next for the few badge assets
        #: only (decoded once per process); each badge's own QR code is kept for its document
        self._images: dict = {}
        self._asset_keys = {ASSET_BASE + name for name in self.fetcher.assets}
        # RasterImage keeps its bytes under the md5 of its URL (weasyprint.images)
        self._asset_ids = tuple(hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
                                for key in self._asset_keys)
        self._lock = threading.Lock()

    def stylesheet(self, key: str, css_text: str) -> CSS:
        """A parsed stylesheet, cached under ``key`` (the same key must always mean the same text)."""
        sheet = self._stylesheets.get(key)
        if sheet is None:
            sheet = CSS(string=css_text, base_url=ASSET_BASE, url_fetcher=self.fetcher,
                        font_config=self.font_config)
            self._stylesheets[key] = sheet
        return sheet

    def write_pdf(self, html: str, stylesheets: list[CSS], target=None) -> bytes | None:
        with self._lock:
            cache = dict(self._images)
            document = HTML(string=html, base_url=ASSET_BASE, url_fetcher=self.fetcher)
            try:
                return document.write_pdf(target, stylesheets=stylesheets, font_config=self.font_config,
                                          cache=cache)
            finally:
                self._images.update((key, value) for key, value in cache.items()
                                    if key in self._asset_keys or key.startswith(self._asset_ids))


def merge_pdfs(parts: list[Path | bytes], target) -> None:
    """Concatenate PDFs (the chunks of one batch) into ``target`` (a path or a binary file).

    pikepdf (qpdf, in C++) rather than a pure-Python PDF library: joining is
    then a small fraction of the render time, and qpdf reads the parts lazily.
    """
    import pikepdf

    sources = []
    with pikepdf.new() as merged:
        try:
            for part in parts:
                source = pikepdf.open(io.BytesIO(part) if isinstance(part, bytes) else part)
                sources.append(source)
                merged.pages.extend(source.pages)
            merged.save(target, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        finally:
            for source in sources:
                source.close()


_process_renderer: BadgeRenderer | None = None
_process_renderer_lock = threading.Lock()


def process_renderer(asset_dir: Path) -> BadgeRenderer:
    """This process's renderer: one FontConfiguration for every badge the process prints."""
    global _process_renderer
    with _process_renderer_lock:
        if _process_renderer is None:
            _process_renderer = BadgeRenderer(asset_dir)
        return _process_renderer


def render_to_file(html: str, stylesheets: list[tuple[str, str]], asset_dir: str, target: str) -> str:
    """Render one chunk in a helper process of a batch (no Flask, no database: HTML in, PDF file out).

    ``stylesheets`` are (cache key, CSS text) pairs, parsed once per process.
    """
    r = process_renderer(Path(asset_dir))
    r.write_pdf(html, [r.stylesheet(key, text) for key, text in stylesheets], target)
    return target
