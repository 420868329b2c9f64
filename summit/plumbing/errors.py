"""Typed service errors.

Every business rule that refuses something raises a ServiceError whose ``code``
is the machine-readable reason; the API sends it as ``error`` and the pages look
up the user-facing message from the same code, so both say the same thing.
"""
from __future__ import annotations


class ServiceError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str | None = None, *, code: str | None = None, **details):
        self.code = code or self.code
        self.details = details
        super().__init__(message or self.code)


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class ValidationFailed(ServiceError):
    """Field errors: ``errors`` maps a field name to a list of messages."""

    code = "validation_failed"
    status = 422

    def __init__(self, errors: dict[str, list[str]], message: str | None = None):
        super().__init__(message or "validation failed")
        self.errors = errors
