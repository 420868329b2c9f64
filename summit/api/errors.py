"""A service's typed error, raised in an API view, answered as the JSON body summit.plumbing.error_pages builds."""
from __future__ import annotations

from ..plumbing.error_pages import error_response
from ..plumbing.errors import ServiceError, ValidationFailed
from .blueprint import api_bp


@api_bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    # a ValidationFailed's field errors, or another refusal's list (not_accredited names its delegates)
    errors = exc.errors if isinstance(exc, ValidationFailed) else getattr(exc, "errors", None)
    return error_response(exc.status, exc.code, str(exc), errors, **exc.details)
