"""Secrets that travel in URLs, blanked before a line is logged.

A delegate's manage link (/manage/<secret>), personal calendar (/calendar/<secret>.ics) and a
delegation's focal-point page (/delegation/<secret>) are credentials in the path itself.  Log files are read by more people, and kept longer, than the
database: they get "/manage/[secret]".  Bearer tokens and cookies travel in headers, which
nothing here logs; the access logger blanks them anyway in case a format asks for them.

A path can be spelled many ways that a server or a browser reads as the same one:
``/manage//<secret>`` (werkzeug merges the slashes, with a 308 to the plain path),
``/manage/./<secret>``, ``/x/../manage/<secret>``, ``/manage%2F<secret>``, ``%2e`` for a dot,
letters percent-encoded (``/%6Danage/…``), twice-encoded in a query string
(``next=%252Fmanage%252F…``), ``\\`` for ``/``.  So the text is read as a server would read it
(percent-decoded until nothing changes, empty and dot segments resolved) while remembering
where each character came from, and the secret's own characters are masked in the raw text:
the line keeps its shape, and nothing that decodes to a secret is left in it.
"""
from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "[secret]"
#: the segment after /manage/ that is a page, not a secret
_NOT_SECRET = {"manage": frozenset({"lost-link"}), "calendar": frozenset(), "delegation": frozenset()}
#: what ends a URL, or a URL's path (a query string's values are read as paths of their own: ?next=/manage/…)
_BOUNDARY = frozenset(" \t\r\n\f\v\"'<>()[]{}?#&=;,|`^")
_SEPARATORS = frozenset("/\\")  # a browser reads "\" as "/" in an http URL
_DELIMITER = re.compile("[" + re.escape("".join(sorted(_BOUNDARY | _SEPARATORS))) + "]")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_MAX_DECODING_ROUNDS = 5
#: request and response headers (as gunicorn's atoms name them) that carry credentials whole
SECRET_HEADERS = frozenset({"{authorization}i", "{cookie}i", "{set-cookie}o", "{http_authorization}e",
                            "{http_cookie}e"})


def _decoded(text: str) -> tuple[str, list[int], list[int]]:
    """The text percent-decoded until stable, with each decoded character's span [start, end) in ``text``."""
    starts, ends = list(range(len(text))), list(range(1, len(text) + 1))
    for _ in range(_MAX_DECODING_ROUNDS):
        if not _ESCAPE.search(text):
            break
        pieces, new_starts, new_ends, at = [], [], [], 0
        for match in _ESCAPE.finditer(text):
            pieces.append(text[at:match.start()])
            new_starts += starts[at:match.start()]
            new_ends += ends[at:match.start()]
            pieces.append(chr(int(match.group(1), 16)))
            new_starts.append(starts[match.start()])
            new_ends.append(ends[match.end() - 1])
            at = match.end()
        pieces.append(text[at:])
        text, starts, ends = "".join(pieces), new_starts + starts[at:], new_ends + ends[at:]
    return text, starts, ends


def _secret_spans(decoded: str):
    """(start, end) in ``decoded`` of each segment that the normalised path puts right after a
    /manage/, /calendar/ or /delegation/ segment (for a feed, without its ".ics")."""
    stack: list[str] = []  # the normalised path so far, lower-cased segments
    segment_start = 0
    for delimiter in (*_DELIMITER.finditer(decoded), None):
        at, char = (delimiter.start(), delimiter.group()) if delimiter else (len(decoded), " ")
        segment = decoded[segment_start:at]
        segment_start = at + 1
        if segment == "..":
            if stack:
                stack.pop()
        elif segment not in ("", "."):
            stack.append(segment.lower())
            parent = stack[-2] if len(stack) > 1 else None
            if parent in _NOT_SECRET and stack[-1] not in _NOT_SECRET[parent]:
                end = at - 4 if parent == "calendar" and stack[-1].endswith(".ics") else at
                if end > at - len(segment):
                    yield at - len(segment), end
        if char in _BOUNDARY:
            stack.clear()  # a new URL, or a query value, starts after this


def redact(text: str | None) -> str | None:
    if not text:
        return text
    # The common case, cheaply (the access log calls this on every request): no secret-bearing word,
    # even once decoded.
    plain = text
    for _ in range(_MAX_DECODING_ROUNDS):
        if "%" not in plain:
            break
        plain = unquote(plain, errors="ignore")
    lowered = plain.lower()
    if "manage" not in lowered and "calendar" not in lowered and "delegation" not in lowered:
        return text
    if "%" in text:
        decoded, starts, ends = _decoded(text)
        spans = [(starts[a], ends[b - 1]) for a, b in _secret_spans(decoded)]
    else:
        spans = list(_secret_spans(text))
    if not spans:
        return text
    pieces, at = [], 0
    for start, end in spans:
        if start < at:  # cannot overlap, but never write a secret out twice if it did
            continue
        pieces += [text[at:start], MASK]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)
