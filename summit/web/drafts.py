"""What a person had typed into a form, kept across the language switch.

The switch on a page with a form in progress (static/js/language-draft.js) posts the form's fields to
``POST /language/<code>`` with the page's own address; the draft goes into the session, and the answer
redirects back to that page in the new language, whose form is filled from the draft (never validated:
errors show only after a real submit).  Without script the switch is a plain link and the draft is lost,
as before.

What holds:
- a draft is for one page: it is stored under a hash of the page's path (a manage link's secret never
  goes into the session cookie) and only a form on that same path takes it, once;
- only a form whose fields include every drafted name takes it, so another form on the page cannot;
- never a password, a token or a secret: such names, the CSRF token and files are dropped when storing,
  and a form's password and file fields never read a draft;
- bounded: at most ``MAX_FIELDS`` names and ``MAX_BYTES`` of text (the session is a cookie); a bigger
  form switches language without its draft, and says so;
- CSRF-protected like every post, and forgotten after ``MAX_AGE`` seconds or on the next submitted form.
"""
from __future__ import annotations

import hashlib
import json
import re
import time

from flask import request, session
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import MultiDict
from wtforms import FileField, MultipleFileField, PasswordField

from .form_messages import form_translations

SESSION_KEY = "form_draft"
MAX_FIELDS = 60
#: the session travels in a cookie (4 KB in all, signed): the draft keeps well inside it
MAX_BYTES = 2500
MAX_AGE = 3600
#: names that may hold a secret, whatever form they come from
SECRET_NAMES = re.compile(r"pass|secret|token|csrf|otp|code_verifier", re.IGNORECASE)
#: the switch's own fields, never part of the draft
OWN_FIELDS = {"back"}


class DraftTooLarge(Exception):
    code = "draft_too_large"


def _page_key(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def keep(path: str, fields: MultiDict) -> None:
    """Store ``fields`` (a form's state) as the draft of the page at ``path``, replacing any other."""
    session.pop(SESSION_KEY, None)
    items = [(name, value) for name, value in fields.items(multi=True)
             if name not in OWN_FIELDS and not SECRET_NAMES.search(name) and isinstance(value, str)]
    if not items:
        return
    if len({name for name, _ in items}) > MAX_FIELDS:
        raise DraftTooLarge()
    encoded = json.dumps(items, ensure_ascii=False, separators=(",", ":"))
    if len(encoded.encode("utf-8")) > MAX_BYTES:
        raise DraftTooLarge()
    session[SESSION_KEY] = {"page": _page_key(path), "at": int(time.time()), "fields": items}


def forget() -> None:
    session.pop(SESSION_KEY, None)


def _secret_field(field) -> bool:
    return isinstance(field, (PasswordField, FileField, MultipleFileField)) or bool(SECRET_NAMES.search(field.name))


def take_for(form) -> MultiDict | None:
    """The draft of this page, when ``form`` is the form it was typed into; it is used up."""
    draft = session.get(SESSION_KEY)
    if not isinstance(draft, dict) or draft.get("page") != _page_key(request.path):
        return None
    if int(time.time()) - int(draft.get("at") or 0) > MAX_AGE:
        forget()
        return None
    fields = {name: field for name, field in form._fields.items()}
    # names the form's template posts beside its fields (the route choice's per-route offers) are no
    # reason to refuse the draft; they are simply not restored
    beside = getattr(form, "DRAFT_BESIDE", None)
    kept = [(name, value) for name, value in draft.get("fields") or [] if not (beside and beside.fullmatch(name))]
    items = [(name, value) for name, value in kept if name in fields and not _secret_field(fields[name])]
    drafted = {name for name, _ in kept}
    if not items or not drafted <= set(fields):
        return None
    forget()
    return MultiDict(items)


class DraftForm(FlaskForm):
    """Every form of the app: on a page shown again after the language switch, it reads the draft."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto and not _is_submitted() and request.method == "GET":
                draft = take_for(form)
                if draft is not None:
                    return draft
            return super().wrap_formdata(form, formdata)

        def get_translations(self, form):
            return form_translations()


def init_app(app) -> None:
    @app.before_request
    def _submitted_forgets_draft():
        # A form submitted (anything but the switch itself) ends the draft: it was sent, or abandoned.
        if request.method == "POST" and SESSION_KEY in session and request.endpoint != "public.switch_language_keeping":
            forget()
