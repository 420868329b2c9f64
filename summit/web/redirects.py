"""Where a ``?next=`` may send a visitor: a path on this site, never anywhere else.

An open redirect is a phishing tool (a link on our domain that lands on the attacker's), so
every view that follows a ``next`` asks ``safe_next``. Browsers do not read a Location header
the way Python does: they drop tabs and line breaks anywhere in it and read a backslash as a
slash, so "/\\t/evil.example" and "/\\\\evil.example" both lead to evil.example, and a line break
cannot even be put in a header (it was a 500). Refused, so the fallback is used instead:
- anything that is not text, or is empty;
- any control character (C0, DEL, C1: tab, CR and LF among them) and any backslash;
- anything not starting with a single "/" (scheme-relative "//host" and absolute URLs);
- anything Python itself reads as having a scheme or a host.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

#: longer than any link the app makes; a longer one is no link of ours
NEXT_MAX = 2000


def safe_next(target, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback``."""
    if not isinstance(target, str) or not target or len(target) > NEXT_MAX:
        return fallback
    if "\\" in target or any(unicodedata.category(char) == "Cc" for char in target):
        return fallback
    if not target.startswith("/") or target.startswith("//"):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
