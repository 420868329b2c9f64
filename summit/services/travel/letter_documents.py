"""The invitation letter as a PDF: the badges' WeasyPrint pipeline and safe fetcher, the letters' own assets.

A letter is one A4 page, Chinese then English, on the host's letterhead (letter_settings.py), with its
serial, a QR code of its /verify/<serial> page (on PUBLIC_BASE_URL) and the seal. It prints the passport
number whole: it goes to an embassy. Everything else the app shows masks it.

The renderer is badges.renderer.BadgeRenderer over templates/letters/assets/: the same fetcher that
serves only an allow-listed folder and refuses every other URL, so nothing a delegate types can pull in
a file or reach the network.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Sequence

import segno
from babel.dates import format_date
from flask import current_app, render_template

from ...models import Delegate, Passport, Summit, VisaLetter
from ...plumbing.extensions import db
from ...plumbing.urls import external_url
from ..badges.documents import summit_dates
from ..badges.renderer import BadgeRenderer
from ..registration.countries import country_names
from ..console.audit import record_download
from . import letters
from .letter_settings import letter_host

_renderer: BadgeRenderer | None = None
_renderer_lock = threading.Lock()


def asset_dir() -> Path:
    return Path(current_app.root_path, current_app.template_folder, "letters", "assets")


def renderer() -> BadgeRenderer:
    """This process's letter renderer (its own font configuration and asset allow-list)."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            _renderer = BadgeRenderer(asset_dir())
        return _renderer


def verify_url(serial: str) -> str:
    return external_url("letters.verify", serial=serial)


def date_en(day: date) -> str:
    return format_date(day, "d MMMM y", locale="en")


def date_zh(day: date) -> str:
    return format_date(day, "y年M月d日", locale="zh")


@dataclass(frozen=True)
class LetterView:
    serial: str
    reissued: bool
    issued_en: str
    issued_zh: str
    name: str
    native_name: str
    nationality_zh: str
    nationality_en: str
    date_of_birth: str
    passport_number: str
    passport_expires: str
    organisation: str
    job_title: str
    stay_en: str
    stay_zh: str
    stay_from_en: str
    stay_to_en: str
    verify_url: str
    qr_svg: str


def letter_view(letter: VisaLetter, delegate: Delegate, passport: Passport) -> LetterView:
    nationality_en, nationality_zh = country_names(passport.nationality)
    url = verify_url(letter.serial)
    return LetterView(
        serial=letter.serial, reissued=letter.status == "reissued",
        issued_en=date_en(letter.issued_at.date()), issued_zh=date_zh(letter.issued_at.date()),
        name=passport.name, native_name=delegate.native_name or "",
        nationality_zh=nationality_zh, nationality_en=nationality_en,
        date_of_birth=passport.date_of_birth.isoformat(), passport_number=passport.number,
        passport_expires=passport.expires_on.isoformat(),
        organisation=delegate.organisation, job_title=delegate.job_title or "",
        stay_en=f"{date_en(letter.stay_from)} – {date_en(letter.stay_to)}",
        stay_zh=f"{date_zh(letter.stay_from)}至{date_zh(letter.stay_to)}",
        stay_from_en=date_en(letter.stay_from), stay_to_en=date_en(letter.stay_to),
        verify_url=url,
        qr_svg=segno.make(url, error="m", micro=False).svg_inline(border=0, omitsize=True, dark="#000"))


def letters_html(letters: Sequence[VisaLetter], summit: Summit) -> str:
    host = letter_host(summit)
    views = []
    for letter in letters:
        delegate = db.session.get(Delegate, letter.delegate_id)
        passport = db.session.get(Passport, letter.delegate_id)
        views.append(letter_view(letter, delegate, passport))
    dates_en, dates_zh = summit_dates(summit)
    return render_template("letters/letter.html", letters=views, host=host, summit=summit,
                           dates_en=dates_en, dates_zh=dates_zh)


def render_letters(letters: Sequence[VisaLetter], summit: Summit, target=None) -> bytes | None:
    """One page per letter; ``target`` a path or file, else the PDF's bytes."""
    r = renderer()
    css = (asset_dir() / "letter.css").read_text(encoding="utf-8")
    return r.write_pdf(letters_html(letters, summit), [r.stylesheet("letter.css", css)], target)


def download_letter(delegate: Delegate, summit: Summit, *, by: str) -> tuple[str, bytes]:
    """One delegate's live letter as (filename, PDF), its download audited: the passport number is on it.

    ``by``: who asked ("delegate", or "focal_point" for a member's). Raises letters.NotAccredited or
    NotFound (none asked for) as ``letter_to_download`` does; the doors turn those into their answers."""
    letter = letters.letter_to_download(delegate)
    pdf = render_letters([letter], summit)
    record_download(None, "visa_letter.pdf", filters={"serial": letter.serial, "by": by}, count=1,
                    delegate_id=delegate.id)
    db.session.commit()
    return f"invitation-letter-{letter.serial}.pdf", pdf
