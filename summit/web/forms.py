"""Forms for delegates.

The forms render fields and carry CSRF; the rules themselves (lengths, scripts,
countries, capacity) live in the services, which both the forms and the API
call, so a page and the API never disagree.  ``validate_choice=False``: an
unknown choice is reported by the service, in the same words as the API.
"""
from __future__ import annotations

import re
from functools import lru_cache

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TextAreaField, ValidationError
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select, html_params

from ..plumbing.i18n import lang
from ..plumbing.text_input import problem
from ..models.delegate import (EMAIL_MAX, JOB_TITLE_MAX, NAME_MAX, NATIVE_NAME_MAX, NEEDS_MAX, ORGANISATION_MAX,
                               PHONE_MAX, TITLE_MAX, display_name)
from ..models.labels import DelegateCategory, NameOrder
from ..services.registration import countries
from .drafts import DraftForm


def country_name(code: str) -> str:
    """The country or region in the page's language (the badge's and the exports' names)."""
    return countries.country_name(code, lang())


def country_choices() -> list[SelectChoice]:
    """ISO 3166-1 countries and regions, named and sorted in the page's language."""
    return [SelectChoice("", _l("Choose…")), *(SelectChoice(code, name) for code, name in countries.countries(lang()))]


@lru_cache(maxsize=4)
def _country_options(language: str, choose: str) -> str:
    return "".join([f'<option value="">{escape(choose)}</option>',
                    *(f'<option value="{code}">{escape(name)}</option>' for code, name in countries.countries(language))])


class CountrySelect(Select):
    """A country list whose 250 options are HTML built once per language (WTForms rendered each option anew
    on every page: a third of the registration form's time); the chosen one is marked in the copy."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if "required" not in kwargs and "required" in getattr(field, "flags", []):
            kwargs["required"] = True
        options = _country_options(lang(), str(_l("Choose…")))
        if field.data and field.data in countries.COUNTRY_CODES:  # a code: letters only, safe in the markup
            options = options.replace(f'<option value="{field.data}">', f'<option selected value="{field.data}">', 1)
        # every part is escaped: html_params escapes the attributes, _country_options the names, and the
        # chosen code was checked against the ISO list above
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")  # nosec B704


class CountryField(SelectField):
    """A country or region by its ISO code; the service says whether it is one (validate_choice=False)."""
    widget = CountrySelect()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, validate_choice=False, **kwargs)


def storable_text(form, field) -> None:
    """The text rules for a block's fields that reach the service only when its box is ticked (visa, travel):
    what cannot be stored (NUL, control characters) is refused beside the field, ticked or not."""
    why = problem(field.data) if isinstance(field.data, str) else None
    if why:
        raise ValidationError(why)


def length(limit: int) -> dict:
    return {"maxlength": limit}


#: the name the order choice shows until the delegate has typed theirs
SAMPLE_NAME = ("Wei", "Zhang")


class DetailsForm(DraftForm):
    #: the same rules as the API's title (services/registration/delegate_input.py, accreditation.levels.clean_title)
    title = StringField(_l("Title (optional)"), render_kw={**length(TITLE_MAX), "autocomplete": "honorific-prefix",
                                                          "placeholder": _l("e.g. H.E., Dr, Prof.")})
    given_name = StringField(_l("Given name (Latin letters)"), render_kw={**length(NAME_MAX), "autocomplete": "given-name"})
    family_name = StringField(_l("Family name (Latin letters)"), render_kw={**length(NAME_MAX), "autocomplete": "family-name"})
    #: choices come from fill_choices: each order written out with the delegate's own name
    name_order = RadioField(_l("How your name is written"), validate_choice=False)
    native_name = StringField(_l("Name in your own script"), render_kw={**length(NATIVE_NAME_MAX), "dir": "auto"})
    email = EmailField(_l("Email"), render_kw={**length(EMAIL_MAX), "autocomplete": "email"})
    organisation = StringField(_l("Organisation"), render_kw={**length(ORGANISATION_MAX), "autocomplete": "organization", "dir": "auto"})
    job_title = StringField(_l("Job title"), render_kw={**length(JOB_TITLE_MAX), "autocomplete": "organization-title", "dir": "auto"})
    country = CountryField(_l("Country or region"), render_kw={"autocomplete": "country"})
    category = RadioField(_l("Category"), choices=[SelectChoice(c.value, c.label) for c in DelegateCategory],
                          validate_choice=False)
    phone = StringField(_l("Mobile phone (for the visit day)"), render_kw={**length(PHONE_MAX), "autocomplete": "tel", "inputmode": "tel"})
    banquet = BooleanField(_l("I will attend the welcome banquet on 25 September"))
    dietary_needs = TextAreaField(_l("Dietary requirements"), render_kw={**length(NEEDS_MAX), "rows": 2, "dir": "auto"})
    accessibility_needs = TextAreaField(_l("Accessibility needs"), render_kw={**length(NEEDS_MAX), "rows": 2, "dir": "auto"})
    language = RadioField(_l("Language of correspondence"), choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")],
                          validate_choice=False)
    #: the separate consent the needs above ask for (services/privacy/consents.py: needs_sensitive_consent)
    sensitive_consent = BooleanField(_l("I agree that the organisers use these needs to arrange my meals and access."))

    #: offer "as is customary" (the default from the country or script): a new registration's form only
    CUSTOMARY_ORDER = False

    def fill_choices(self) -> None:
        self.name_order.choices = name_order_choices(self.given_name.data, self.family_name.data,
                                                     customary=self.CUSTOMARY_ORDER)
        if self.name_order.data in (None, "None"):
            self.name_order.data = ""

    def delegate_data(self) -> dict:
        data = {name: getattr(self, name).data for name in (
            "title", "given_name", "family_name", "native_name", "email", "organisation", "job_title", "country",
            "category", "phone", "banquet", "dietary_needs", "accessibility_needs", "language")}
        if self.sensitive_consent is not None:
            data["sensitive_consent"] = bool(self.sensitive_consent.data)
        if self.name_order.data:  # none chosen: the service's default (registration), or unchanged (an edit)
            data["name_order"] = self.name_order.data
        return data


def name_order_choices(given: str | None, family: str | None, *, customary: bool = False) -> list[SelectChoice]:
    """Both orders written out with the delegate's own name ("Wei ZHANG" / "ZHANG Wei"), as badges will print it."""
    given, family = (given or "").strip(), (family or "").strip()
    if not (given and family):
        given, family = SAMPLE_NAME
    # the label is the name itself; templates/_form.html's name_order_field adds the order's own label
    choices = [SelectChoice(order.value, display_name(given, family, order.value))
               for order in (NameOrder.GIVEN_FIRST, NameOrder.FAMILY_FIRST)]
    if customary:
        choices.insert(0, SelectChoice("", _l("As is customary for my country or my name's script")))
    return choices


class RouteChoiceForm(DraftForm):
    #: posted by templates/_form.html's route_options beside the fields: which routes it showed full, and
    #: per full route whether to keep one's place meanwhile
    DRAFT_BESIDE = re.compile(r"shown_full|keep_place_\d{1,9}")
    route = RadioField(_l("Technical visit route"), validate_choice=False, default="")
    join_waitlist = BooleanField(_l("If the route is full, put me on its waiting list"))

    def route_data(self) -> dict:
        """The choice: a route, and for a full one whether to wait for it (the box under that route, or
        the older single box) and whether to keep one's confirmed place meanwhile."""
        raw = (self.route.data or "").strip()
        route_id = int(raw) if raw.isascii() and raw.isdigit() else (None if raw in ("", "none") else raw)
        asked = request.form.getlist("join_waitlist")
        join = any(value in ("y", "on", "true") for value in asked) or (route_id is not None and str(route_id) in asked)
        data = {"route_id": route_id, "join_waitlist": join}
        if join and route_id is not None and request.form.get(f"keep_place_{route_id}") == "1":
            data["keep_place"] = True
        return data

    def shown_full(self) -> bool:
        """Whether the page the delegate chose from already showed their route full (so a refusal is no race)."""
        raw = (self.route.data or "").strip()
        return raw != "" and raw in request.form.get("shown_full", "").split(",")


class RegistrationForm(DetailsForm, RouteChoiceForm):
    CUSTOMARY_ORDER = True

    consent = BooleanField(_l("I agree that the organisers process my personal data to run this summit."))


class MemberForm(DetailsForm, RouteChoiceForm):
    """A delegation's member, added by the focal point (whose consent covers the member)."""

    sensitive_consent = None  # the focal point's consent covers the member's needs too


class LostLinkForm(DraftForm):
    email = EmailField(_l("Email"), render_kw={**length(EMAIL_MAX), "autocomplete": "email"})


class ConfirmForm(DraftForm):
    """A button that changes something: CSRF only."""


class EraseForm(DraftForm):
    """Erasing one's data: cannot be undone, so a ticked box and not a button alone (the page checks it)."""

    understood = BooleanField(_l("I understand that my data will be erased for good and that this cannot be "
                                 "undone."))


def show_errors(form: FlaskForm, errors: dict) -> None:
    """Put a service's field errors beside the fields they concern."""
    aliases = {"route_id": "route", "body": None}
    for name, messages in errors.items():
        field = getattr(form, aliases.get(name, name) or "", None)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):
            target = list(target)
            field.errors = target
        target.extend(messages)
