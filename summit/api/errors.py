"""Every API error is JSON: {"error": CODE, "message": TEXT, "errors"?: {FIELD: [TEXT]}}."""
from __future__ import annotations

from flask import jsonify

from ..services.errors import ServiceError, ValidationFailed
from . import api_bp

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


@api_bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    errors = exc.errors if isinstance(exc, ValidationFailed) else None
    return error_response(exc.status, exc.code, str(exc), errors, **exc.details)

