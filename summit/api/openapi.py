"""GET /api/v1/openapi.json: the OpenAPI 3 description of this API.

The bodies' schemas are the pydantic models of summit.api.schemas, the ones the views validate
requests with; here are the operations: paths, parameters, status codes, credentials. Tests
compare the paths with the live URL map (tests/api/test_openapi.py) and send every documented body
field a value of another type, expecting the contract's 422 naming it (tests/api/test_api_schemas.py).
"""
from __future__ import annotations

from flask import jsonify

from ..models.types import ID_MAX
from ..services.accreditation.member_files import BYTES_MAX as MEMBER_FILE_BYTES
from ..services.accreditation.member_files import ROWS_MAX as MEMBER_ROWS_MAX
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
MEMBER_FILE_MB = round(MEMBER_FILE_BYTES / 1_000_000)
CONSOLE_AUTH = [{"apiToken": []}]
UNAUTHORISED = {"401": _error("no token, or a bad one")}
FORBIDDEN = {"403": _error("the token's role is too low (organisers only)")}
# Answered by the HTTP server before the app sees the request (gunicorn's limit is 4094 bytes), so not JSON.
URI_TOO_LONG = {"414": {"description": "the request line (path and query) is too long for the server"}}

BADGES_DESCRIPTION = (
    f"Rendered inside the request, so at most BADGE_SYNC_LIMIT badges (default {DEFAULT_SYNC_LIMIT}): "
    "more is 413 `too_many_badges`, naming the `limit`; print those as a batch on the staff desk "
    "(`batch_url`, rendered in the background), or ask for at most `limit` ids a request. "
    "Badges are counted as printed, and the download is written to the audit log; the PDF's metadata "
    "(Subject, DownloadedBy, DownloadedAt) names who downloaded it and when.")
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
        "patch": {"summary": "Change, drop or queue for a route; give flights and a hotel", "operationId": "patchSelf",
                  "security": DELEGATE_AUTH,
                  "description": "`arrival`, `departure` and `hotel` are optional and change only what they name "
                                 "(null clears one). Without `route_id` the route stays as it is when the body "
                                 "carries any of them. Travel is written first, in its own transaction.",
                  "requestBody": _body(schemas.SelfChange),
                  "responses": {"200": _json(_ref(schemas.Registration), "the new state"),
                                "409": _error("route_full: the old place is kept; hotel_full: the old room is kept, "
                                              "`alternative` is the next nearest hotel with room (or null)"),
                                "422": _error("invalid fields"), **UNAUTHORISED}},
        "delete": {"summary": "Cancel the registration; with erase=1, erase every personal field too",
                   "operationId": "deleteSelf", "security": DELEGATE_AUTH,
                   "parameters": [{"name": "erase", "in": "query", "required": False,
                                   "description": "1: erase the delegate's personal data as well (cannot be "
                                                  "undone; the token stops working, so a repeat is 401)",
                                   "schema": {"type": "string", "enum": ["0", "1"]}}],
                   "responses": {"204": {"description": "cancelled (and erased); the place went to the first "
                                                        "in line"},
                                 "400": _error("erase is neither 1 nor 0"), **UNAUTHORISED}},
    },
    "/api/v1/registrations/self/calendar-reset": {"post": {
        "summary": "Reset the personal calendar URL", "operationId": "resetSelfCalendar", "security": DELEGATE_AUTH,
        "description": "Gives the registration a new `calendar_url`. The old one stops working at once "
                       "(404), so every calendar subscribed to it stops updating. No request body.",
        "responses": {"200": _json(_ref(schemas.Registration), "the registration, with its new calendar_url"),
                      **UNAUTHORISED}}},
    "/api/v1/registrations/self/data": {"get": {
        "summary": "The delegate's own copy of everything the summit holds about them", "operationId": "getSelfData",
        "security": DELEGATE_AUTH,
        "description": "Details (every field), consents with the time and the privacy notice version they were "
                       "given under, route history, check-ins, messages sent, badge prints, delegation and "
                       "accreditation. Sent as an attachment (indented JSON); each download is audited.",
        "responses": {"200": _json({"type": "object", "required": [
            "generated_at", "details", "consents", "route_history", "checkins", "messages", "badge"],
            "additionalProperties": True}, "the data copy"), **UNAUTHORISED}}},
    "/api/v1/registrations/self/consents/sensitive/withdraw": {"post": {
        "summary": "Withdraw the sensitive-data consent", "operationId": "withdrawSensitiveConsent",
        "security": DELEGATE_AUTH,
        "description": "Erases the sensitive fields (dietary and accessibility needs) at once. No request body. "
                       "Repeating it changes nothing more (`withdrawn` false).",
        "responses": {"200": _json({"type": "object", "required": ["withdrawn"],
                                    "properties": {"withdrawn": {"type": "boolean"}}},
                                   "withdrawn (false: none was in force)"), **UNAUTHORISED}}},
    "/api/v1/registrations/self/visa-letter.pdf": {"get": {
        "summary": "The delegate's visa invitation letter", "operationId": "getSelfVisaLetter",
        "security": DELEGATE_AUTH,
        "description": "The bilingual (zh, en) letter on the host's letterhead, with its serial and a QR code of "
                       "`/verify/<serial>`. Issued to approved delegates who asked for one (`visa_letter: true` "
                       "and a passport); the download is audited.",
        "responses": {
            "200": {"description": "the letter, one A4 page",
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
            "404": _error("no_visa_letter: none was asked for"),
            "409": _error("not_accredited: the organisers have not approved the delegate (yet)"),
            **UNAUTHORISED}}},
    "/api/v1/registrations/self/passport": {"put": {
        "summary": "Ask for a visa letter, or give or correct the passport", "operationId": "putSelfPassport",
        "security": DELEGATE_AUTH, "requestBody": _body(schemas.PassportChange),
        "description": "A changed passport revokes the issued letter; a new one (status `reissued`, a new serial) "
                       "is issued while the delegate is approved. `visa_letter: false` without a passport "
                       "withdraws the request.",
        "responses": {"200": _json(_ref(schemas.VisaFields), "the letter and the passport (masked)"),
                      "422": _error("invalid fields (`errors` keyed passport.<field>), or letter_deadline_passed "
                                    "(the message says whom to contact)"),
                      **UNAUTHORISED}}},
    "/api/v1/arrivals": {"get": {
        "summary": "The airport pick-up list of a summit day (staff; audited)", "operationId": "listArrivals",
        "security": CONSOLE_AUTH,
        "parameters": [{"name": "date", "in": "query", "required": True,
                        "schema": {"type": "string", "format": "date"},
                        "description": "the summit's local day, YYYY-MM-DD"}],
        "responses": {"200": _json(_ref(schemas.Arrivals), "every airport, in time order"),
                      "422": _error("no date, or not YYYY-MM-DD"), **UNAUTHORISED}}},
    "/api/v1/delegates": {"get": {
        "summary": "Find delegates (staff)", "operationId": "listDelegates", "security": CONSOLE_AUTH,
        "parameters": schemas.query_parameters(schemas.DelegateQuery),
        "description": "Each page read is written to the audit log (GET /api/v1/audit): who, when, which "
                       "filter and page, how many delegates.",
        "responses": {"200": _json(_ref(schemas.DelegatePage), "one page of delegates"),
            "422": _error("bad paging"), **UNAUTHORISED, **URI_TOO_LONG}}},
    "/api/v1/audit": {"get": {
        "summary": "The audit log (organisers)", "operationId": "getAudit", "security": CONSOLE_AUTH,
        "description": "Newest first: every change an account made, and every download of delegates' personal "
                       "data (exports, manifests, badge PDFs, the delegate list, rosters, letters, data copies) "
                       "with who, when, what and which filter. An entry holds no personal data itself.",
        "parameters": schemas.query_parameters(schemas.AuditQuery),
        "responses": {"200": _json(_ref(schemas.AuditPage), "one page of entries, newest first"),
                      "422": _error("bad paging, action or kind"), **UNAUTHORISED, **FORBIDDEN,
                      **URI_TOO_LONG}}},
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
        "summary": "Check a delegate in at a zone by badge code (staff)", "operationId": "checkIn",
        "security": CONSOLE_AUTH,
        "description": "Once per delegate, zone and summit day (the summit's time zone). Every scan, whatever "
                       "it comes to, is kept in the scan history with the door and the staff member.",
        "requestBody": _body(schemas.CheckinInput),
        "responses": {"200": _json(_ref(schemas.CheckinResult), "checked in now"),
                      "403": _error("not_admitted: the zone does not admit this delegate (today); or the "
                                    "token's role is too low"),
                      "404": _error("unknown_code (also a forged or altered one, or a code of another summit)"),
                      "409": _error("already_checked_in, with the first checked_in_at of this zone and day; "
                                    "not_accredited: the delegate is pending or rejected; badge_revoked: an "
                                    "older badge of a reissued one, with reissued_at"),
                      "422": _error("no code, or an unknown zone"), **UNAUTHORISED}}},
    "/api/v1/checkins/sync": {"post": {
        "summary": "Send the scans an offline scanner queued (staff)", "operationId": "syncCheckins",
        "security": CONSOLE_AUTH,
        "description": "One result per scan, in order. Idempotent by scan id: a scan sent again answers its "
                       "first result and changes nothing. Within one upload the earliest admitting "
                       "`scanned_at` of a badge, zone and day is `checked_in`, the others `already_checked_in`; "
                       "across uploads the first to arrive is `checked_in`, and the entry's `checked_in_at` is "
                       "the earliest admitting `scanned_at` (another device's losing scan is marked a conflict "
                       "for the supervisor). Each scan is validated on its own: `invalid_scan` (malformed, not "
                       "stored, with `error`) and `invalid_scanned_at` (more than 10 minutes ahead of the "
                       "server's clock, or before the summit's first day, local midnight; stored) never spoil "
                       "the others.",
        "requestBody": _body(schemas.SyncInput),
        "responses": {"200": _json(_ref(schemas.SyncResults), "one result per scan, in order"),
                      "413": _error("too_many_scans: more than 5000 scans in one call (or a body over 1 MiB)"),
                      "422": _error("the body is not {\"scans\": [...]}"), **UNAUTHORISED}}},
    "/api/v1/zone-entries/{entry_id}/undo": {"post": {
        "summary": "Undo a check-in made in error (organisers)", "operationId": "undoCheckin",
        "security": CONSOLE_AUTH,
        "description": "The entry goes, so the delegate can enter that zone again that day; the scan that made "
                       "it is marked undone, and the undo is audited with its reason.",
        "parameters": [{"name": "entry_id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX}}],
        "requestBody": _body(schemas.UndoInput),
        "responses": {"200": _json({"type": "object", "properties": {"undone": {"type": "integer"}}},
                                   "undone"),
                      "404": _error("unknown_entry"), "422": _error("reason_required"),
                      **UNAUTHORISED, **FORBIDDEN}}},
    "/api/v1/zones": {"get": {
        "summary": "The summit's zones (staff)", "operationId": "listZones", "security": CONSOLE_AUTH,
        "responses": {"200": _json(_ref(schemas.Zones), "the zones, in the summit file's order"),
                      **UNAUTHORISED}}},
    "/api/v1/zones/{code}/roster": {"get": {
        "summary": "A zone's roster for an offline scanner (staff; audited)", "operationId": "zoneRoster",
        "security": CONSOLE_AUTH,
        "description": "Every live delegate's current badge code as its SHA-256, with what the door shows and "
                       "whether the zone admits them today; older versions of reissued badges are listed "
                       "`admitted: false`, `status: revoked`. Each download is written to the audit log.",
        "parameters": [{"name": "code", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 40}}],
        "responses": {"200": _json(_ref(schemas.Roster), "the roster"),
                      "404": _error("unknown_zone"), **UNAUTHORISED}}},
    "/api/v1/delegates/{delegate_id}/badge/reissue": {"post": {
        "summary": "Reissue a delegate's badge (staff)", "operationId": "reissueBadge", "security": CONSOLE_AUTH,
        "description": "The delegate's older badges stop working (their code is 409 `badge_revoked`); the next "
                       "printed badge carries the new code. Audited. No request body.",
        "parameters": [{"name": "delegate_id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX}}],
        "responses": {"200": _json(_ref(schemas.BadgeReissued), "the new badge version"),
                      "404": _error("no such delegate"), "409": _error("cancelled"), **UNAUTHORISED}}},
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
    "/api/v1/accreditation/decisions": {"post": {
        "summary": "Approve or reject many delegates at once (organisers)", "operationId": "decideMany",
        "security": CONSOLE_AUTH,
        "description": "One decision on every delegate named, in one transaction: all are decided or none. "
                       "Each decision is audited and mailed to its delegate, in their language, as "
                       "POST /api/v1/delegates/{delegate_id}/accreditation does; a rejection needs a `reason` "
                       "and frees each delegate's route place for the first in line.",
        "requestBody": _body(schemas.BulkDecision),
        "responses": {"200": _json(_ref(schemas.BulkDecisionResult), "decided"),
                      "404": _error("unknown_delegate: an id is no delegate of this summit (`ids` names them); "
                                    "nothing was decided"),
                      "409": _error("cancelled: a delegate named has cancelled (`ids` names them); nothing was "
                                    "decided"),
                      "422": _error("malformed or too many ids, an unknown decision, or a rejection without a "
                                    "reason (reason_required)"),
                      **UNAUTHORISED, **FORBIDDEN}}},
    "/api/v1/delegates/{delegate_id}": {"patch": {
        "summary": "Set a delegate's protocol level, title or name order (organisers)", "operationId": "patchDelegate",
        "security": CONSOLE_AUTH, "parameters": [DELEGATE_ID],
        "requestBody": _body(schemas.DelegateProtocolChange),
        "responses": {"200": _json(_ref(schemas.Delegate), "the delegate"),
                      "404": _error("no such delegate"),
                      "422": _error("unknown protocol level or name order, or a title the text rules refuse"),
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
    "/api/v1/delegations/self/members.csv": {"post": {
        "summary": "Import the delegation's members from a CSV or XLSX file, all or none",
        "operationId": "importDelegationMembers", "security": DELEGATION_AUTH,
        "description": (
            "One member a row, under a header row naming the columns by their registration field names (or the "
            "template's zh/en labels); no consent column (the focal point's covers the members). CSV in UTF-8 "
            "(a BOM allowed) or GB18030/GBK, comma or semicolon separated; XLSX by its content type or "
            f"filename. At most {MEMBER_FILE_MB} MB and {MEMBER_ROWS_MAX} members. Any bad row is 422 with "
            "`errors` keyed `row N` (N the file's line, the header being line 1), each message naming its "
            "column, in the language the request asks for (Accept-Language) or else the focal point's, "
            "and nothing is created."),
        "parameters": [{"name": "dry_run", "in": "query", "required": False,
                        "description": "1: check every row, create nobody (`would_create`)",
                        "schema": {"type": "string", "enum": ["0", "1"]}}],
        "requestBody": {"required": True, "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary", "description": "the CSV or XLSX file"}}}}}},
        "responses": {"200": _json({"type": "object", "required": ["created"], "properties": {
                          "created": {"type": "integer", "minimum": 0},
                          "would_create": {"type": "integer", "minimum": 0,
                                           "description": "with dry_run=1: how many the file would create"}}},
                          "created (or, in a dry run, checked)"),
                      "409": _error("delegation_full (more rows than free places), or email_taken (an email "
                                    "registered meanwhile); nothing was created"),
                      "413": _error(f"a body over {MEMBER_FILE_MB} MB"),
                      "422": _error("a bad row (`errors` keyed `row N`), or a file that cannot be read: its "
                                    "encoding, a header naming an unknown column or missing a required one "
                                    "(`errors` keyed `row N` or `file`)"),
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
