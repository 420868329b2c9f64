"""HTML to PDF for badges: WeasyPrint, locked in to the app's own badge assets.

One renderer per process keeps one FontConfiguration (fontconfig's view of the
system fonts: slow to build, cheap to reuse), the parsed stylesheets and the
rendered badge frames (compose.py).  Its URL fetcher serves the files of
templates/badges/assets/ under ASSET_BASE and refuses everything else: no other
URL, no local path, no data: URI, so nothing a delegate types can pull a file
off the server or reach the network, even if it ever escaped the template's
autoescaping.
"""
from __future__ import annotations

import hashlib
import io
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .compose import Slot, compose
from .text import TextMeasurer

log = logging.getLogger(__name__)

#: not a real host (.invalid can never resolve); only a name for the asset folder
ASSET_BASE = "https://badge-assets.summit.invalid/"
ASSET_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
#: frames kept per process (a summit has a handful of levels, each with and without a route)
FRAME_CACHE_SIZE = 64


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
        name = self.asset_name(url)
        if name is None:
            log.warning("badge renderer refused to fetch %.200r", url)
            raise RefusedURL(f"badge renderer fetches only its own assets, not {url[:200]!r}")
        path = self.assets[name]
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": ASSET_TYPES[path.suffix]})

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
        #: (decoded once per process)
        self._images: dict = {}
        self._asset_keys = {ASSET_BASE + name for name in self.fetcher.assets}
        #: rendered frames (compose.py), by their HTML and stylesheets: a summit renamed the night before
        #: makes new HTML, so a frame is never stale; a batch uses a handful
        self._frames: OrderedDict[str, bytes] = OrderedDict()
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
                self._images.update((key, value) for key, value in cache.items() if key in self._asset_keys)

    def frame_pdf(self, html: str, stylesheets: list[tuple[str, str]]) -> bytes:
        """A badge frame's PDF, rendered the first time this process meets that HTML."""
        key = hashlib.sha256("\0".join([html, *(k for k, _ in stylesheets)]).encode()).hexdigest()
        pdf = self._frames.get(key)
        if pdf is None:
            pdf = self.write_pdf(html, [self.stylesheet(k, text) for k, text in stylesheets])
            self._frames[key] = pdf
            while len(self._frames) > FRAME_CACHE_SIZE:
                self._frames.popitem(last=False)
        return pdf

    def render_document(self, document: "BadgeDocument", target=None) -> bytes | None:
        """A chunk of badges: its text by WeasyPrint, then its frames and QR codes put in (compose.py)."""
        content = self.write_pdf(document.html, [self.stylesheet(k, text) for k, text in document.stylesheets])
        frames = {key: self.frame_pdf(html, document.frame_stylesheets) for key, html in document.frames.items()}
        if target is not None:
            compose(content, frames, document.slots, target)
            return None
        out = io.BytesIO()
        compose(content, frames, document.slots, out)
        return out.getvalue()


@dataclass(frozen=True)
class BadgeDocument:
    """What one chunk of badges is made of, ready to render without Flask or the database (it is
    pickled to a batch's helper processes): the badges' text as HTML, the frames they stand on as
    HTML, and where each badge, its frame and its QR code go."""

    html: str
    #: (cache key, CSS text) of the text's stylesheets and of the frames'
    stylesheets: list[tuple[str, str]]
    frame_stylesheets: list[tuple[str, str]]
    #: frame key → its HTML
    frames: dict[str, str]
    slots: list[Slot]


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


def render_to_file(document: BadgeDocument, asset_dir: str, target: str) -> str:
    """Render one chunk in a helper process of a batch (no Flask, no database: a document in, a PDF file
    out); stylesheets are parsed and frames rendered once per process."""
    process_renderer(Path(asset_dir)).render_document(document, target)
    return target
