"""A request body checked against its model (summit.api.schemas), refused in the contract's shape.

pydantic's own error list never reaches a caller: each failing field is named in ``errors`` with
its model's ``Refusal`` text, and the body is a ValidationFailed, which the API's error handler
answers as every other 422 ({"error": "validation_failed", "message", "errors"}).
"""
from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..plumbing.errors import ValidationFailed
from ..plumbing.request_input import NAMED_MAX, json_object
from .schemas import Refusal

M = TypeVar("M", bound=BaseModel)


def read_body(model: type[M]) -> M:
    """The request's JSON object as ``model``; a 422 naming each wrong field otherwise."""
    return validated(model, json_object())


def validated(model: type[M], data: dict) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _refused(model, exc) from None


def _refusal(model: type[BaseModel], name: str) -> Refusal | None:
    field = model.model_fields.get(name)
    return next((m for m in field.metadata if isinstance(m, Refusal)), None) if field else None


def _refused(model: type[BaseModel], exc: ValidationError) -> ValidationFailed:
    errors: dict[str, list[str]] = {}
    unknown: list[str] = []
    for problem in exc.errors(include_url=False, include_input=False):
        name = str(problem["loc"][0]) if problem["loc"] else "body"
        if problem["type"] == "extra_forbidden":
            unknown.append(name)
            continue
        refusal = _refusal(model, name)
        message = (refusal.missing if problem["type"] == "missing" else refusal.message) if refusal \
            else problem["msg"]
        errors.setdefault(name, [message])
    if unknown:
        unknown.sort()
        takes = list(model.model_fields)
        return ValidationFailed({name: ["unknown field"] for name in unknown[:NAMED_MAX]},
                                f"unknown field {unknown[0]!r}: the body takes "
                                f"{', '.join(takes[:-1])} and {takes[-1]}" if len(takes) > 1 else
                                f"unknown field {unknown[0]!r}: the body takes {takes[0]}")
    return ValidationFailed(dict(list(errors.items())[:NAMED_MAX]))
