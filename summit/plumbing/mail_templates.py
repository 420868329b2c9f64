"""Emails from templates: ``templates/emails/<name>.txt`` and ``<name>.html``, in the reader's language.

``render_email(name, language, **context)`` gives the subject, the text part and the HTML part of one
message; ``mail_transport.send`` renders it in the mail thread and sends the two parts as multipart/alternative.  Every message a
delegate receives is made this way (services/registration/mail.py), and so is any message added later:
write the two templates, then call ``render_email``.

- The subject is the text template's ``subject`` variable (``{% set subject = _("…") %}``); the rest
  of the text template is the text part.  The HTML template gets ``subject`` too, for its title.
- Both are rendered with ``language`` forced (Flask-Babel's ``force_locale``): a delegate reads
  their own language whichever page, request or job sent the mail.  Strings go through ``_()``
  like every other template's, so ``scripts/i18n.py`` finds them.  ``language`` is in the context
  too ("zh" or "en"); a template imports its macros ``with context`` so that they see it.
- The HTML part is autoescaped and the text part is not: a name such as O'Brien, or a route named
  "Port & Harbour", reaches the reader as written in the text part, and as safe HTML in the other.
  So an .html mail never imports or includes a .txt template: Jinja marks a macro's output safe by
  the mode of the template that calls it, and text pieces would pass into the HTML unescaped.
- A variable the caller did not pass is an error, not an empty gap in a sent mail.
- Links in a mail are passed in by the caller, built by summit/plumbing/urls.py from the public address.
"""
from __future__ import annotations

from typing import NamedTuple

from flask import Flask, current_app
from flask_babel import force_locale, get_translations, gettext
from jinja2 import Environment, StrictUndefined, pass_context
from markupsafe import Markup

from .urls import external_url

#: where the templates live, under the app's template folder
FOLDER = "emails"


class Email(NamedTuple):
    subject: str
    text: str
    html: str


def render_email(name: str, language: str, **context) -> Email:
    """The message ``name`` (templates/emails/<name>.txt and .html) in ``language`` ("zh" or "en")."""
    environment = _environment(current_app)
    with force_locale(language):
        # every mail ends with the privacy notice's address (issue 17): the frame adds it, the text below
        privacy = privacy_url()
        context = {"privacy_url": privacy, **context, "language": language, **_translated(get_translations())}
        text = environment.get_template(f"{FOLDER}/{name}.txt").make_module(context)
        subject = " ".join(str(text.subject).split())  # one header line, whatever the data held
        html = environment.get_template(f"{FOLDER}/{name}.html").render(context, subject=subject)
        footer = gettext("How we handle your personal data: %(url)s", url=privacy) if privacy else ""
    body = str(text).strip("\n")
    return Email(subject, f"{body}\n\n{footer}" if footer else body, html)


def privacy_url() -> str | None:
    """The privacy notice's absolute address; None in an app without the public pages."""
    if "public.privacy" not in current_app.view_functions:
        return None
    return external_url("public.privacy")


def _translated(translations) -> dict:
    """``_`` and ``gettext`` bound to one language's catalog for one mail.

    They behave as the app's own (Jinja's "newstyle" gettext over Flask-Babel's catalog: ``%``
    formatting, and variables escaped in HTML), but look the catalog up once per mail instead of
    once per string, which costs most of a mail's rendering otherwise.  The lost-link page renders
    a mail only for a registered address, and its timing must not tell (services/registration/new_links.py).
    """
    @pass_context
    def gettext(context, string: str, **variables) -> str:
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # nosec B704  (our catalog, as in Jinja's own gettext; % escapes the variables)
        return text % variables

    return {"_": gettext, "gettext": gettext}


def _escapes_html(template_name: str | None) -> bool:
    return bool(template_name) and template_name.endswith(".html")


def _environment(app: Flask) -> Environment:
    """The app's Jinja environment (its loader, ``_``, filters, globals), set up for mail.

    Block tags take their line break with them (``trim_blocks``), so a text template can be laid
    out readably and still give exactly the lines it shows.
    """
    environment = app.extensions.get("summit.mail_templates")
    if environment is None:
        environment = app.jinja_env.overlay(autoescape=_escapes_html, trim_blocks=True, lstrip_blocks=True,
                                            undefined=StrictUndefined)
        app.extensions["summit.mail_templates"] = environment
    return environment
