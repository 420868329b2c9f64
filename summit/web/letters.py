"""The public page that confirms a visa invitation letter: what its QR code opens.

An embassy officer (or anyone holding the letter) opens /verify/<serial>. An unknown serial and a forged
one get the same answer, and the page shows only what the contract allows: the name, the nationality, the
passport number masked, the dates, and whether the letter still stands. Rate-limited per client address.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ..plumbing.extensions import limiter
from ..services.summits.current import current_summit
from ..services.travel import letters
from ..services.travel.letter_documents import date_en, date_zh
from ..services.travel.letter_settings import letter_host
from ..services.registration.countries import country_names

letters_bp = Blueprint("letters", __name__)


def verify_limit() -> str:
    return current_app.config["LETTER_VERIFY_RATE_LIMIT"]


@letters_bp.get("/verify/<path:serial>")
@limiter.limit(verify_limit, scope="letter-verify")
def verify(serial: str):
    summit = current_summit()
    found = letters.verify(serial)
    view = None
    if found is not None:
        nationality_en, nationality_zh = country_names(found.nationality)
        view = {"letter": found, "nationality_en": nationality_en, "nationality_zh": nationality_zh,
                "stay_en": f"{date_en(found.stay_from)} – {date_en(found.stay_to)}",
                "stay_zh": f"{date_zh(found.stay_from)}至{date_zh(found.stay_to)}",
                "issued_en": date_en(found.issued_on), "issued_zh": date_zh(found.issued_on)}
    response = current_app.make_response(
        (render_template("letters/verify.html", summit=summit, view=view,
                         contact=letter_host(summit).email or summit.contact_email), 200 if view else 404))
    # a letter revoked since must not be shown as valid from a cache, nor the page kept by a browser
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
