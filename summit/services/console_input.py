"""Cleaning what organisers type in the console: bilingual text and Beijing times."""
from __future__ import annotations

import unicodedata
from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..models import Summit


class Problems(dict):
    """Field → messages, filled as the fields are checked."""

    def add(self, name: str, message) -> None:
        self.setdefault(name, []).append(message)


def _has_control_characters(text: str, multiline: bool) -> bool:
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc" and not (multiline and char in "\n\r\t"):
            return True
        if category in ("Cs", "Cn"):
            return True
    return False


def clean_text(data: dict, name: str, limit: int, problems: Problems, *, required=False, multiline=False):
    """The field trimmed and NFC-normalised, or None with a problem noted."""
    raw = data.get(name)
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        problems.add(name, _l("Must be text."))
        return None
    if _has_control_characters(raw, multiline):
        problems.add(name, _l("Contains characters that are not allowed (control characters)."))
        return None
    text = unicodedata.normalize("NFC", raw).strip()
    if not multiline:
        text = " ".join(text.split())
    if required and not text:
        problems.add(name, _l("This field is required."))
        return None
    if len(text) > limit:
        problems.add(name, _l("At most %(limit)d characters.", limit=limit))
        return None
    return text


def summit_time(summit: Summit, value: datetime | None) -> datetime | None:
    """A wall-clock time typed in the console, read as the summit's local time (Beijing)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=summit.zone)


def clean_time(data: dict, name: str, problems: Problems, *, required=False) -> datetime | None:
    value = data.get(name)
    if value is None:
        if required:
            problems.add(name, _l("This field is required."))
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        problems.add(name, _l("Enter a date and time."))
        return None
    return value
