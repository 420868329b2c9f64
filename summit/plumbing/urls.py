"""Absolute links for the outside world: emails, API answers, calendar feeds, QR codes, letters.

Every one starts with the app's public address and never with the Host a request names: a link
built from the Host header would let anyone who forges that header have a delegate emailed
``http://attacker.example/manage/<secret>`` (issue 12).  So links are built here, from a map
adapter bound to that address, not with ``url_for(_external=True)``, which follows the request.

The public address is ``PUBLIC_BASE_URL``, or Flask's ``SERVER_NAME`` when the app is given one (the
tests do).  Production does not start without one (``create_app``).  A development server without
either uses the address it listens on, which its WSGI server reports from the socket, not from the
request; outside a request, ./dev start's http://127.0.0.1:5000.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app, has_request_context, request

#: a development server's address outside any request (./dev start serves there)
DEVELOPMENT_ADDRESS = "http://127.0.0.1:5000"


def configured_base(config) -> str | None:
    """The configured public address, without a trailing slash; None when there is none."""
    if config.get("PUBLIC_BASE_URL"):
        return config["PUBLIC_BASE_URL"].rstrip("/")
    if config.get("SERVER_NAME"):
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}{root}"
    return None


def listening_address(environ) -> str:
    """scheme://host:port of the server socket that took this request (development only).

    SERVER_NAME and SERVER_PORT are the socket's address under werkzeug's server and gunicorn on
    TCP; behind ProxyFix the values from before it rewrote them from X-Forwarded-Host are used.
    """
    original = {**environ, **environ.get("werkzeug.proxy_fix.orig", {})}
    scheme = original.get("wsgi.url_scheme") or "http"
    name = original.get("SERVER_NAME") or "127.0.0.1"
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"  # IPv6
    port = str(original.get("SERVER_PORT") or "")
    if port and port != {"http": "80", "https": "443"}.get(scheme):
        name = f"{name}:{port}"
    return f"{scheme}://{name}"


def public_base() -> str:
    """Where delegates reach the app: the start of every absolute link."""
    base = configured_base(current_app.config)
    if base:
        return base
    if has_request_context():  # development only: production refuses to start without a base
        return listening_address(request.environ)
    return DEVELOPMENT_ADDRESS


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint (a full name such as "selfservice.manage"), on the public address."""
    base = urlsplit(public_base())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    return url + ("#" + quote(anchor, safe="%!#$&'()*+,/:;=?@") if anchor else "")


def manage_url(token: str) -> str:
    return external_url("selfservice.manage", token=token)


def calendar_url(token: str) -> str:
    """A personal feed's address; the token is services.calendar.tokens.calendar_token(delegate)."""
    return external_url("calendar.personal_ics", token=token)
