"""Cleaning and checking what a delegate types: one set of rules for the form and the API.

The text rules themselves (NFC, trimming, control and bidi characters, stacked marks, lengths)
are summit.plumbing.text_input's, shared with every other input path; here are the delegate's
fields, their lengths, and the rules only a delegate's details have (Latin-script names,
countries, categories, emails).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from ...models.delegate import (
    CATEGORIES,
    EMAIL_MAX,
    JOB_TITLE_MAX,
    LANGUAGES,
    NAME_MAX,
    NATIVE_NAME_MAX,
    NEEDS_MAX,
    ORGANISATION_MAX,
    PHONE_MAX,
    TITLE_MAX,
)
from ...plumbing import text_input
from ...plumbing.errors import ValidationFailed
from .countries import COUNTRY_CODES
from .names import clean_name_order, default_name_order

#: field → (maximum length, required, multi-line)
TEXT_FIELDS = {
    "title": (TITLE_MAX, False, False),
    "given_name": (NAME_MAX, True, False),
    "family_name": (NAME_MAX, True, False),
    "native_name": (NATIVE_NAME_MAX, False, False),
    "email": (EMAIL_MAX, True, False),
    "organisation": (ORGANISATION_MAX, True, False),
    "job_title": (JOB_TITLE_MAX, False, False),
    "phone": (PHONE_MAX, False, False),
    "dietary_needs": (NEEDS_MAX, False, True),
    "accessibility_needs": (NEEDS_MAX, False, True),
}
#: characters a Latin-script name may hold besides Latin letters and combining marks
NAME_PUNCTUATION = set(" -'’.,")


@dataclass
class Cleaned:
    values: dict = field(default_factory=dict)
    errors: dict[str, list] = field(default_factory=dict)

    def fail(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(message)


def is_latin_name(text: str) -> bool:
    for char in text:
        if char in NAME_PUNCTUATION or unicodedata.category(char).startswith("M"):
            continue
        if not (char.isalpha() and unicodedata.name(char, "").startswith("LATIN")):
            return False
    return True


def clean_delegate(data: dict, *, partial: bool = False) -> Cleaned:
    """Check the delegate's details; ``partial`` checks only the fields present (an edit)."""
    out = Cleaned()
    for name, (limit, required, multiline) in TEXT_FIELDS.items():
        if name not in data:
            if required and not partial:
                out.fail(name, _l("This field is required."))
            continue
        text, why = text_input.clean(data[name], limit=limit, required=required, multiline=multiline)
        if why is not None:
            out.fail(name, why)
        else:
            out.values[name] = text

    for name in ("given_name", "family_name"):
        if out.values.get(name) and not is_latin_name(out.values[name]):
            out.fail(name, _l("Please write this in Latin letters; use “name in your own script” for other scripts."))

    if out.values.get("email"):
        try:
            email = validate_email(out.values["email"], check_deliverability=False).normalized
        except EmailNotValidError:
            out.fail("email", _l("This is not a valid email address."))
        else:
            # Emails compare case-insensitively (the contract), so we store them lower-cased.
            out.values["email"] = email.lower()

    _choice(data, out, "country", lambda v: v.upper() if isinstance(v, str) else v, COUNTRY_CODES,
            _l("Choose a country or region (ISO 3166-1 code)."), partial)
    _choice(data, out, "category", lambda v: v, CATEGORIES, _l("Choose a category."), partial)
    _choice(data, out, "language", lambda v: v, LANGUAGES, _l("Choose Chinese or English."), True)

    if data.get("name_order") not in (None, ""):  # absent or empty: the default (with_default_name_order)
        order, why = clean_name_order(data["name_order"])
        if why is not None:
            out.fail("name_order", _l("Choose how your name is written: given name first or family name first."))
        else:
            out.values["name_order"] = order

    for name in ("banquet",):
        if name in data:
            if isinstance(data[name], bool):
                out.values[name] = data[name]
            else:
                out.fail(name, _l("Must be true or false."))
    return out


def with_default_name_order(values: dict) -> dict:
    """A new delegate's values, with the name order their country or native script suggests unless they chose."""
    if "name_order" not in values:
        values["name_order"] = default_name_order(values.get("country"), values.get("native_name")).value
    return values


def _choice(data, out: Cleaned, name, normalise, allowed, message, optional) -> None:
    if name not in data or data[name] is None or data[name] == "":
        if not optional:
            out.fail(name, _l("This field is required."))
        return
    value = normalise(data[name])
    if not isinstance(value, str) or value not in allowed:
        out.fail(name, message)
    else:
        out.values[name] = value


def require_consent(data: dict, out: Cleaned) -> None:
    if data.get("consent") is not True:
        out.fail("consent", _l("We need your consent to process your registration."))


def raise_if_invalid(out: Cleaned) -> dict:
    if out.errors:
        raise ValidationFailed(out.errors, "some fields need attention")
    return out.values
