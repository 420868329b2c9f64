"""What every template can use: the page's language, bilingual fields, Beijing times, the labelled values."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import format_date, format_time

from ..models.labels import ENUMS
from ..plumbing.i18n import LOCALES, lang, pick
from ..plumbing.urls import external_url


def day_label(day: date) -> str:
    # "2024年9月25日星期三" / "Wednesday 25 September 2024"
    return format_date(day, "full" if lang() == "zh" else "EEEE d MMMM y")


def clock(moment: datetime | None) -> str:
    """HH:mm in the summit's zone (Flask-Babel's zone is the summit's, see i18n)."""
    return format_time(moment, "HH:mm") if moment else ""


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(lang=lang, pick=pick, LOCALES=LOCALES, has_endpoint=has_endpoint,
                                 external_url=external_url)
    # BookingStatus.CONFIRMED, ProgrammeKind.of(kind).label …: templates name values and labels as the code does
    app.jinja_env.globals.update({enum.__name__: enum for enum in ENUMS})
    app.jinja_env.filters.update(day_label=day_label, clock=clock)
