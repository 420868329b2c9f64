"""Organisers' changes to a delegate, through the registration service's own rules, audited.

Corrections, moves and cancellations all go through summit.services.registration.delegates
(and so through the one capacity rule in places.py); the audit entry is written
in the same transaction via its ``before_commit`` hook.
"""
from __future__ import annotations

from ...plumbing.extensions import db
from ...models import ConsoleUser, Delegate, Summit, VisitRoute
from ...models.labels import BookingStatus, DelegateStatus
from ..console import audit
from . import delegates as registration
from ...plumbing.errors import NotFound
from ..visits.capacity import PlaceChange

ENTITY = "delegate"
DETAIL_FIELDS = ("title", "given_name", "family_name", "name_order", "native_name", "email", "organisation", "job_title", "country",
                 "category", "phone", "banquet", "dietary_needs", "accessibility_needs", "language")


def get_delegate(summit: Summit, delegate_id: int) -> Delegate:
    delegate = db.session.get(Delegate, delegate_id)
    # an erased delegate is an anonymous count (services/privacy/erasure.py): nothing of it is shown or edited
    if delegate is None or delegate.summit_id != summit.id or delegate.erased_at is not None:
        raise NotFound("no such delegate")
    return delegate


def _route_code(route_id: int | None) -> str | None:
    if route_id is None:
        return None
    route = db.session.get(VisitRoute, route_id)
    return route.code if route else str(route_id)


def _audit_promotions(user, change: PlaceChange) -> None:
    for booking in change.promoted:
        audit.record(user, "delegate.promoted", ENTITY, booking.delegate_id,
                     {"status": [BookingStatus.WAITLISTED, BookingStatus.CONFIRMED],
                      "route": [booking.route.code, booking.route.code]})


def correct_details(delegate: Delegate, data: dict, user: ConsoleUser | None) -> Delegate:
    before = audit.snapshot(delegate, DETAIL_FIELDS)

    def record(changed: Delegate) -> None:
        changes = audit.diff(before, audit.snapshot(changed, DETAIL_FIELDS))
        if changes:
            audit.record(user, f"{ENTITY}.update", ENTITY, changed.id, changes)

    return registration.update_details(delegate, data, before_commit=record, by_delegate=False)


def move(delegate: Delegate, route_id: int | None, join_waitlist: bool, user: ConsoleUser | None) -> PlaceChange:
    """Put the delegate on another route (or none): the same rules as the delegate's own choice."""
    def record(moved: Delegate, change: PlaceChange, previous: int | None) -> None:
        booking = change.booking
        if previous == (booking.route_id if booking else None):
            return
        audit.record(user, f"{ENTITY}.move", ENTITY, moved.id, {
            "route": [_route_code(previous), booking.route.code if booking else None],
            "status": [None, booking.status if booking else None]})
        _audit_promotions(user, change)

    return registration.choose_route(delegate, {"route_id": route_id, "join_waitlist": join_waitlist},
                                     before_commit=record)


def cancel(delegate: Delegate, user: ConsoleUser | None) -> PlaceChange:
    def record(cancelled: Delegate, change: PlaceChange) -> None:
        audit.record(user, f"{ENTITY}.cancel", ENTITY, cancelled.id,
                     {"status": [DelegateStatus.REGISTERED, DelegateStatus.CANCELLED]})
        _audit_promotions(user, change)

    return registration.cancel(delegate, before_commit=record)
