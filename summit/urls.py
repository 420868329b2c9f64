"""Absolute links for the outside world (API answers, emails).

Behind a proxy that rewrites the host, PUBLIC_BASE_URL says where delegates reach us.
"""
from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def manage_url(token: str) -> str:
    return external_url("selfservice.manage", token=token)


def calendar_url(delegate) -> str:
    from .services.calendar_tokens import calendar_token

    return external_url("calendar.personal_ics", token=calendar_token(delegate))
