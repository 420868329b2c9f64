"""The visa-letter part of a delegate's forms: "I need a visa invitation letter" and the passport under it.

The passport's fields show only once the box is ticked (CSS :has(), templates/_visa_fields.html); a
browser without it shows them always, which still works. The rules are the service's
(services/travel/passports.py), so the form and the API say the same thing.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField

from ..models.visa import PASSPORT_NAME_MAX, PASSPORT_NUMBER_MAX
from ..services.privacy.consents import PASSPORT_CONSENT_MISSING
from ..services.travel.letter_settings import letter_host
from .drafts import DraftForm
from .forms import CountryField, RegistrationForm, length, storable_text

#: the service's error keys → the form's fields
ERROR_FIELDS = {"visa_letter": "visa_letter", "passport": "visa_letter",
                "passport.number": "passport_number", "passport.nationality": "passport_nationality",
                "passport.date_of_birth": "passport_date_of_birth", "passport.expires_on": "passport_expires_on",
                "passport.name": "passport_name"}


class VisaForm(DraftForm):
    visa_letter = BooleanField(_l("I need a visa invitation letter"))
    passport_name = StringField(_l("Name as printed in the passport"), validators=[storable_text],
                                render_kw={**length(PASSPORT_NAME_MAX), "autocomplete": "name"})
    passport_number = StringField(_l("Passport number"), validators=[storable_text],
                                  render_kw={**length(PASSPORT_NUMBER_MAX), "autocomplete": "off", "spellcheck": "false"})
    passport_nationality = CountryField(_l("Nationality (as in the passport)"))
    # a date input; an unreadable date is the service's error, so the field does not validate it
    passport_date_of_birth = StringField(_l("Date of birth"), validators=[storable_text], render_kw={"type": "date", "autocomplete": "bday"})
    passport_expires_on = StringField(_l("Passport valid until"), validators=[storable_text], render_kw={"type": "date"})
    #: the separate consent a passport asks for (services/privacy/consents.py SENSITIVE_FIELDS); None on a
    #: focal point's page (their consent covers the member)
    passport_consent = BooleanField(_l("I agree that the organisers use my passport details to issue my "
                                       "invitation letter."))

    def visa_data(self, *, always: bool = False) -> dict:
        """The registration body's visa_letter and passport: only when the box is ticked (or ``always``)."""
        if not self.visa_letter.data and not always:
            return {}
        passport = {"number": self.passport_number.data or "", "nationality": self.passport_nationality.data or "",
                    "date_of_birth": self.passport_date_of_birth.data or "",
                    "expires_on": self.passport_expires_on.data or "", "name": self.passport_name.data or ""}
        data = {"visa_letter": bool(self.visa_letter.data), "passport": passport}
        if self.passport_consent is not None and self.passport_consent.data:
            data["sensitive_consent"] = True  # the one sensitive-data consent: it covers needs given beside
        return data

    def show_visa_errors(self, errors: dict) -> dict:
        """Put the service's visa errors beside their fields; the others are returned for show_errors."""
        rest = {}
        for key, messages in errors.items():
            if key == "sensitive_consent" and self.passport_consent is not None:
                mine = [m for m in messages if str(m) == str(PASSPORT_CONSENT_MISSING)]
                self.passport_consent.errors = [*self.passport_consent.errors, *mine]
                messages = [m for m in messages if str(m) != str(PASSPORT_CONSENT_MISSING)]
                if messages:
                    rest[key] = messages
                continue
            name = ERROR_FIELDS.get(key)
            if name is None:
                rest[key] = messages
                continue
            field = getattr(self, name)
            field.errors = [*field.errors, *messages]
        return rest

    def fill_from(self, passport, wants: bool) -> None:
        """The page shows what is held; the number is never put back in the page (it shows masked beside)."""
        self.visa_letter.data = wants
        if passport is not None:
            self.passport_name.data = passport.name
            self.passport_nationality.data = passport.nationality
            self.passport_date_of_birth.data = passport.date_of_birth.isoformat()
            self.passport_expires_on.data = passport.expires_on.isoformat()


def letter_deadline(summit) -> str | None:
    deadline = letter_host(summit).request_deadline
    return deadline.isoformat() if deadline else None


class RegistrationVisaForm(RegistrationForm, VisaForm):
    """The public registration form, with the visa-letter block."""


class MemberVisaForm(VisaForm):
    """A focal point's page for a member's passport: the focal point's consent covers it."""

    passport_consent = None
