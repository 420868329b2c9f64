"""GET /api/v1/openapi.json: the OpenAPI 3 description of this API.

The bodies' schemas are the pydantic models of summit.api.schemas, the ones the views validate
requests with; here are the operations: paths, parameters, status codes, credentials. Tests
compare the paths with the live URL map (tests/api/test_openapi.py) and send every documented body
field a value of another type, expecting the contract's 422 naming it (tests/api/test_api_schemas.py).
"""
from __future__ import annotations

from flask import jsonify

from ..models.types import ID_MAX
from ..services.badges.documents import DEFAULT_SYNC_LIMIT
from . import schemas
from .blueprint import api_bp


def _ref(model: type[schemas.Schema]) -> dict:
    return {"$ref": schemas.REF_TEMPLATE.format(model=model.__name__)}


def _body(model: type[schemas.Schema]) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(model)}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref(schemas.Error), description)


DELEGATE_AUTH = [{"delegateToken": []}]
DELEGATION_AUTH = [{"delegationToken": []}]
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
    "409": _error("not_accredited: an id is a delegate the organisers have not approved (`errors` names each, "
                  "with their accreditation); all=1 prints the approved only"),
    "413": _json(_ref(schemas.TooManyBadges), "too_many_badges: more badges than one request renders; or a body "
                                        "over 1 MiB"),
    "422": _error("malformed ids or unknown layout"),
    **UNAUTHORISED,
}

DELEGATE_ID = {"name": "delegate_id", "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX}}

PATHS = {
    "/api/v1/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
                                     "responses": {"200": {"description": "OpenAPI 3 document"}}}},
    "/api/v1/agenda": {"get": {
        "summary": "The programme, in time order", "operationId": "getAgenda",
        "responses": {"200": _json(_ref(schemas.Agenda), "the programme")}}},
    "/api/v1/routes": {"get": {
        "summary": "Technical-visit routes with places", "operationId": "getRoutes",
        "responses": {"200": _json(_ref(schemas.Routes), "the routes")}}},
    "/api/v1/registrations": {"post": {
        "summary": "Register a delegate", "operationId": "register",
        "requestBody": _body(schemas.RegistrationInput),
        "responses": {
            "201": _json(_ref(schemas.Registration), "registered; `token` is the delegate's secret"),
            "403": _error("registration_closed: the summit registers by invitation only (registration_mode)"),
            "409": _error("email_taken, or route_full (nothing was created)"),
            "413": _error("body over 1 MiB (with a Content-Length, or sent chunked)"),
            "422": _error("invalid fields, named in `errors` (protocol_level is the organisers' to set)"),
            "429": {**_error("too many registrations from this address (a limit all workers share)"),
                    "headers": {"Retry-After": {"description": "seconds until the limit resets",
                                                "schema": {"type": "integer", "minimum": 0}}}},
        }}},
    "/api/v1/registrations/self": {
        "get": {"summary": "The delegate's registration", "operationId": "getSelf", "security": DELEGATE_AUTH,
                "responses": {"200": _json(_ref(schemas.Registration), "the registration"), **UNAUTHORISED}},
        "patch": {"summary": "Change, drop or queue for a route", "operationId": "patchSelf",
                  "security": DELEGATE_AUTH,
                  "requestBody": _body(schemas.RouteChoice),
                  "responses": {"200": _json(_ref(schemas.Registration), "the new state"),
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
        "responses": {"200": _json(_ref(schemas.Registration), "the registration, with its new calendar_url"),
                      **UNAUTHORISED}}},
    "/api/v1/delegates": {"get": {
        "summary": "Find delegates (staff)", "operationId": "listDelegates", "security": CONSOLE_AUTH,
        "parameters": schemas.query_parameters(schemas.DelegateQuery),
        "responses": {"200": _json(_ref(schemas.DelegatePage), "one page of delegates"),
            "422": _error("bad paging"), **UNAUTHORISED, **URI_TOO_LONG}}},
    "/api/v1/badges.pdf": {
        "get": {
            "summary": "Badges as PDF (staff)", "operationId": "badges", "security": CONSOLE_AUTH,
            "description": BADGES_DESCRIPTION,
            "parameters": schemas.query_parameters(schemas.BadgeQuery),
            "responses": BADGES_RESPONSES | URI_TOO_LONG},
        "post": {
            "summary": "Badges as PDF, the selection in a JSON body (staff)", "operationId": "badgesByBody",
            "security": CONSOLE_AUTH,
            "description": BADGES_DESCRIPTION + " The same as GET, for id lists too long for a URL.",
            "requestBody": _body(schemas.BadgeSelection),
            "responses": BADGES_RESPONSES}},
    "/api/v1/checkins": {"post": {
        "summary": "Check a delegate in by badge code (staff)", "operationId": "checkIn", "security": CONSOLE_AUTH,
        "requestBody": _body(schemas.CheckinInput),
        "responses": {"200": _json(_ref(schemas.CheckinResult), "checked in now"),
                      "404": _error("unknown_code (also a forged or altered one)"),
                      "409": _error("already_checked_in, with the first checked_in_at; or not_accredited: the "
                                    "delegate is pending or rejected"),
                      "422": _error("no code"), **UNAUTHORISED}}},
    "/api/v1/routes/{route_id}": {"patch": {
        "summary": "Change a route's capacity (organisers)", "operationId": "patchRoute", "security": CONSOLE_AUTH,
        "parameters": [{"name": "route_id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX}}],
        "requestBody": _body(schemas.CapacityChange),
        "responses": {"200": _json(_ref(schemas.Route), "the route; raising capacity promoted from the waiting list"),
                      "404": _error("no such route"),
                      "409": _error("capacity_below_confirmed"), "422": _error("invalid capacity"),
                      **UNAUTHORISED, **FORBIDDEN}}},
    "/api/v1/summit": {
        "get": {"summary": "The summit: its registration mode and protocol levels", "operationId": "getSummit",
                "responses": {"200": _json(_ref(schemas.SummitInfo), "the summit")}},
        "patch": {"summary": "Switch the registration mode (organisers)", "operationId": "patchSummit",
                  "security": CONSOLE_AUTH, "requestBody": _body(schemas.RegistrationModeChange),
                  "responses": {"200": _json(_ref(schemas.SummitInfo), "the summit, in its new mode"),
                                "422": _error("unknown mode"), **UNAUTHORISED, **FORBIDDEN}}},
    "/api/v1/delegates/{delegate_id}/accreditation": {"post": {
        "summary": "Approve or reject a delegate (organisers)", "operationId": "decideAccreditation",
        "security": CONSOLE_AUTH, "parameters": [DELEGATE_ID],
        "description": "A rejection frees the delegate's route place (the first in line is promoted in the same "
                       "transaction) and mails the delegate the reason. A decision can be changed later.",
        "requestBody": _body(schemas.AccreditationDecision),
        "responses": {"200": _json(_ref(schemas.Delegate), "the delegate"),
                      "404": _error("no such delegate"),
                      "409": _error("cancelled: the delegate has cancelled"),
                      "422": _error("unknown decision"), **UNAUTHORISED, **FORBIDDEN}}},
    "/api/v1/delegates/{delegate_id}": {"patch": {
        "summary": "Set a delegate's protocol level or title (organisers)", "operationId": "patchDelegate",
        "security": CONSOLE_AUTH, "parameters": [DELEGATE_ID],
        "requestBody": _body(schemas.DelegateProtocolChange),
        "responses": {"200": _json(_ref(schemas.Delegate), "the delegate"),
                      "404": _error("no such delegate"),
                      "422": _error("unknown protocol level, or a title the text rules refuse"),
                      **UNAUTHORISED, **FORBIDDEN}}},
    "/api/v1/delegations": {
        "post": {"summary": "Create a delegation (organisers)", "operationId": "createDelegation",
                 "security": CONSOLE_AUTH, "requestBody": _body(schemas.DelegationInput),
                 "description": "The focal point is mailed `invitation_url`, a secret page needing no account, "
                                "in Chinese and English.",
                 "responses": {"201": _json(_ref(schemas.DelegationCreated),
                                            "created; `token` is the focal point's secret"),
                               "422": _error("invalid fields, named in `errors`"), **UNAUTHORISED, **FORBIDDEN}},
        "get": {"summary": "The delegations with their live members (staff)", "operationId": "listDelegations",
                "security": CONSOLE_AUTH,
                "responses": {"200": _json(_ref(schemas.Delegations), "the delegations"), **UNAUTHORISED}},
    },
    "/api/v1/delegations/self": {"get": {
        "summary": "The focal point's delegation and its members", "operationId": "getOwnDelegation",
        "security": DELEGATION_AUTH,
        "responses": {"200": _json(_ref(schemas.DelegationSelf), "the delegation"),
                      "401": _error("no delegation token, or an unknown or revoked one")}}},
    "/api/v1/delegations/self/members": {"post": {
        "summary": "Add a member to the delegation", "operationId": "addDelegationMember",
        "security": DELEGATION_AUTH, "requestBody": _body(schemas.MemberInput),
        "description": "Works in every registration mode; the member starts pending unless the mode is open, "
                       "and gets their own link, mailed to them.",
        "responses": {"201": _json(_ref(schemas.Registration), "the member; `token` is the member's own secret"),
                      "409": _error("delegation_full (every place is held by a live member), email_taken, "
                                    "or route_full (nothing was created)"),
                      "422": _error("invalid fields, named in `errors` (protocol_level is the organisers' to set)"),
                      "401": _error("no delegation token, or an unknown or revoked one")}}},
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
            "schemas": schemas.component_schemas(),
            "securitySchemes": {
                "delegateToken": {"type": "http", "scheme": "bearer",
                                  "description": "the `token` returned when registering"},
                "delegationToken": {"type": "http", "scheme": "bearer",
                                    "description": "the `token` returned when the delegation was created "
                                                   "(the focal point's secret)"},
                "apiToken": {"type": "http", "scheme": "bearer",
                             "description": "a console API token (flask --app summit create-token EMAIL)"},
            },
        },
    }


@api_bp.get("/openapi.json")
def openapi_document():
    return jsonify(document())
