"""Cleaning what organisers type in the console: bilingual text and Beijing times.

Text follows the same rules as a delegate's (summit.plumbing.text_input).
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ...models import Summit
from ...plumbing import text_input


class Problems(dict):
    """Field → messages, filled as the fields are checked."""

    def add(self, name: str, message) -> None:
        self.setdefault(name, []).append(message)


def clean_text(data: dict, name: str, limit: int, problems: Problems, *, required=False, multiline=False):
    """The field cleaned by the one set of text rules (summit.plumbing.text_input), or None with a problem noted."""
    text, why = text_input.clean(data.get(name), limit=limit, required=required, multiline=multiline)
    if why is not None:
        problems.add(name, why)
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
