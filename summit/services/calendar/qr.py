"""The personal feed's address as a QR code, for subscribing from a phone's camera."""
from __future__ import annotations

import segno


def subscribe_qr_svg(feed_url: str, title: str) -> str:
    """An inline SVG (no style attribute, so the page's CSP holds) of the ``webcal://`` address.

    ``webcal://``: an iPhone's camera then offers to subscribe in Calendar, not to download once.
    Sized by the page's CSS (omitsize); ``title`` is what a screen reader says for it.
    """
    webcal = "webcal://" + feed_url.split("://", 1)[-1]
    return segno.make(webcal, error="m", micro=False).svg_inline(border=2, omitsize=True, dark="#000", title=title)
