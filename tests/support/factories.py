"""The one way a test makes a delegate: through the registration service.

``register`` is it: ``registration.register`` with valid form data, so the delegate's row, their
manage secret, their booking and the route's seat counter are what the app itself writes.
``make_delegate`` is ``register`` shaped for the badge, desk and door tests (names first, a route
by its code, a place in line, a cancelled registration). No test writes a booking or a counter
itself: the capacity rule (services/visits/capacity.py) is never bypassed, so a route's
``confirmed`` always equals its confirmed bookings. Hundreds of delegates at once:
bulk_delegates.insert_delegates.
"""
from __future__ import annotations

import itertools

from summit.plumbing.extensions import db
from summit.models import Delegate, VisitRoute
from summit.services.accreditation import decisions, modes
from summit.services.registration import delegates as registration
from summit.services.registration.delegate_input import clean_delegate
from summit.services.visits import admin as route_admin

_numbers = itertools.count(1)

#: the text columns make_delegate may store as given (see there)
TEXT = ("given_name", "family_name", "native_name", "organisation")


def letters(n: int) -> str:
    """1 → "a", 27 → "ba": unique Latin-letter suffixes (names may not hold digits)."""
    out = ""
    while True:
        n, rest = divmod(n, 26)
        out = chr(97 + rest) + out
        if n == 0:
            return out


def delegate_data(**overrides) -> dict:
    n = next(_numbers)
    data = {
        "given_name": "Amina", "family_name": f"Diallo-{letters(n)}", "email": f"delegate{n}@example.org",
        "organisation": "Ministry of Transport", "country": "SN", "category": "government",
        "consent": True, "language": "en",
    }
    data.update(overrides)
    return data


def register(summit, **overrides) -> registration.Registered:
    """Registered through the service; a delegate given needs has agreed to their use (the separate consent)."""
    if overrides.get("dietary_needs") or overrides.get("accessibility_needs"):
        overrides.setdefault("sensitive_consent", True)
    return registration.register(summit, delegate_data(**overrides))


def make_delegate(summit, given="Ada", family="Lovelace", native="", *, country="GB",
                  category="government", organisation="Ministry of Transport", route=None,
                  route_status="confirmed", status="registered", accreditation="approved") -> Delegate:
    """A delegate registered through ``register``, with their text exactly as given.

    ``route`` (a code or a VisitRoute): the delegate takes a place on it. ``route_status="waitlisted"``
    puts them in its line the only way the capacity rule allows: the route is made full first (its
    capacity lowered to the places taken, as an organiser does in the console), and they choose to
    wait. ``status="cancelled"``: registered, then cancelled through the service.
    ``accreditation="pending"``: registered while the summit takes applications (approval mode, as
    an organiser switches it); ``"rejected"``: then refused through the decision service.

    The names and the organisation end up exactly as given, also where today's input rules refuse
    them (digits, markup, bidi controls, 100 × U+FDFD): these tests are about what a badge or a page
    makes of a row as the database may hold it (a row from before a rule, a restored backup). Such
    text is registered as a valid placeholder and then written into its column; the input rules
    have tests of their own (plumbing/test_text_input.py, security/test_bad_input_every_rule.py).
    Those four columns are all that is written past the service, and no rule counts them.
    """
    text = dict(zip(TEXT, (given, family, native, organisation)))
    typed = {name: value for name, value in text.items() if _kept_as_typed(name, value)}
    choice = {}
    if route is not None:
        route_row = _route_row(summit, route)
        choice = {"route_id": route_row.id}
        if route_status == "waitlisted":
            route_admin.change_capacity(route_row, _fresh(route_row).confirmed, None)  # full: a line forms
            choice["join_waitlist"] = True
        else:
            assert route_status == "confirmed", route_status
    mode = summit.registration_mode
    if accreditation != "approved":
        modes.set_mode(summit, "approval", None)
    try:
        delegate = register(summit, country=country, category=category, **typed, **choice).delegate
    finally:
        if accreditation != "approved":
            modes.set_mode(summit, mode, None)
    if accreditation == "rejected":
        decisions.decide(summit, delegate.id, {"decision": "reject", "reason": "Not on the invited list."}, None)
        delegate = _fresh(delegate)
    else:
        assert accreditation in ("approved", "pending"), accreditation
    if route is not None:
        assert delegate.booking.status == route_status, (delegate.booking.status, route_status)
    untyped = {name: value for name, value in text.items() if name not in typed}
    if untyped:
        for name, value in untyped.items():
            setattr(delegate, name, value)
        db.session.commit()
    if status == "cancelled":
        registration.cancel(delegate)
    else:
        assert status == "registered", status
    return delegate


def _kept_as_typed(name: str, value: str) -> bool:
    """Would the registration service take this text and keep it unchanged?"""
    cleaned = clean_delegate({name: value}, partial=True)
    return not cleaned.errors and cleaned.values.get(name) == value


def _route_row(summit, which) -> VisitRoute:
    return which if isinstance(which, VisitRoute) else route(summit, which)


def _fresh(row):
    return db.session.get(type(row), row.id, populate_existing=True)


def route(summit, code: str) -> VisitRoute:
    return db.session.scalars(db.select(VisitRoute).where(
        VisitRoute.summit_id == summit.id, VisitRoute.code == code)).one()


def set_capacity(route_row: VisitRoute, capacity: int) -> None:
    """An organiser's setting, written as it is (it takes no place and moves no counter; below the
    places taken the database refuses it, and no one waiting is promoted: the console's change does that)."""
    route_row.capacity = capacity
    db.session.commit()
