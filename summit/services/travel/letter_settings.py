"""The host's letterhead and the rules for invitation letters: the summit file's [letters] table.

Seeded once per summit and never overwritten (an organiser may have changed the row); a file without the
table still loads, and a summit without settings issues letters under the summit's own host and organiser.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ...models import LetterSettings, Summit
from ...plumbing.extensions import db

TEXT_KEYS = ("serial_prefix", "host_zh", "host_en", "address_zh", "address_en", "phone", "email",
             "signatory_zh", "signatory_en", "signatory_title_zh", "signatory_title_en", "seal",
             "purpose_zh", "purpose_en", "costs_zh", "costs_en", "contact_zh", "contact_en")


@dataclass(frozen=True)
class LetterHost:
    serial_prefix: str
    host_zh: str
    host_en: str
    address_zh: str
    address_en: str
    phone: str
    email: str
    signatory_zh: str
    signatory_en: str
    signatory_title_zh: str
    signatory_title_en: str
    #: a file name of templates/letters/assets/ ("" for none)
    seal: str
    purpose_zh: str
    purpose_en: str
    costs_zh: str
    costs_en: str
    contact_zh: str
    contact_en: str
    stay_from: date
    stay_to: date
    #: the last day (the summit's zone) a delegate may ask for a letter; None: no deadline
    request_deadline: date | None

    def contact(self, language: str) -> str:
        return self.contact_zh if language == "zh" else self.contact_en


def seed_letter_settings(summit: Summit, spec: dict | None) -> bool:
    """Store the file's [letters] for ``summit`` unless it has settings already; True if stored."""
    if not spec or db.session.get(LetterSettings, summit.id) is not None:
        return False
    values = {key: str(spec[key]) for key in TEXT_KEYS if key in spec}
    for key in ("arrive_days_before", "leave_days_after"):
        if isinstance(spec.get(key), int):
            values[key] = spec[key]
    if isinstance(spec.get("request_deadline"), date):
        values["request_deadline"] = spec["request_deadline"].isoformat()
    db.session.add(LetterSettings(summit_id=summit.id, settings=values))
    return True


def letter_host(summit: Summit) -> LetterHost:
    row = db.session.get(LetterSettings, summit.id)
    values = dict(row.settings) if row is not None else {}
    deadline = values.get("request_deadline")
    before, after = int(values.get("arrive_days_before", 0)), int(values.get("leave_days_after", 0))
    defaults = {"serial_prefix": "LTR", "host_zh": summit.host_zh or summit.organiser_zh,
                "host_en": summit.host_en or summit.organiser_en, "contact_zh": summit.contact_email,
                "contact_en": summit.contact_email, "purpose_zh": f"出席{summit.name_zh}",
                "purpose_en": f"to attend the {summit.name_en}"}
    return LetterHost(**{key: values.get(key) or defaults.get(key, "") for key in TEXT_KEYS},
                      stay_from=summit.starts_on - timedelta(days=before),
                      stay_to=summit.ends_on + timedelta(days=after),
                      request_deadline=date.fromisoformat(deadline) if deadline else None)


def change_settings(summit: Summit, **values) -> None:
    """An organiser's change (and the tests' way to move the deadline); None removes a key."""
    row = db.session.get(LetterSettings, summit.id)
    if row is None:
        row = LetterSettings(summit_id=summit.id, settings={})
        db.session.add(row)
    settings = dict(row.settings)
    for key, value in values.items():
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = value.isoformat() if isinstance(value, date) else value
    row.settings = settings
    db.session.commit()
