"""The delegate's visa letter on their self-service page: ask for it, give or correct the passport, download.

Routes join selfservice_bp (the manage secret is the credential, as for the rest of the page).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..plumbing.errors import NotFound, ValidationFailed
from ..plumbing.downloads import PDF, attachment
from ..plumbing.extensions import csrf
from ..plumbing.request_input import form_text_checked
from ..services.accreditation.gates import NotAccredited
from ..services.privacy import consents
from ..services.registration import delegates as registration
from ..services.summits.current import current_summit
from ..services.travel import letters, passports
from ..services.travel.letter_documents import download_letter
from .forms import show_errors
from .selfservice import selfservice_bp
from .visa_forms import MemberVisaForm, VisaForm, letter_deadline

STATUS_LABELS = {
    "requested": lambda: _("Requested: it will be issued once the organisers have approved your registration."),
    "issued": lambda: _("Issued: download it below and take it to your embassy or consulate."),
    "reissued": lambda: _("Reissued with your new passport details: the earlier letter no longer counts."),
}


def letter_status(letter) -> str | None:
    return STATUS_LABELS[letter.status]() if letter is not None else None


def _delegate(token: str):
    try:
        return registration.delegate_for_manage_token(token)
    except NotFound:
        abort(404)


def visa_page(summit, delegate, form, *, back_url: str, post_url: str, download_url: str | None, status=200):
    letter = letters.live_letter(delegate.id)
    passport = passports.passport_of(delegate.id)
    return render_template("selfservice/visa_letter.html", summit=summit, delegate=delegate, form=form,
                           letter=letter, letter_status=letter_status(letter),
                           number_masked=passports.masked(passport.number) if passport else None,
                           back_url=back_url, post_url=post_url, download_url=download_url,
                           letter_deadline=letter_deadline(summit),
                           holds_sensitive=consents.in_force(delegate.id, consents.SENSITIVE)), status


def handle_visa_form(summit, delegate, *, back_url: str, post_url: str, download_url: str | None,
                     by_focal_point: bool = False):
    """The page's GET and POST, for the delegate and for their focal point alike."""
    form = MemberVisaForm() if by_focal_point else VisaForm()
    if request.method == "GET":
        passport = passports.passport_of(delegate.id)
        form.fill_from(passport, letters.live_letter(delegate.id) is not None)
        return visa_page(summit, delegate, form, back_url=back_url, post_url=post_url, download_url=download_url)
    if not form.validate_on_submit():
        expired = "csrf_token" in form.errors
        if expired:
            form.form_errors.append(_("The page had expired. Please check your details and save again."))
        # an expired page is 400; a field refused by the text rules (NUL, control characters) is 422, beside it
        return visa_page(summit, delegate, form, back_url=back_url, post_url=post_url,
                         download_url=download_url, status=400 if expired else 422)
    held = passports.passport_of(delegate.id)
    data = form.visa_data(always=True)
    if not form.visa_letter.data and not any(data["passport"].values()):
        data = {"visa_letter": False}  # withdraw
    elif held is not None and not data["passport"]["number"]:
        data["passport"]["number"] = held.number  # left blank: the number held stands
    try:
        letters.change_request(delegate, data, language=delegate.language, by_focal_point=by_focal_point)
    except ValidationFailed as exc:
        show_errors(form, form.show_visa_errors(exc.errors))
        return visa_page(summit, delegate, form, back_url=back_url, post_url=post_url,
                         download_url=download_url, status=422)
    flash(_("Your visa letter details are saved."), "success")
    return redirect(back_url)


@selfservice_bp.route("/<token>/visa-letter", methods=["GET", "POST"])
@form_text_checked
@csrf.exempt  # the form checks its own token, so an expired one re-shows the page with the input kept
def visa_letter(token: str):
    delegate = _delegate(token)
    return handle_visa_form(current_summit(), delegate,
                            back_url=url_for("selfservice.manage", token=token, _anchor="visa"),
                            post_url=url_for("selfservice.visa_letter", token=token),
                            download_url=url_for("selfservice.visa_letter_pdf", token=token))


def letter_pdf_response(delegate, summit, *, by: str = "delegate"):
    """The letter as a download, audited (actor none: the delegate's own, or their focal point's, ``by``)."""
    try:
        filename, pdf = download_letter(delegate, summit, by=by)
    except NotAccredited:
        abort(409)
    except NotFound:
        abort(404)
    return attachment(pdf, filename, PDF)


@selfservice_bp.get("/<token>/visa-letter.pdf")
def visa_letter_pdf(token: str):
    return letter_pdf_response(_delegate(token), current_summit())
