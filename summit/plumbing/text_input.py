"""What people may type: one set of rules for every text that comes in.

The delegate's form, their self-service page, the console, the API and the searches all clean
text here, so a character refused on one path is refused on every other, in the same words.

- Text is NFC-normalised (so "é" typed two ways compares equal) and trimmed; a single-line value
  has its inner runs of spaces folded (copy-paste brings them).
- Refused, with a message in the asker's language:
  - control characters (tabs and line breaks are allowed only in multi-line fields), U+2028/U+2029,
    lone surrogates and unassigned code points: none of them belongs in a name, and NUL cannot even
    be stored in PostgreSQL;
  - the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): one of
    them turns "\u202eNIMDA" into "ADMIN" on a badge or a list;
  - more than MARKS_MAX combining marks in a row, which stack over the lines above and below
    ("Zalgo" text).
- Kept on purpose:
  - ZWJ and ZWNJ, which Sinhala, Devanagari and Persian names need;
  - the direction *marks* LRM, RLM and ALM (U+200E, U+200F, U+061C). They reorder nothing (they
    only give a neutral character such as "." or "-" the direction of a letter), so they cannot
    spoof a name, and Arabic, Hebrew and Persian writers use them to place punctuation and digits
    next to Latin text. Every page and badge shows a name in a direction-isolated box anyway.
- Real names in every script pass: after NFC the most marks any of them stacks on one letter is
  three (Arabic shadda + fatha + dagger alef, a Tibetan stack, pointed Hebrew); see
  tests/plumbing/test_text_input.py.
"""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l

#: embeddings and overrides (LRE, RLE, PDF, LRO, RLO), then isolates (LRI, RLI, FSI, PDI)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: combining marks allowed in a row on one letter
MARKS_MAX = 4
MULTILINE_SPACING = frozenset("\n\r\t")
LINE_SEPARATORS = frozenset("\u2028\u2029")


def unstorable(text: str) -> bool:
    """True when text holds what no database column or UTF-8 can keep: NUL, or a lone surrogate."""
    return "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text)


def problem(text: str, *, multiline: bool = False):
    """Why ``text`` is refused (a message in the asker's language), or None when it may be kept."""
    marks = 0
    for char in text:
        category = unicodedata.category(char)
        if category in ("Mn", "Me"):
            marks += 1
            if marks > MARKS_MAX:
                return _l("Too many accents or marks on one letter (at most %(max)d in a row).", max=MARKS_MAX)
            continue
        marks = 0
        if category == "Cc" and not (multiline and char in MULTILINE_SPACING):
            return _l("Contains characters that are not allowed (control characters).")
        if category in ("Cs", "Cn") or char in LINE_SEPARATORS:
            return _l("Contains characters that are not allowed (control characters).")
        if char in BIDI_CONTROLS:
            return _l("Contains a text-direction control character (U+202A–U+202E or U+2066–U+2069). "
                      "Please type the text without it.")
    return None


def normalise(text: str, *, multiline: bool = False) -> str:
    """NFC, trimmed; a single line also has its inner runs of spaces folded into one."""
    text = unicodedata.normalize("NFC", text).strip()
    return text if multiline else " ".join(text.split())


def clean(raw, *, limit: int, required: bool = False, multiline: bool = False):
    """(the text, None) when ``raw`` may be kept; (None, why not) otherwise.

    ``None`` counts as empty. The rules look at the NFC form, so a letter typed with its accent
    as a separate mark counts as the one letter it is.
    """
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        return None, _l("Must be text.")
    text = unicodedata.normalize("NFC", raw)
    why = problem(text, multiline=multiline)
    if why is not None:
        return None, why
    text = normalise(text, multiline=multiline)
    if required and not text:
        return None, _l("This field is required.")
    if len(text) > limit:
        return None, _l("At most %(limit)d characters.", limit=limit)
    return text, None

