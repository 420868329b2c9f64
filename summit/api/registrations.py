"""Delegate registration and self-service over JSON (the contract's Public part)."""
from __future__ import annotations

import json

from flask import current_app, jsonify, request

from ..auth import bearer_token
from ..plumbing.error_pages import error_response
from ..plumbing.extensions import limiter, registration_limit
from ..plumbing.request_input import json_object
from ..services.privacy import data_copy
from ..services.privacy.erasure import erase_delegate
from ..services.registration import delegates as registration
from ..services.calendar.tokens import calendar_token, revoke_calendar_token
from ..services.registration.mail import send_registration_confirmation
from ..services.travel import plans as travel
from ..plumbing.errors import NotFound
from ..services.summits.current import current_summit
from ..plumbing.urls import calendar_url, manage_url
from . import serialise
from .blueprint import api_bp
from .schemas import RouteChoice, TravelFields
from .validation import read_body, validated


def _registration_body(delegate, token: str, *, with_token: bool = False,
                       new: registration.Registered | None = None) -> dict:
    """A registration as the API answers it. ``new``: the registration just made, whose letter and
    travel are read back only if it asked for them."""
    body = {"id": delegate.id, "status": delegate.status, "route": serialise.route_place(delegate.booking),
            # a full route waited for while keeping "route" (PATCH with keep_place): null when none
            "waiting": serialise.route_place(delegate.waiting),
            **serialise.accreditation(delegate), **serialise.names(delegate),
            **(serialise.visa(delegate) if new is None or new.with_visa else serialise.NO_VISA)}
    if with_token:
        body["token"] = token
    body["manage_url"] = manage_url(token)
    body["calendar_url"] = calendar_url(calendar_token(delegate))
    # arrival, departure, hotel
    body.update(travel.travel_body(delegate.id, current_summit()) if new is None or new.with_travel
                else travel.NO_TRAVEL_BODY)
    return body


@api_bp.post("/registrations")
@limiter.shared_limit(registration_limit, scope="registration")
def create_registration():
    summit = current_summit()
    result = registration.register(summit, json_object())
    delegate = result.delegate
    body = _registration_body(delegate, result.manage_token, with_token=True, new=result)
    send_registration_confirmation(
        delegate, summit.name_zh if delegate.language == "zh" else summit.name_en, body["manage_url"],
        body["route"]["waitlist_position"] if body["route"] else None)
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = "/api/v1/registrations/self"
    response.headers["Cache-Control"] = "no-store"
    return response


ASK_FOR_BEARER = "send the delegate's token: Authorization: Bearer …"
UNKNOWN_BEARER = "unknown or expired token"


def _unauthorized(message: str):
    return error_response(401, "unauthorized", message)


def _self():
    token = bearer_token()
    if not token:
        return None, None, _unauthorized(ASK_FOR_BEARER)
    try:
        return registration.delegate_for_manage_token(token), token, None
    except NotFound:
        return None, None, _unauthorized(UNKNOWN_BEARER)


@api_bp.get("/registrations/self")
def get_self():
    delegate, token, failure = _self()
    if failure:
        return failure
    response = jsonify(_registration_body(delegate, token))
    response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.patch("/registrations/self")
def patch_self():
    token = bearer_token()
    if not token:
        return _unauthorized(ASK_FOR_BEARER)
    data = json_object()
    if travel.asks_for_travel(data):
        # travel (arrival, departure, hotel): its own transaction, before any route change the body asks
        changes = validated(TravelFields, data).model_dump(exclude_unset=True)
        try:
            delegate = travel.change_travel(lambda: registration.lock_delegate(manage_token=token),
                                            current_summit(), changes)
        except NotFound:
            return _unauthorized(UNKNOWN_BEARER)
        if "route_id" not in data:
            return jsonify(_registration_body(delegate, token))

    def route_request() -> dict:
        # the choice as sent: the service's _route_choice reads join_waitlist's absence as false
        return read_body(RouteChoice).model_dump(exclude_unset=True)

    try:
        # Finds, locks and changes in one transaction; the body is read once the token has proved good.
        delegate, _ = registration.choose_route_for_token(token, route_request)
    except NotFound:
        return _unauthorized(UNKNOWN_BEARER)
    return jsonify(_registration_body(delegate, token))


@api_bp.delete("/registrations/self")
def delete_self():
    """Cancel; with ``?erase=1``, cancel and erase every personal field (the token dies with them)."""
    delegate, _, failure = _self()
    if failure:
        return failure
    erase = request.args.get("erase", "")
    if erase not in ("", "0", "1"):
        return error_response(400, "bad_request", "erase must be 1 (or 0, or absent)")
    if erase == "1":
        erase_delegate(delegate, reason="request")
    else:
        registration.cancel(delegate)
    return "", 204


@api_bp.post("/registrations/self/calendar-reset")
def reset_own_calendar():
    """A new calendar_url; the old one stops working (every calendar subscribed to it stops updating)."""
    delegate, token, failure = _self()
    if failure:
        return failure
    try:
        revoke_calendar_token(delegate)
    except NotFound:  # cancelled in the meantime
        return _unauthorized(UNKNOWN_BEARER)
    response = jsonify(_registration_body(delegate, token))
    response.headers["Cache-Control"] = "no-store"
    return response


def _attachment(copy: dict, delegate):
    response = current_app.response_class(json.dumps(copy, indent=2, ensure_ascii=False) + "\n",
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="summit-data-{delegate.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.get("/registrations/self/data")
def get_own_data():
    """Everything the summit holds about the delegate (their own copy); each download is audited."""
    delegate, _, failure = _self()
    if failure:
        return failure
    return _attachment(data_copy.download(delegate, "json"), delegate)


@api_bp.post("/registrations/self/consents/sensitive/withdraw")
def withdraw_sensitive_consent():
    """Withdraw the sensitive-data consent: dietary and accessibility needs are erased at once."""
    delegate, _, failure = _self()
    if failure:
        return failure
    try:
        withdrawn = registration.withdraw_sensitive_consent(delegate)
    except NotFound:  # cancelled in the meantime
        return _unauthorized(UNKNOWN_BEARER)
    response = jsonify({"withdrawn": withdrawn})
    response.headers["Cache-Control"] = "no-store"
    return response
