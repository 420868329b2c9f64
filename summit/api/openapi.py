"""GET /api/v1/openapi.json: the OpenAPI 3 description of this API.

Lengths and enumerations come from the same constants the services enforce, so
the document cannot drift from the rules; a test compares its paths with the
live URL map.
"""
from __future__ import annotations

from flask import jsonify

from ..models import CATEGORIES, LANGUAGES, MAX_CAPACITY, PROGRAMME_KINDS, BookingStatus, DelegateStatus
from ..models.delegate import (EMAIL_MAX, JOB_TITLE_MAX, NAME_MAX, NATIVE_NAME_MAX, NEEDS_MAX, ORGANISATION_MAX,
                               PHONE_MAX)
from ..models.types import ID_MAX
from ..services.badges.layouts import LAYOUTS
from ..services.badges.selection import MAX_IDS
from ..services.badges.documents import DEFAULT_SYNC_LIMIT
from ..services.registration.search import PAGE_MAX, PER_PAGE_MAX, Q_MAX
from .blueprint import api_bp


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


def _text(limit: int, **extra) -> dict:
    return {"type": "string", "maxLength": limit, **extra}


#: a route's id, or null for none; an id no route has is 422 (unknown route)
ROUTE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": ID_MAX}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "machine-readable code, e.g. route_full"},
            "message": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "request_id": {"type": "string", "description": "on a 5xx: the reference to quote (also the "
                                                             "X-Request-ID response header)"},
        },
    },
    "Bilingual": {"type": "object", "required": ["zh", "en"],
                  "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
    "AgendaItem": {
        "type": "object", "required": ["id", "kind", "title", "starts_at", "ends_at", "venue"],
        "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(PROGRAMME_KINDS)},
            "title": _ref("Bilingual"), "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"},
            "venue": {"type": "string", "description": "the room, in the language asked for (Accept-Language)"},
            "venue_names": _ref("Bilingual"), "description": _ref("Bilingual"),
            "cancelled": {"type": "boolean"}, "revision": {"type": "integer"},
        },
    },
    "Route": {
        "type": "object",
        "required": ["id", "code", "name", "stops", "capacity", "confirmed", "remaining", "waitlisted"],
        "properties": {
            "id": {"type": "integer"}, "code": {"type": "string"}, "name": _ref("Bilingual"),
            "stops": {"type": "array", "items": _ref("Bilingual")},
            "capacity": {"type": "integer", "minimum": 0}, "confirmed": {"type": "integer", "minimum": 0},
            "remaining": {"type": "integer", "minimum": 0}, "waitlisted": {"type": "integer", "minimum": 0},
            "note": _ref("Bilingual"), "meeting_point": _ref("Bilingual"),
            "departs_at": {"type": ["string", "null"], "format": "date-time"},
            "returns_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "RoutePlace": {
        "type": ["object", "null"], "required": ["id", "status", "waitlist_position"],
        "properties": {
            "id": {"type": "integer"}, "status": {"type": "string", "enum": list(BookingStatus.values())},
            "waitlist_position": {"type": ["integer", "null"], "minimum": 1}, "code": {"type": "string"},
        },
    },
    "RegistrationInput": {
        "type": "object",
        "required": ["given_name", "family_name", "email", "organisation", "country", "category", "consent"],
        "properties": {
            "given_name": _text(NAME_MAX, minLength=1, description="Latin script"),
            "family_name": _text(NAME_MAX, minLength=1, description="Latin script"),
            "native_name": _text(NATIVE_NAME_MAX, description="the name in the delegate's own script"),
            "email": _text(EMAIL_MAX, format="email"),
            "organisation": _text(ORGANISATION_MAX, minLength=1),
            "job_title": _text(JOB_TITLE_MAX),
            "phone": _text(PHONE_MAX),
            "country": {"type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166-1 alpha-2"},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "route_id": ROUTE_ID,
            "join_waitlist": {"type": "boolean"},
            "banquet": {"type": "boolean"},
            "dietary_needs": _text(NEEDS_MAX),
            "accessibility_needs": _text(NEEDS_MAX),
            "language": {"type": "string", "enum": list(LANGUAGES)},
            "consent": {"type": "boolean", "const": True},
        },
    },
    "Registration": {
        "type": "object", "required": ["id", "status", "route", "manage_url", "calendar_url"],
        "properties": {
            "id": {"type": "integer"}, "status": {"type": "string", "enum": [DelegateStatus.REGISTERED.value]},
            "route": _ref("RoutePlace"),
            "token": {"type": "string", "description": "the delegate's secret (only in the 201 answer)"},
            "manage_url": {"type": "string", "format": "uri"}, "calendar_url": {"type": "string", "format": "uri"},
        },
    },
    "RouteChoice": {
        "type": "object", "required": ["route_id"],
        "properties": {"route_id": ROUTE_ID, "join_waitlist": {"type": "boolean"}},
    },
    "Delegate": {
        "type": "object",
        "required": ["id", "given_name", "family_name", "native_name", "email", "organisation", "country",
                     "category", "route", "checked_in_at"],
        "properties": {
            "id": {"type": "integer"}, "given_name": {"type": "string"}, "family_name": {"type": "string"},
            "native_name": {"type": "string"}, "email": {"type": "string"}, "organisation": {"type": "string"},
            "country": {"type": "string"}, "category": {"type": "string", "enum": list(CATEGORIES)},
            "route": _ref("RoutePlace"), "checked_in_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "BadgeSelection": {
        "type": "object", "additionalProperties": False,
        "description": "ids, or all: true (all wins; malformed ids are 422 even beside it)",
        "properties": {
            "ids": {"type": "array", "minItems": 1, "maxItems": MAX_IDS,
                    "items": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
                    "description": "delegate ids, printed in this order (repeats printed once)"},
            "all": {"type": "boolean", "description": "every registered delegate"},
            "layout": {"type": "string", "enum": list(LAYOUTS), "default": "a6"},
        },
    },
    "TooManyBadges": {
        "type": "object", "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "too_many_badges (payload_too_large for a body over 1 MiB)"},
            "message": {"type": "string"},
            "limit": {"type": "integer", "description": "the most badges one request renders (BADGE_SYNC_LIMIT)"},
            "requested": {"type": "integer", "description": "how many were asked for"},
            "batch_url": {"type": "string", "description": "the staff desk's page for printing a batch"},
        },
    },
    "CheckinResult": {
        "type": "object", "required": ["delegate", "checked_in_at"],
        "properties": {"delegate": _ref("Delegate"), "checked_in_at": {"type": "string", "format": "date-time"}},
    },
}

DELEGATE_AUTH = [{"delegateToken": []}]
CONSOLE_AUTH = [{"apiToken": []}]
UNAUTHORISED = {"401": _error("no token, or a bad one")}
FORBIDDEN = {"403": _error("the token's role is too low (organisers only)")}
# Answered by the HTTP server before the app sees the request (gunicorn's limit is 4094 bytes), so not JSON.
URI_TOO_LONG = {"414": {"description": "the request line (path and query) is too long for the server"}}

BADGES_DESCRIPTION = (
    f"Rendered inside the request, so at most BADGE_SYNC_LIMIT badges (default {DEFAULT_SYNC_LIMIT}): "
    "more is 413 `too_many_badges`, naming the `limit`; print those as a batch on the staff desk "
    "(`batch_url`, rendered in the background), or ask for at most `limit` ids a request. "
    "Badges are counted as printed.")
BADGES_RESPONSES = {
    "200": {"description": "one A6 badge per page, or four per A4 sheet",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
    "404": _error("an id is no delegate's (unknown_delegate)"),
    "413": _json(_ref("TooManyBadges"), "too_many_badges: more badges than one request renders; or a body "
                                        "over 1 MiB"),
    "422": _error("malformed ids or unknown layout"),
    **UNAUTHORISED,
}

PATHS = {
    "/api/v1/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
                                     "responses": {"200": {"description": "OpenAPI 3 document"}}}},
    "/api/v1/agenda": {"get": {
        "summary": "The programme, in time order", "operationId": "getAgenda",
        "responses": {"200": _json({"type": "object", "required": ["items"],
                                    "properties": {"items": {"type": "array", "items": _ref("AgendaItem")}}},
                                   "the programme")}}},
    "/api/v1/routes": {"get": {
        "summary": "Technical-visit routes with places", "operationId": "getRoutes",
        "responses": {"200": _json({"type": "object", "required": ["routes"],
                                    "properties": {"routes": {"type": "array", "items": _ref("Route")}}},
                                   "the routes")}}},
    "/api/v1/registrations": {"post": {
        "summary": "Register a delegate", "operationId": "register",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("RegistrationInput")}}},
        "responses": {
            "201": _json(_ref("Registration"), "registered; `token` is the delegate's secret"),
            "409": _error("email_taken, or route_full (nothing was created)"),
            "413": _error("body over 1 MiB (with a Content-Length, or sent chunked)"),
            "422": _error("invalid fields, named in `errors`"),
            "429": {**_error("too many registrations from this address (a limit all workers share)"),
                    "headers": {"Retry-After": {"description": "seconds until the limit resets",
                                                "schema": {"type": "integer", "minimum": 0}}}},
        }}},
    "/api/v1/registrations/self": {
        "get": {"summary": "The delegate's registration", "operationId": "getSelf", "security": DELEGATE_AUTH,
                "responses": {"200": _json(_ref("Registration"), "the registration"), **UNAUTHORISED}},
        "patch": {"summary": "Change, drop or queue for a route", "operationId": "patchSelf",
                  "security": DELEGATE_AUTH,
                  "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("RouteChoice")}}},
                  "responses": {"200": _json(_ref("Registration"), "the new state"),
                                "409": _error("route_full: the old place is kept"),
                                "422": _error("invalid fields"), **UNAUTHORISED}},
        "delete": {"summary": "Cancel the registration", "operationId": "deleteSelf", "security": DELEGATE_AUTH,
                   "responses": {"204": {"description": "cancelled; the place went to the first in line"},
                                 **UNAUTHORISED}},
    },
    "/api/v1/registrations/self/calendar-reset": {"post": {
        "summary": "Reset the personal calendar URL", "operationId": "resetSelfCalendar", "security": DELEGATE_AUTH,
        "description": "Gives the registration a new `calendar_url`. The old one stops working at once "
                       "(404), so every calendar subscribed to it stops updating. No request body.",
        "responses": {"200": _json(_ref("Registration"), "the registration, with its new calendar_url"),
                      **UNAUTHORISED}}},
    "/api/v1/delegates": {"get": {
        "summary": "Find delegates (staff)", "operationId": "listDelegates", "security": CONSOLE_AUTH,
        "parameters": [
            {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": Q_MAX},
             "description": "part of a Latin or native name, email or organisation (literal, case-insensitive)"},
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX,
                                                      "default": 1}},
            {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX,
                                                          "default": 50}},
        ],
        "responses": {"200": _json({"type": "object", "required": ["delegates"], "properties": {
            "delegates": {"type": "array", "items": _ref("Delegate")}}}, "one page of delegates"),
            "422": _error("bad paging"), **UNAUTHORISED, **URI_TOO_LONG}}},
    "/api/v1/badges.pdf": {
        "get": {
            "summary": "Badges as PDF (staff)", "operationId": "badges", "security": CONSOLE_AUTH,
            "description": BADGES_DESCRIPTION,
            "parameters": [
                {"name": "ids", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]+(,[0-9]+)*$"}},
                {"name": "all", "in": "query", "schema": {"type": "string", "enum": ["1", "true"]}},
                {"name": "layout", "in": "query", "schema": {"type": "string", "enum": list(LAYOUTS)}},
            ],
            "responses": BADGES_RESPONSES | URI_TOO_LONG},
        "post": {
            "summary": "Badges as PDF, the selection in a JSON body (staff)", "operationId": "badgesByBody",
            "security": CONSOLE_AUTH,
            "description": BADGES_DESCRIPTION + " The same as GET, for id lists too long for a URL.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("BadgeSelection")}}},
            "responses": BADGES_RESPONSES}},
    "/api/v1/checkins": {"post": {
        "summary": "Check a delegate in by badge code (staff)", "operationId": "checkIn", "security": CONSOLE_AUTH,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["code"], "properties": {"code": {
                "type": "string", "minLength": 1, "maxLength": 500, "pattern": "\\S",
                "description": "the text of the badge's QR code (not blank)"}}}}}},
        "responses": {"200": _json(_ref("CheckinResult"), "checked in now"),
                      "404": _error("unknown_code (also a forged or altered one)"),
                      "409": _error("already_checked_in, with the first checked_in_at"),
                      "422": _error("no code"), **UNAUTHORISED}}},
    "/api/v1/routes/{route_id}": {"patch": {
        "summary": "Change a route's capacity (organisers)", "operationId": "patchRoute", "security": CONSOLE_AUTH,
        "parameters": [{"name": "route_id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["capacity"],
            "properties": {"capacity": {"type": "integer", "minimum": 0, "maximum": MAX_CAPACITY}}}}}},
        "responses": {"200": _json(_ref("Route"), "the route; raising capacity promoted from the waiting list"),
                      "404": _error("no such route"),
                      "409": _error("capacity_below_confirmed"), "422": _error("invalid capacity"),
                      **UNAUTHORISED, **FORBIDDEN}}},
}


# summit/plumbing/host_check.py: any operation, for a request whose Host (or X-Forwarded-Host) is not the public address.
WRONG_HOST = _error("the request names a host this server does not answer for (PUBLIC_BASE_URL)")
for _operations in PATHS.values():
    for _operation in _operations.values():
        _operation["responses"].setdefault("400", WRONG_HOST)


def _refusals_of_every_operation(paths: dict) -> None:
    """What summit.plumbing.request_input answers on any operation, before its own rules run."""
    for item in paths.values():
        for method, operation in item.items():
            responses = operation["responses"]
            responses.setdefault("422", _error(
                "invalid input, named in `errors`; on any operation: a query parameter (or a JSON value, at "
                "any depth) holding NUL or an invalid code point, or a body nested too deep to read"))
            if method in ("post", "put", "patch", "delete"):
                responses.setdefault("413", _error("body over 1 MiB (with a Content-Length, or sent chunked)"))


_refusals_of_every_operation(PATHS)


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Summit API", "version": "1.0.0",
                 "description": "Registration, routes, badges and check-in for the summit. "
                                "Times are ISO 8601 with the summit's offset."},
        "servers": [{"url": "/"}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "delegateToken": {"type": "http", "scheme": "bearer",
                                  "description": "the `token` returned when registering"},
                "apiToken": {"type": "http", "scheme": "bearer",
                             "description": "a console API token (flask --app summit create-token EMAIL)"},
            },
        },
    }


@api_bp.get("/openapi.json")
def openapi_document():
    return jsonify(document())
