"""Security headers on every answer: pages, errors, static files, the API, PDFs and calendars.

The pages run no inline script and no inline style (tests/security/test_security_headers.py checks the
templates, and loads pages in Chromium to see that the policy blocks nothing), so the policy can
be strict.  Blueprints may set their own Referrer-Policy and Cache-Control first (the manage
pages: no-referrer, their URL is a secret; the console: same-origin, Flask-WTF checks the Referer
on HTTPS posts); nothing here overwrites a header a view or blueprint has already set.
"""
from __future__ import annotations

from flask import Flask, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # The door scanner uses the camera on our own pages; nothing else may ask for these.
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Chrome shows a PDF inside a page it makes up, with inline styles and an <embed> of the same URL:
# the page policy above would leave badges blank in the tab the desk's Print button opens
# (chromium bug 271452).  A PDF runs no script of ours, so it keeps only the framing rules.
PDF_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
}

#: two years: browsers remember to use HTTPS only; sent only on answers that came over HTTPS
HSTS = "max-age=63072000; includeSubDomains"


#: what a PDF answer gets: the page headers, PDF_HEADERS' framing rules instead of theirs
_HEADERS_FOR_PDF = {**HEADERS, **PDF_HEADERS}


def add_security_headers(response):
    headers = _HEADERS_FOR_PDF if response.mimetype == "application/pdf" else HEADERS
    # One pass over what is set, not a lookup a header: every public read pays this (Headers.setdefault
    # raises and catches a KeyError for each header not yet there)
    present = {name.lower() for name, _ in response.headers.items()}
    response.headers.extend([(name, value) for name, value in headers.items() if name.lower() not in present])
    if request.is_secure and "strict-transport-security" not in present:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def keep_private(blueprint, *, referrer: str | None = "no-referrer") -> None:
    """A blueprint whose pages show personal data, or whose URL is itself the credential: never cached,
    never indexed, and (``no-referrer``) the address kept out of other sites' logs."""
    @blueprint.after_request
    def _private(response):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        if referrer:
            response.headers["Referrer-Policy"] = referrer
        return response


def init_app(app: Flask) -> None:
    # App-wide after_request runs after the blueprints' own, and for error pages and static files too.
    app.after_request(add_security_headers)
