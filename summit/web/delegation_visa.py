"""A delegation member's visa letter, completed by the focal point: the same page and rules as the
delegate's own (web/selfservice_visa.py). Routes join delegation_page_bp; the delegation's secret is the
credential. The focal point may give and correct the passport, and download the member's letter (a ministry's
protocol office usually takes its delegation's letters to the embassy): an audited download, as it names
the passport in full."""
from __future__ import annotations

from flask import url_for

from ..plumbing.extensions import csrf
from ..plumbing.request_input import form_text_checked
from ..services.summits.current import current_summit
from .delegation_page import _delegation, _member, delegation_page_bp
from .selfservice_visa import handle_visa_form, letter_pdf_response


@delegation_page_bp.route("/<secret>/members/<int:member_id>/visa-letter", methods=["GET", "POST"])
@form_text_checked
@csrf.exempt  # the form checks its own token
def member_visa_letter(secret: str, member_id: int):
    delegation = _delegation(secret)
    person = _member(delegation, member_id)
    return handle_visa_form(current_summit(), person,
                            back_url=url_for("delegation_page.home", secret=secret),
                            post_url=url_for("delegation_page.member_visa_letter", secret=secret, member_id=member_id),
                            download_url=url_for("delegation_page.member_visa_letter_pdf", secret=secret,
                                                 member_id=member_id), by_focal_point=True)


@delegation_page_bp.get("/<secret>/members/<int:member_id>/visa-letter.pdf")
def member_visa_letter_pdf(secret: str, member_id: int):
    delegation = _delegation(secret)
    person = _member(delegation, member_id)
    return letter_pdf_response(person, current_summit(), by="focal_point")
