"""App-wide error handling: JSON under /api/, a friendly bilingual page elsewhere.

Every JSON error has one shape: {"error": CODE, "message": TEXT, "errors"?: {FIELD: [TEXT]}}
(error_response, used by the API's views too).  A 5xx carries the request id as a reference the
visitor can quote; the log line with the traceback carries the same id.
"""
from __future__ import annotations

import time

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .log_redaction import redact
from .request_id import current_request_id
from .request_input import InputRefused
from .data_key import DataKeyError
from .errors import NotFound as ServiceNotFound

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
}


def error_response(status: int, code: str, message: str, errors: dict | None = None, **extra):
    body = {"error": code, "message": message}
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    if status == 401:
        # RFC 9110: a 401 names the scheme it wants.
        response.headers["WWW-Authenticate"] = 'Bearer realm="summit"'
    return response, status


def _wants_json() -> bool:
    # The API, and a client that itself sent JSON (the door scanner's /desk/checkin.json).
    return request.path.startswith("/api/") or request.is_json


def _summit_or_none():
    """The summit, for the error page's name and branding; none when it cannot be read (no summit set
    up yet, or the database is what failed: a 500 must still answer).  The app factory names the
    function that finds it (plumbing knows no service): app.extensions["error_page_summit"]."""
    from flask import current_app

    find = current_app.extensions.get("error_page_summit")
    if find is None:
        return None
    from flask import current_app as app

    from .extensions import db

    try:
        return find()
    except Exception:  # noqa: BLE001 - an error page never fails in turn
        # debug only: the failure that led to this page is logged already, and a database that is down
        # would otherwise add a second traceback to every error page's line
        app.logger.debug("error page without the summit's name: it could not be read", exc_info=True)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            app.logger.debug("rollback after a failed summit read failed too", exc_info=True)
        return None


def _page(status: int, **context):
    """The error page in the summit's colours, with its name; a dead /manage/… link offers a new one."""
    return render_template("errors/error.html", status=status, summit=_summit_or_none(),
                           manage_link=request.path.startswith("/manage/"), **context)


def _server_error(status: int, headers=()):
    reference = current_request_id()
    if _wants_json():
        body, status = error_response(status, "internal_error" if status == 500 else HTTP_CODES.get(status, "error"),
                                      "Something went wrong on our side.", request_id=reference)
        body.headers.extend(headers)
        return body, status
    return _page(status, reference=reference), status, headers


def _retry_minutes() -> int | None:
    """For a rate limit's 429 page: the minutes until the limit that refused this request resets
    (the same moment its Retry-After header names)."""
    from .extensions import limiter

    current = limiter.current_limit if limiter.enabled else None
    if current is None or not current.breached:
        return None
    return max(1, round((current.reset_at - time.time()) / 60))


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        # The exception's own headers say things the status needs (a 405's Allow, RFC 9110); its
        # Content-Type is for werkzeug's HTML body, not ours.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if status >= 500:
            return _server_error(status, headers)
        refused = isinstance(exc, InputRefused)
        if _wants_json():
            code = (exc.error if refused else None) or HTTP_CODES.get(status, "error")
            body, status = error_response(status, code, exc.description or exc.name,
                                          exc.errors if refused else None)
            body.headers.extend(headers)
            return body, status
        return _page(status, retry_minutes=_retry_minutes() if status == 429 else None,
                     message=exc.description if refused else None), status, headers

    @app.errorhandler(ServiceNotFound)
    def _no_summit(exc: ServiceNotFound):
        if _wants_json():
            return error_response(404, exc.code, str(exc))
        return render_template("errors/error.html", status=404, summit=None, detail=str(exc)), 404

    @app.errorhandler(DataKeyError)
    def _wrong_data_key(exc: DataKeyError):
        # The operator's problem, said once in the log without a traceback (it would carry no use, and
        # could carry data); the visitor gets the calm 503 page, never what could not be read.
        app.logger.error("%s (on %s %s)", exc, request.method, redact(request.path))
        return _server_error(503)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Log with the traceback; show the visitor a calm page, never the trace.
        app.logger.exception("unhandled error on %s %s", request.method, redact(request.path))
        return _server_error(500)
