"""Delegations over JSON: organisers create them, staff list them, a focal point's token adds members.

A delegation's token is a credential of its own kind: only delegations.delegation_for_token accepts it,
and it is not a delegate's manage secret nor a console API token (each is looked up in its own table),
so none of the three opens another's doors.
"""
from __future__ import annotations

from flask import g, jsonify

from ..auth import api_requires, bearer_token
from ..plumbing.error_pages import error_response
from ..plumbing.errors import NotFound
from ..plumbing.request_input import json_object
from ..plumbing.urls import calendar_url, manage_url
from ..services.accreditation import delegations
from ..services.accreditation.delegation_mail import invitation_url
from ..services.calendar.tokens import calendar_token
from ..services.summits.current import current_summit
from . import serialise
from .blueprint import api_bp
from .schemas import DelegationInput
from .validation import read_body

ASK_FOR_DELEGATION = "send the delegation's token: Authorization: Bearer …"
UNKNOWN_DELEGATION = "unknown or revoked delegation token"


def _summary(delegation) -> dict:
    return {"id": delegation.id, "name": serialise.both(delegation, "name"), "country": delegation.country,
            "places": delegation.places}


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.post("/delegations")
@api_requires("organiser")
def create_delegation():
    """{"name": {"zh", "en"}, "country", "focal_point": {"name", "email"}, "places"}: the focal point is mailed."""
    body = read_body(DelegationInput)
    issued = delegations.create_delegation(current_summit(), {
        "name_zh": body.name.zh, "name_en": body.name.en, "country": body.country,
        "focal_name": body.focal_point.name, "focal_email": body.focal_point.email,
        "focal_language": body.focal_point.language, "places": body.places}, g.api_user)
    response = jsonify({**_summary(issued.delegation), "token": issued.token,
                        "invitation_url": invitation_url(issued.token)})
    response.status_code = 201
    response.headers["Location"] = "/api/v1/delegations/self"
    return _no_store(response)


@api_bp.get("/delegations")
@api_requires("staff")
def list_delegations():
    found = delegations.list_delegations(current_summit())
    return _no_store(jsonify(delegations=[{**_summary(d), "members": d.members_live} for d in found]))


def _delegation():
    """(the delegation the bearer token opens, None) or (None, a 401)."""
    token = bearer_token()
    if not token:
        return None, error_response(401, "unauthorized", ASK_FOR_DELEGATION)
    try:
        return delegations.delegation_for_token(token), None
    except (NotFound, delegations.DelegationRevoked):
        return None, error_response(401, "unauthorized", UNKNOWN_DELEGATION)


def _member(delegate) -> dict:
    return {"id": delegate.id, "status": delegate.status, "route": serialise.route_place(delegate.booking),
            **serialise.accreditation(delegate), "given_name": delegate.given_name,
            "family_name": delegate.family_name, "native_name": delegate.native_name, "email": delegate.email,
            "organisation": delegate.organisation, "country": delegate.country, "category": delegate.category,
            "language": delegate.language, **serialise.names(delegate)}


@api_bp.get("/delegations/self")
def get_own_delegation():
    delegation, failure = _delegation()
    if failure:
        return failure
    return _no_store(jsonify({**_summary(delegation), "members": [_member(m) for m in delegations.members(delegation)]}))


@api_bp.post("/delegations/self/members")
def add_member():
    """A registration body (no consent needed): 201 with the member's own token; 409 delegation_full."""
    delegation, failure = _delegation()
    if failure:
        return failure
    try:
        result = delegations.add_member(delegation, json_object())
    except delegations.DelegationRevoked:  # revoked while the request was on its way
        return error_response(401, "unauthorized", UNKNOWN_DELEGATION)
    delegate = result.delegate
    body = {"id": delegate.id, "status": delegate.status, "route": serialise.route_place(delegate.booking),
            **serialise.accreditation(delegate), **serialise.names(delegate), "token": result.manage_token,
            "manage_url": manage_url(result.manage_token), "calendar_url": calendar_url(calendar_token(delegate))}
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = "/api/v1/registrations/self"
    return _no_store(response)



