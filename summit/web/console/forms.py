"""Console forms: they render fields and carry CSRF; the rules live in the services."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from ..drafts import DraftForm
from wtforms import (BooleanField, DateTimeLocalField, EmailField, IntegerField, PasswordField, RadioField,
                     SelectField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice

from ...models import MAX_CAPACITY, ProgrammeKind
from ..forms import DetailsForm

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class LocalTimeField(DateTimeLocalField):
    """A wall-clock time; empty is None (the service decides whether the field is required)."""

    def process_formdata(self, valuelist):
        text = " ".join(valuelist or []).strip()
        if not text:
            self.data = None
            return
        for fmt in self.strptime_format:
            try:
                self.data = datetime.strptime(text, fmt)
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_l("Enter a date and time."))


class CountField(IntegerField):
    """A whole number; empty is None, for the service to judge."""

    def process_formdata(self, valuelist):
        text = (valuelist or [""])[0].strip()
        if not text:
            self.data = None
            return
        if not (text.isascii() and text.isdigit()):
            self.data = None
            raise ValueError(_l("A whole number from 0 to %(max)d.", max=MAX_CAPACITY))
        self.data = int(text)



class DelegationForm(DraftForm):
    """A new delegation: the service (accreditation.delegations.clean_delegation) judges every field."""

    name_zh = StringField(_l("Name in Chinese"), render_kw={"maxlength": 200, "lang": "zh"})
    name_en = StringField(_l("Name in English"), render_kw={"maxlength": 200, "lang": "en"})
    country = SelectField(_l("Country or region"), validate_choice=False)
    focal_name = StringField(_l("Focal point's name"), render_kw={"maxlength": 200, "dir": "auto"})
    focal_email = EmailField(_l("Focal point's email"), render_kw={"maxlength": 254})
    focal_language = SelectField(_l("Focal point's language for later mails"), validate_choice=False,
                                 choices=[SelectChoice("", _l("From the country")), SelectChoice("zh", "中文"),
                                          SelectChoice("en", "English")])
    places = StringField(_l("Places"), render_kw={"inputmode": "numeric", "maxlength": 6})

    def delegation_data(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "name_zh", "name_en", "country", "focal_name", "focal_email", "focal_language", "places")}


class DelegationPlacesForm(DraftForm):
    places = StringField(_l("Places"), render_kw={"inputmode": "numeric", "maxlength": 6})


class PlainForm(DraftForm):
    """A button that changes something: CSRF only."""


class LoginForm(DraftForm):
    email = EmailField(_l("Email"), render_kw={"autocomplete": "username", "maxlength": 254})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password", "maxlength": 1000})


class ProgrammeItemForm(DraftForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, k.label) for k in ProgrammeKind],
                       validate_choice=False)
    title_zh = StringField(_l("Title (Chinese)"), render_kw={"maxlength": 300, "lang": "zh-Hans"})
    title_en = StringField(_l("Title (English)"), render_kw={"maxlength": 300, "lang": "en"})
    starts_at = LocalTimeField(_l("Starts (Beijing time)"), format=DATETIME_FORMATS)
    ends_at = LocalTimeField(_l("Ends (Beijing time)"), format=DATETIME_FORMATS)
    venue_zh = StringField(_l("Room (Chinese)"), render_kw={"maxlength": 200, "lang": "zh-Hans"})
    venue_en = StringField(_l("Room (English)"), render_kw={"maxlength": 200, "lang": "en"})
    description_zh = TextAreaField(_l("Description (Chinese)"), render_kw={"rows": 4, "lang": "zh-Hans"})
    description_en = TextAreaField(_l("Description (English)"), render_kw={"rows": 4, "lang": "en"})

    def item_data(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "kind", "title_zh", "title_en", "starts_at", "ends_at", "venue_zh", "venue_en",
            "description_zh", "description_en")}


class RouteForm(DraftForm):
    name_zh = StringField(_l("Name (Chinese)"), render_kw={"maxlength": 200, "lang": "zh-Hans"})
    name_en = StringField(_l("Name (English)"), render_kw={"maxlength": 200, "lang": "en"})
    stops = TextAreaField(_l("Stops, in order"), render_kw={"rows": 6})
    note_zh = StringField(_l("Note (Chinese)"), render_kw={"maxlength": 300, "lang": "zh-Hans"})
    note_en = StringField(_l("Note (English)"), render_kw={"maxlength": 300, "lang": "en"})
    departs_at = LocalTimeField(_l("Departs (Beijing time)"), format=DATETIME_FORMATS)
    returns_at = LocalTimeField(_l("Returns (Beijing time)"), format=DATETIME_FORMATS)
    meeting_point_zh = StringField(_l("Meeting point (Chinese)"), render_kw={"maxlength": 200, "lang": "zh-Hans"})
    meeting_point_en = StringField(_l("Meeting point (English)"), render_kw={"maxlength": 200, "lang": "en"})
    capacity = CountField(_l("Capacity"), render_kw={"min": 0, "max": MAX_CAPACITY, "inputmode": "numeric"})

    def route_data(self) -> dict:
        data = {name: getattr(self, name).data for name in (
            "name_zh", "name_en", "note_zh", "note_en", "departs_at", "returns_at",
            "meeting_point_zh", "meeting_point_en", "capacity")}
        data["stops"] = stops_from_text(self.stops.data or "")
        return data


def stops_from_text(text: str) -> list[dict]:
    """One stop a line, "中文 | English"; a line with one half names the stop in that half only."""
    stops = []
    for line in text.splitlines():
        if not line.strip():
            continue
        zh, sep, en = line.partition("|")
        stops.append({"zh": zh.strip(), "en": en.strip()} if sep else _one_language(line.strip()))
    return stops


def _one_language(text: str) -> dict:
    # Without a "|", put the text where its script belongs.
    has_cjk = any("\u3400" <= ch <= "\u9fff" for ch in text)
    return {"zh": text, "en": ""} if has_cjk else {"zh": "", "en": text}


def stops_to_text(stops: list[dict]) -> str:
    return "\n".join(f"{stop.get('zh', '')} | {stop.get('en', '')}" for stop in stops)


class DelegateForm(DetailsForm):
    """The delegate's own form, in the organiser's words."""
    sensitive_consent = None  # staff write down what the delegate told them; the delegate consents themselves

    title = StringField(_l("Title (honorific)"), render_kw={"maxlength": 40, "placeholder": _l("e.g. H.E., Dr, Prof.")})
    name_order = RadioField(_l("How the delegate's name is written"), validate_choice=False)
    native_name = StringField(_l("Name in the delegate's own script"), render_kw={"maxlength": 100, "dir": "auto"})
    phone = StringField(_l("Mobile phone"), render_kw={"maxlength": 40, "inputmode": "tel"})
    banquet = BooleanField(_l("Attends the welcome banquet"))


class MoveForm(DraftForm):
    route = SelectField(_l("Route"), validate_choice=False)
    join_waitlist = BooleanField(_l("If the route is full, put the delegate at the end of its waiting list"))

    def route_data(self) -> dict:
        raw = (self.route.data or "").strip()
        return {"route_id": int(raw) if raw.isascii() and raw.isdigit() else None, "join_waitlist": bool(self.join_waitlist.data)}


class TokenForm(DraftForm):
    label = StringField(_l("What the token is for"), render_kw={"maxlength": 100,
                                                              "placeholder": _l("e.g. door scanner 2")})


class MessageForm(DraftForm):
    """An organiser's message: both languages, and whom it goes to (the choices are set by the view;
    services/messages judges every value, so a choice not offered is refused there, with its message)."""

    subject_zh = StringField(_l("Subject (Chinese)"), render_kw={"maxlength": 200, "lang": "zh-Hans"})
    body_zh = TextAreaField(_l("Message (Chinese)"), render_kw={"rows": 8, "lang": "zh-Hans", "maxlength": 10000})
    subject_en = StringField(_l("Subject (English)"), render_kw={"maxlength": 200, "lang": "en"})
    body_en = TextAreaField(_l("Message (English)"), render_kw={"rows": 8, "lang": "en", "maxlength": 10000})
    delegation_id = SelectField(_l("Delegation"), choices=[], validate_choice=False)
    protocol_level = SelectField(_l("Protocol level"), choices=[], validate_choice=False)
    route = SelectField(_l("Technical visit"), choices=[], validate_choice=False)
    banquet = SelectField(_l("Banquet"), choices=[], validate_choice=False)
    accreditation = SelectField(_l("Accreditation"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    copy_focal_point = BooleanField(_l("Send a copy to the delegation's focal point"))
