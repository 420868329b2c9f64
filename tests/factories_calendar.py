"""Delegates and route bookings made straight with the models, for the calendar tests.

The registration service (another branch) will make these through its own rules; until
it lands, these do what it does to the rows a calendar reads.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from summit.extensions import db
from summit.models import Delegate, ProgrammeItem, RouteBooking, VisitRoute, utcnow


def route(summit, code: str) -> VisitRoute:
    return db.session.scalars(db.select(VisitRoute).where(
        VisitRoute.summit_id == summit.id, VisitRoute.code == code)).one()


def item(summit, seed_key: str) -> ProgrammeItem:
    return db.session.scalars(db.select(ProgrammeItem).where(
        ProgrammeItem.summit_id == summit.id, ProgrammeItem.seed_key == seed_key)).one()


def make_delegate(summit, *, language: str = "en", banquet: bool = False, route_code: str | None = None,
                  waitlisted: bool = False, **fields) -> Delegate:
    number = secrets.token_hex(4)
    values = dict(
        given_name="Ana", family_name=f"Silva {number}", email=f"ana.{number}@example.org",
        organisation="Ministry of Transport", country="BR", category="government",
        language=language, banquet=banquet, consent_at=utcnow(),
        manage_token_hash=secrets.token_hex(32), summit_id=summit.id,
    )
    values.update(fields)
    delegate = Delegate(**values)
    db.session.add(delegate)
    db.session.flush()
    if route_code:
        book(delegate, route(summit, route_code), waitlisted=waitlisted)
    db.session.commit()
    return delegate


def book(delegate: Delegate, target: VisitRoute, *, waitlisted: bool = False) -> RouteBooking:
    """Give the delegate a place (or a waiting place) on ``target``, moving off any old route."""
    booking = delegate.booking
    if booking is not None and booking.status == "confirmed":
        booking.route.confirmed -= 1
    if booking is None:
        booking = RouteBooking(delegate_id=delegate.id)
        db.session.add(booking)
    booking.route_id = target.id
    booking.route = target
    booking.status = "waitlisted" if waitlisted else "confirmed"
    booking.confirmed_at = None if waitlisted else utcnow()
    if not waitlisted:
        target.confirmed += 1
    delegate.updated_at = utcnow()
    db.session.commit()
    return booking


def promote(booking: RouteBooking) -> None:
    booking.status = "confirmed"
    booking.confirmed_at = utcnow() + timedelta(seconds=1)
    booking.route.confirmed += 1
    db.session.commit()


def organiser_edit(row, **changes) -> None:
    """What the console does on an edit: change fields, bump the revision, stamp the time."""
    for name, value in changes.items():
        setattr(row, name, value)
    row.revision += 1
    # A second later than anything before: HTTP dates have one-second resolution.
    row.updated_at = utcnow() + timedelta(seconds=2)
    db.session.commit()
