"""Secrets that travel in URLs, blanked before a line is logged.

A delegate's manage link (/manage/<secret>) and personal calendar (/calendar/<secret>.ics) are
credentials in the path itself.  Log files are read by more people, and kept longer, than the
database: they get "/manage/[secret]".  Bearer tokens and cookies travel in headers, which
nothing here logs; the access logger blanks them anyway in case a format asks for them.
"""
from __future__ import annotations

import re

MASK = "[secret]"
_SLASH = r"(?:/|%2F)"  # a path may also sit percent-encoded in a query string (?next=%2Fmanage%2F…)
_END = r"/?#&%\s\"'"  # what ends a secret: tokens are URL-safe, never these
_IN_PATH = (
    # /manage/lost-link is a page, not a secret
    (re.compile(rf"({_SLASH}manage{_SLASH})(?!lost-link(?![^{_END}]))[^{_END}]+", re.IGNORECASE), rf"\g<1>{MASK}"),
    # the feed's token holds dots itself; ".ics" is kept when it is there
    (re.compile(rf"({_SLASH}calendar{_SLASH})[^{_END}]+?(\.ics|(?=[{_END}])|$)", re.IGNORECASE),
     rf"\g<1>{MASK}\g<2>"),
)
#: request and response headers (as gunicorn's atoms name them) that carry credentials whole
SECRET_HEADERS = frozenset({"{authorization}i", "{cookie}i", "{set-cookie}o", "{http_authorization}e",
                            "{http_cookie}e"})


def redact(text: str | None) -> str | None:
    if not text:
        return text
    for pattern, replacement in _IN_PATH:
        text = pattern.sub(replacement, text)
    return text
