"""The focal point imports members from a CSV or XLSX file: template, dry run with every row's errors, commit.

Routes on the delegation's secret page (web/delegation_page.py: same privacy headers, same friendly
404/410 for a bad or revoked link). The upload is only checked (a dry run) and shown row by row; the
confirm button carries the checked rows sealed (services/accreditation/member_import.py says why
that, rather than a copy kept on the server), and the commit creates all of them or none.
"""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.file import FileField
from wtforms import HiddenField

from ..plumbing.errors import NotFound
from ..plumbing.extensions import csrf
from ..plumbing.i18n import lang
from ..plumbing.request_input import form_text_checked
from ..services.accreditation import delegations, member_files, member_import
from ..services.programme import agenda
from ..services.registration.delegates import EmailTaken
from ..services.summits.current import current_summit
from .delegation_page import _delegation, _full_message, _Unavailable, delegation_page_bp
from .drafts import DraftForm

#: a form's body around the file, at most (the CSRF token, the field names, multipart boundaries)
FORM_OVERHEAD = 64 * 1024


class MemberFileForm(DraftForm):
    file = FileField()


class ConfirmImportForm(DraftForm):
    sealed = HiddenField()


@delegation_page_bp.context_processor
def _import_limits() -> dict:
    """What the import section of the delegation's page says of the limits."""
    return {"import_max_mb": round(member_files.BYTES_MAX / 1_000_000), "import_max_rows": member_files.ROWS_MAX}


def _routes(summit) -> list[tuple[int, str, str, str]]:
    return [(a.route.id, a.route.code, a.route.name_zh, a.route.name_en)
            for a in agenda.routes_with_availability(summit)]


@delegation_page_bp.get("/<secret>/import/template.<any(csv, xlsx):kind>")
def import_template(secret: str, kind: str):
    _delegation(secret)
    if kind == "csv":
        body, mimetype = member_files.template_csv(), "text/csv"
    else:
        body = member_files.template_xlsx(_routes(current_summit()))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="delegation-members-template.{kind}"'
    return response


def _preview(secret, delegation, *, members=None, errors=None, file_errors=None, sealed=None, count=0, status=200):
    by_row = errors or {}
    summit = current_summit()
    return render_template(
        "delegation/import_preview.html", summit=summit, delegation=delegation, secret=secret,
        route_codes={route.id: route.code for route in summit.routes},
        members=members, by_row=by_row, file_errors=file_errors or {}, sealed=sealed,
        labels=member_files.labels_in(lang()), form=MemberFileForm(), confirm_form=ConfirmImportForm(),
        max_mb=round(member_files.BYTES_MAX / 1_000_000), max_rows=member_files.ROWS_MAX,
        bad_rows=len(by_row), count=count), status


def _refused(secret, delegation, members, exc: member_import.MemberRowsRefused, status=422):
    return _preview(secret, delegation, members=members, errors={
        index: [(name, members.letter(name), message) for name, messages in fields.items() for message in messages]
        for index, fields in exc.by_row.items()}, status=status)


@delegation_page_bp.post("/<secret>/import")
@form_text_checked  # the file's cells go through the text rules, each refusal beside its row and column
@csrf.exempt  # checked by the form, so an expired page says so instead of a bare 400
def import_preview(secret: str):
    delegation = _delegation(secret)
    request.max_content_length = member_files.BYTES_MAX + FORM_OVERHEAD
    form = MemberFileForm()
    if not form.validate_on_submit():
        return _preview(secret, delegation, file_errors={"file": [_("The page had expired. Please choose the file "
                                                                   "again.")]}, status=400)
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        return _preview(secret, delegation, file_errors={"file": [_("Choose a CSV or Excel file.")]}, status=422)
    data = upload.stream.read(member_files.BYTES_MAX + 1)
    try:
        members = member_files.read_member_file(data, upload.filename, upload.mimetype)
    except member_files.MemberFileRefused as exc:
        return _preview(secret, delegation, file_errors=exc.errors, status=422)
    try:
        count = member_import.import_members(delegation.id, members, dry_run=True)
    except member_import.MemberRowsRefused as exc:
        return _refused(secret, delegation, members, exc)
    except delegations.DelegationFull:
        return _preview(secret, delegation, members=members, file_errors={"file": [_full_places(delegation, members)]},
                        status=409)
    except delegations.DelegationRevoked:
        raise _Unavailable(410) from None
    except EmailTaken:
        return _preview(secret, delegation, members=members, file_errors={"file": [_email_raced()]}, status=409)
    return _preview(secret, delegation, members=members, sealed=member_import.seal(members, delegation.id, secret),
                    count=count)


def _full_places(delegation, members) -> str:
    free = max(delegation.places - delegation.members_live, 0)
    return _("The file lists %(rows)d members, and your delegation has %(free)d places free. ",
             rows=len(members.rows), free=free) + _full_message()


def _email_raced() -> str:
    return _("An email in the file has just been registered by someone else. Please check the file again.")


@delegation_page_bp.post("/<secret>/import/confirm")
@form_text_checked  # the rows come sealed: checked when they were uploaded, and again by the import
@csrf.exempt
def import_confirm(secret: str):
    delegation = _delegation(secret)
    request.max_form_memory_size = member_files.BYTES_MAX  # the sealed rows are one large field
    request.max_content_length = member_files.BYTES_MAX + FORM_OVERHEAD
    form = ConfirmImportForm()
    members = member_import.unseal(form.sealed.data or "", delegation.id, secret) if form.validate_on_submit() \
        else None
    if members is None:
        return _preview(secret, delegation, file_errors={"file": [_(
            "This preview has expired or was for another link. Please upload the file again.")]}, status=400)
    try:
        count = member_import.import_members(delegation.id, members)
    except member_import.MemberRowsRefused as exc:
        return _refused(secret, delegation, members, exc, status=409)
    except delegations.DelegationFull:
        return _preview(secret, delegation, members=members, file_errors={"file": [_full_places(delegation, members)]},
                        status=409)
    except delegations.DelegationRevoked:
        raise _Unavailable(410) from None
    except EmailTaken:
        return _preview(secret, delegation, members=members, file_errors={"file": [_email_raced()]}, status=409)
    except NotFound:
        raise _Unavailable(404) from None
    flash(ngettext("%(num)d member is added to your delegation. We have emailed them their own link.",
                   "%(num)d members are added to your delegation. We have emailed each of them their own link.",
                   count), "success")
    return redirect(url_for("delegation_page.home", secret=secret, _anchor="members"))
