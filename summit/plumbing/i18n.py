"""Language of a page: the delegate's explicit choice, else the browser's, else English."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from markupsafe import escape

LOCALES = ("zh", "en")
LANG_COOKIE = "summit_lang"


def select_locale() -> str:
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or "en"


def lang() -> str:
    return _page_language()[0]


def _page_language() -> tuple[str, object]:
    """The page's language code and its catalogue, worked out once per locale a request uses.

    A page asks about a hundred times (every ``_()`` and ``pick()``), and Flask-Babel's own path goes
    through ``g`` four times a call: a fifth of a page's template time.  Kept beside Flask-Babel's locale on
    its request state, and valid while that very Locale object is the one in force: ``force_locale``
    (a mail in the delegate's language) and ``refresh`` put in another, so the pair is worked out again.
    """
    if not g:  # outside a request or app context: Flask-Babel's own answers (English, no catalogue)
        return str(get_locale() or "en")[:2], get_translations()
    state = getattr(g, "_flask_babel", None)
    kept = getattr(state, "summit_language", None) if state is not None else None
    if kept is not None and kept[0] is getattr(state, "babel_locale", None):
        return kept[1]
    locale = get_locale()
    pair = (str(locale or "en")[:2], get_translations())
    g._flask_babel.summit_language = (locale, pair)
    return pair


def _template_gettext(string: str) -> str:
    return _page_language()[1].ugettext(string)


def _template_ngettext(singular: str, plural: str, n: int) -> str:
    return _page_language()[1].ungettext(singular, plural, n)


def pick(row, field: str) -> str:
    """The field in the page's language, falling back to the other one when empty."""
    first, second = ("zh", "en") if lang() == "zh" else ("en", "zh")
    return getattr(row, f"{field}_{first}") or getattr(row, f"{field}_{second}")


def remember_language_choice(response, code: str) -> None:
    """The language cookie, for a year: Secure whenever the page came over HTTPS (and always in production)."""
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=request.is_secure or bool(current_app.config.get("SESSION_COOKIE_SECURE")))


def _escaped_html(self: LazyString) -> str:
    return str(escape(str(self)))


def escape_lazy_strings() -> None:
    """A lazy translation (``lazy_gettext``) is text, and Jinja and WTForms escape it like any text.

    Flask-Babel's LazyString declares ``__html__`` as its plain text, which tells Jinja, markupsafe
    and WTForms that it is already-safe HTML: a label such as "Academia & think tank" reached the page
    unescaped, and any ``<`` in a catalog entry would have become markup.  No lazy string of ours is
    meant as HTML (templates write their markup themselves), so its HTML is its escaped text.
    """
    LazyString.__html__ = _escaped_html


def init_app(app: Flask) -> None:
    """After Flask-Babel's init_app: its template callables are replaced by ones that use _page_language."""
    escape_lazy_strings()
    app.jinja_env.install_gettext_callables(gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True,
                                            pgettext=lambda c, s: _page_language()[1].upgettext(c, s),
                                            npgettext=lambda c, s, p, n: _page_language()[1].unpgettext(c, s, p, n))
    @app.after_request
    def remember_language(response):
        # ?lang=… on any page switches the language and keeps it for the next pages.
        chosen = request.args.get("lang")
        if chosen in LOCALES and request.cookies.get(LANG_COOKIE) != chosen:
            remember_language_choice(response, chosen)
        if "Vary" in response.headers:
            response.vary.update(("Accept-Language", "Cookie"))
        else:  # the usual case, without parsing a header set and writing it back twice
            response.headers["Vary"] = "Accept-Language, Cookie"
        return response
