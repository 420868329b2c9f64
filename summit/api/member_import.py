"""POST /api/v1/delegations/self/members.csv: a delegation's members from one file, all or none.

The body is the file itself (``Content-Type: text/csv``, or an XLSX's type), or a multipart form with the
file in field ``file``. The file is read by services/accreditation/member_files.py (encodings, separators,
XLSX, the limits) and imported by member_import (add_members' rules); ``?dry_run=1`` checks only.
"""
from __future__ import annotations

from contextlib import nullcontext

from flask import jsonify, request
from flask_babel import force_locale

from ..plumbing.error_pages import error_response
from ..plumbing.errors import ServiceError, ValidationFailed
from ..plumbing.i18n import LANG_COOKIE
from ..services.accreditation import delegations, member_files, member_import
from .blueprint import api_bp
from .delegations import UNKNOWN_DELEGATION, _delegation, _no_store

#: a multipart body around the file, at most
FORM_OVERHEAD = 64 * 1024
DRY_RUN = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False, "": False}


def _file():
    """((the file's bytes, its name, its content type), None), or (None, the 422 that says what to send instead)."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            return None, error_response(422, "validation_failed", "send the file in the form field `file`",
                                        {"file": ["required: the CSV or XLSX file"]})
        return (upload.stream.read(member_files.BYTES_MAX + 1), upload.filename, upload.mimetype), None
    if request.is_json:
        # JSON is no member file; it is read all the same, so its NUL or its depth is refused as everywhere
        request.get_json(force=True)
        return None, error_response(422, "validation_failed", "send the CSV or XLSX file, not JSON",
                                    {"body": ["must be the CSV (text/csv) or XLSX file, or a form with it in `file`"]})
    return (request.get_data(cache=False), None, request.mimetype), None


def _focal_language(delegation):
    """The focal point's language for the errors, unless the request asks for one (Accept-Language, ?lang=)."""
    if request.args.get("lang") or request.cookies.get(LANG_COOKIE) or request.headers.get("Accept-Language"):
        return nullcontext()
    return force_locale(delegation.focal_language)


@api_bp.post("/delegations/self/members.csv")
def import_members():
    """The file's members, created all or none: 200 {"created": N}; 422 with ``errors`` keyed "row N"."""
    delegation, failure = _delegation()
    if failure:
        return failure
    dry_run = DRY_RUN.get(request.args.get("dry_run", "").strip().lower())
    if dry_run is None:
        return error_response(422, "validation_failed", "dry_run is 1 or 0",
                              {"dry_run": ["must be 1 (check only) or 0"]})
    # a larger body than the API's 1 MiB: 10,000 members (member_files.BYTES_MAX), and no more
    request.max_content_length = member_files.BYTES_MAX + FORM_OVERHEAD
    upload, refusal = _file()
    if refusal is not None:
        return refusal
    try:
        members = member_files.read_member_file(*upload)
        count = member_import.import_members(delegation.id, members, dry_run=dry_run)
    except delegations.DelegationRevoked:  # revoked while the request was on its way
        return error_response(401, "unauthorized", UNKNOWN_DELEGATION)
    except ServiceError as exc:
        with _focal_language(delegation):  # the messages are turned into text here, in that language
            errors = exc.errors if isinstance(exc, ValidationFailed) else getattr(exc, "errors", None)
            return error_response(exc.status, exc.code, str(exc), errors, **exc.details)
    body = {"created": 0, "would_create": count} if dry_run else {"created": count}
    return _no_store(jsonify(body))
