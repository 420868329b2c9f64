"""A delegate's passport, given for a visa invitation letter: what is checked, how it is kept and shown.

The number is kept as typed (trimmed, NFC): passport numbers come in national formats we cannot know,
so only what is certain is checked (a length, no control or bidi characters). It is encrypted at rest
(models.types.EncryptedText) and shown back masked, its last four characters only; the letter itself,
which goes to an embassy, is the one place it is printed whole.

The same rules serve the API, the registration form, the self-service page and a focal point's page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from ...models import Delegate, Passport, Summit, utcnow
from ...models.visa import PASSPORT_NAME_MAX, PASSPORT_NUMBER_MAX, PASSPORT_NUMBER_MIN
from ...plumbing import text_input
from ...plumbing.extensions import db
from ..privacy import consents
from ..registration.countries import COUNTRY_CODES
from ..registration.delegate_input import is_latin_name

FIELDS = ("number", "nationality", "date_of_birth", "expires_on", "name")
#: how long a passport must still be valid after the summit's last day (what Chinese embassies ask)
VALID_MONTHS_AFTER = 6
#: the oldest date of birth taken as real
OLDEST_YEARS = 130


@dataclass
class PassportRequest:
    """What a registration or an edit asked: a letter or not, and the passport's cleaned values."""

    wants_letter: bool
    passport: dict | None


def masked(number: str | None) -> str:
    """The number as every page and answer shows it: its last four characters only."""
    if not number:
        return ""
    return "****" + number[-4:]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):  # 31 August + 6 months is the last day of February
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def must_be_valid_until(summit: Summit) -> date:
    return add_months(summit.ends_on, VALID_MONTHS_AFTER)


def _date(raw, errors: list) -> date | None:
    if isinstance(raw, date):
        return raw
    if raw is None or raw == "":
        errors.append(_l("This field is required."))
        return None
    if not isinstance(raw, str) or len(raw) != 10:
        errors.append(_l("Write the date as YYYY-MM-DD."))
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(_l("Write the date as YYYY-MM-DD."))
        return None


def clean_passport(summit: Summit, raw, *, today: date | None = None) -> tuple[dict, dict[str, list]]:
    """(values, errors): errors keyed ``passport.<field>`` (``passport`` for a body that is not an object)."""
    if not isinstance(raw, dict):
        return {}, {"passport": [_l("Give your passport details: number, nationality, date of birth, "
                                    "expiry date and name as printed.")]}
    today = today or date.today()
    values, errors = {}, {}

    def fail(name, message):
        errors.setdefault(f"passport.{name}", []).append(message)

    number, why = text_input.clean(raw.get("number"), limit=PASSPORT_NUMBER_MAX, required=True)
    if why is not None:
        fail("number", why)
    elif len(number) < PASSPORT_NUMBER_MIN:
        fail("number", _l("A passport number has at least %(n)s characters.", n=PASSPORT_NUMBER_MIN))
    else:
        values["number"] = number

    nationality = raw.get("nationality")
    nationality = nationality.strip().upper() if isinstance(nationality, str) else nationality
    if nationality in (None, ""):
        fail("nationality", _l("This field is required."))
    elif not isinstance(nationality, str) or nationality not in COUNTRY_CODES:
        fail("nationality", _l("Choose a country or region (ISO 3166-1 code)."))
    else:
        values["nationality"] = nationality

    name, why = text_input.clean(raw.get("name"), limit=PASSPORT_NAME_MAX, required=True)
    if why is not None:
        fail("name", why)
    elif not is_latin_name(name):
        fail("name", _l("Write the name in Latin letters, as the passport prints it."))
    else:
        values["name"] = name

    problems: list = []
    born = _date(raw.get("date_of_birth"), problems)
    if born is not None and born >= today:
        problems.append(_l("The date of birth must be in the past."))
    elif born is not None and born.year < today.year - OLDEST_YEARS:
        problems.append(_l("Check the year of birth."))
    if problems:
        errors["passport.date_of_birth"] = problems
    else:
        values["date_of_birth"] = born

    problems = []
    expires = _date(raw.get("expires_on"), problems)
    until = must_be_valid_until(summit)
    if expires is not None and expires < until:
        problems.append(_l("The passport must be valid until at least %(date)s (six months after the summit).",
                           date=until.isoformat()))
    if problems:
        errors["passport.expires_on"] = problems
    else:
        values["expires_on"] = expires
    return values, errors


def read_request(summit: Summit, data: dict, *, partial: bool = False,
                 consent_needed: bool = True, holds_consent: bool = False) -> tuple[PassportRequest | None, dict]:
    """The visa-letter part of a registration body: (request or None, errors).

    ``visa_letter: true`` needs every passport field. A passport without it is kept (to ask later).
    ``partial``: an edit that may leave both out (then None, nothing changes).
    A passport is sensitive personal information (privacy/consents.py SENSITIVE_FIELDS): it needs
    ``"sensitive_consent": true`` unless one is in force (``holds_consent``) or a focal point gives it for
    their member (``consent_needed=False``).
    """
    if "sensitive_consent" in data and not isinstance(data["sensitive_consent"], bool):
        return None, {"sensitive_consent": [_l("Must be true or false.")]}
    wants = data.get("visa_letter", None)
    if wants is None and "passport" not in data:
        return None, {}
    errors: dict = {}
    if wants is not None and not isinstance(wants, bool):
        return None, {"visa_letter": [_l("Must be true or false.")]}
    wants = bool(wants)
    if "passport" not in data:
        if wants:
            errors["passport"] = [_l("An invitation letter needs your passport details.")]
        return (PassportRequest(wants, None) if not errors else None), errors
    values, errors = clean_passport(summit, data["passport"])
    if (consent_needed and not holds_consent and data.get("sensitive_consent") is not True
            and consents.needs_sensitive_consent({"passport": values or data["passport"]})):
        errors["sensitive_consent"] = [consents.PASSPORT_CONSENT_MISSING]
    if errors:
        return None, errors
    return PassportRequest(wants, values), {}


def passport_of(delegate_id: int) -> Passport | None:
    """The delegate's passport; None if none was given, or it was erased (an erasure blanks the row)."""
    row = db.session.get(Passport, delegate_id)
    return row if row is not None and row.number else None


def store_passport(delegate: Delegate, values: dict) -> bool:
    """Write the passport in the caller's transaction; True if an existing one changed (its letter must go)."""
    row = db.session.get(Passport, delegate.id)
    if row is not None and not row.number:  # erased: nothing of it stands
        db.session.delete(row)
        db.session.flush()
        row = None
    if row is None:
        db.session.add(Passport(delegate_id=delegate.id, updated_at=utcnow(), **values))
        return False
    changed = any(getattr(row, name) != values[name] for name in FIELDS)
    if changed:
        for name in FIELDS:
            setattr(row, name, values[name])
        row.updated_at = utcnow()
    return changed


def shown(passport: Passport | None) -> dict | None:
    """The passport as answers and pages show it: the number masked."""
    if passport is None:
        return None
    return {"number": masked(passport.number), "nationality": passport.nationality,
            "date_of_birth": passport.date_of_birth.isoformat(), "expires_on": passport.expires_on.isoformat(),
            "name": passport.name}
