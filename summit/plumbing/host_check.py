"""Requests must name a host the app is known by; others get a 400 before any work is done.

Links never follow the Host header (summit/plumbing/urls.py), so this is the second wall: a request that
names some other host (``Host: attacker.example``, or ``X-Forwarded-Host`` behind a trusted proxy)
is refused whatever it asks for, rather than answered for a site that is not ours (DNS rebinding,
poisoned caches, and whatever a future change might build from the name).

The names accepted are the public address's host (PUBLIC_BASE_URL, or SERVER_NAME when the app is
given one) and ALLOWED_HOSTS.  A development server with neither accepts its loopback names only.
The port is not compared.  Views marked ``@answers_any_host`` (the health checks, which a load
balancer calls by IP address and which build no link) are exempt.

This is Flask's TRUSTED_HOSTS, done as the first before-request hook instead: Flask's check runs
before routing, so it cannot exempt the health checks, and its 400 comes before the URL adapter
exists, so the error page could not be rendered.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _

from .urls import configured_base

#: what a development server without a public address answers to
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def answers_any_host(view):
    """Exempt a view from the host check (it must build no link and hold no secret)."""
    view.answers_any_host = True
    return view


def accepted_hosts(config) -> tuple[str, ...]:
    base = configured_base(config)
    if base:
        name = urlsplit(base).hostname or ""
        names = [f"[{name}]" if ":" in name else name]
    else:
        names = list(LOOPBACK)
    return (*names, *(config.get("ALLOWED_HOSTS") or ()))


def _host_name(host: str) -> str:
    """"Summit.Example.org:443" → "summit.example.org"; "[::1]:5000" → "[::1]"."""
    host = host.lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]


def host_is_accepted(host: str, accepted) -> bool:
    """True when ``host`` (a Host header, with or without its port) is one of ``accepted``; a name there
    that starts with a dot accepts its subdomains too."""
    name = _host_name(host or "")
    for ref in accepted:
        if name == ref or (ref.startswith(".") and (name.endswith(ref) or name == ref[1:])):
            return True
    return False


def init_app(app: Flask) -> None:
    app.extensions["summit.accepted_hosts"] = accepted_hosts(app.config)

    @app.before_request
    def _refuse_other_hosts() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "answers_any_host", False):
            return
        if not host_is_accepted(request.host, current_app.extensions["summit.accepted_hosts"]):
            abort(400, description=_("This server does not answer for that host name."))
