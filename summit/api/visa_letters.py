"""The delegate's visa invitation letter and passport over JSON (the contract's Travel and visa letters)."""
from __future__ import annotations

from flask import jsonify, make_response

from ..plumbing.extensions import db
from ..plumbing.request_input import json_object
from ..services.console.audit import record_download
from ..services.summits.current import current_summit
from ..services.travel import letters
from ..services.travel.letter_documents import render_letters
from . import serialise
from .blueprint import api_bp
from .registrations import _self


@api_bp.get("/registrations/self/visa-letter.pdf")
def own_visa_letter():
    delegate, _, failure = _self()
    if failure:
        return failure
    letter = letters.letter_to_download(delegate)
    pdf = render_letters([letter], current_summit())
    # the passport number is on it: a download of personal data, in the audit trail
    record_download(None, "visa_letter.pdf", filters={"serial": letter.serial, "by": "delegate"}, count=1, delegate_id=delegate.id)
    db.session.commit()
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="invitation-letter-{letter.serial}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


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
