"""The delegate's visa invitation letter and passport over JSON (the contract's Travel and visa letters)."""
from __future__ import annotations

from flask import jsonify

from ..plumbing.downloads import PDF, attachment
from ..plumbing.request_input import json_object
from ..services.summits.current import current_summit
from ..services.travel import letters
from ..services.travel.letter_documents import download_letter
from . import serialise
from .blueprint import api_bp
from .registrations import _self


@api_bp.get("/registrations/self/visa-letter.pdf")
def own_visa_letter():
    delegate, _, failure = _self()
    if failure:
        return failure
    filename, pdf = download_letter(delegate, current_summit(), by="delegate")
    return attachment(pdf, filename, PDF)


@api_bp.put("/registrations/self/passport")
def put_own_passport():
    """Ask for a letter, give or correct the passport (``{"visa_letter", "passport"}``), or withdraw."""
    delegate, _, failure = _self()
    if failure:
        return failure
    letters.change_request(delegate, json_object(), language=delegate.language)
    response = jsonify(serialise.visa(delegate))
    response.headers["Cache-Control"] = "no-store"
    return response
