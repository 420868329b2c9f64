"""Secrets that travel in URLs, blanked before a line is logged.

A delegate's manage link (/manage/<secret>) and personal calendar (/calendar/<secret>.ics) are
credentials in the path itself.  Log files are read by more people, and kept longer, than the
database: they get "/manage/[secret]".  Bearer tokens and cookies travel in headers, which
nothing here logs; the access logger blanks them anyway in case a format asks for them.
"""
from __future__ import annotations

import re

MASK = "[secret]"
_IN_PATH = (
    # /manage/lost-link is a page, not a secret
    (re.compile(r"(/manage/)(?!lost-link(?![^/?#\s\"']))[^/?#\s\"']+"), rf"\g<1>{MASK}"),
    (re.compile(r"(/calendar/)[^/?#\s\"']+?(\.ics)"), rf"\g<1>{MASK}\g<2>"),
)
#: request and response headers (as gunicorn's atoms name them) that carry credentials whole
SECRET_HEADERS = frozenset({"{authorization}i", "{cookie}i", "{set-cookie}o", "{http_authorization}e",
                            "{http_cookie}e"})


def redact(text: str) -> str:
    for pattern, replacement in _IN_PATH:
        text = pattern.sub(replacement, text)
    return text
