"""Making delegates the way delegates are made: through the registration service."""
from __future__ import annotations

import itertools

from summit.plumbing.extensions import db
from summit.models import VisitRoute
from summit.services.registration import delegates as registration

_numbers = itertools.count(1)


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


def register(summit, **overrides):
    return registration.register(summit, delegate_data(**overrides))


def route(summit, code: str) -> VisitRoute:
    return db.session.scalars(db.select(VisitRoute).where(
        VisitRoute.summit_id == summit.id, VisitRoute.code == code)).one()


def set_capacity(route_row: VisitRoute, capacity: int) -> None:
    route_row.capacity = capacity
    db.session.commit()
