"""Which badges to print, in which order: the console's batch filters and the API's ids."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from sqlalchemy.orm import selectinload

from ...plumbing.extensions import db
from ...models import CATEGORIES, Delegate, ProtocolLevel, RouteBooking, Summit, VisitRoute
from ...models.labels import Accreditation, BookingStatus, DelegateStatus
from ...models.types import ID_MAX
from ..accreditation.gates import refuse_unless_approved
from ..registration.countries import country_names
from ...plumbing.errors import NotFound, ValidationFailed

SELECTIONS = ("all", "category", "route", "not_printed", "ids")
SORTS = ("family_name", "country", "precedence")
#: most delegates one request may name by id
MAX_IDS = 5000


@dataclass
class Selection:
    kind: str = "all"
    category: str | None = None
    route_id: int | None = None
    ids: list[int] = field(default_factory=list)
    sort: str = "family_name"

    def as_params(self) -> dict:
        return {"selection": self.kind, "category": self.category, "route_id": self.route_id,
                "sort": self.sort}


def parse_ids(raw: str | list) -> list[int]:
    """"1,2,3" (or a list of such strings) as ids, in order, without repeats; 422 when malformed."""
    parts = ",".join(raw if isinstance(raw, list) else [str(raw or "")]).split(",")
    numbers: list[int] = []
    for part in parts:
        part = str(part).strip()
        if not part.isascii() or not part.isdigit() or int(part) <= 0 or len(part) > 12:
            raise ValidationFailed({"ids": ["comma-separated delegate ids, e.g. ids=1,2,3"]})
        numbers.append(int(part))
    return _distinct_ids(numbers)


def json_ids(raw) -> list[int]:
    """A JSON list of ids ([1, 2, 3]) under the same rules as parse_ids; 422 when malformed."""
    if not isinstance(raw, list) or not all(type(i) is int and 0 < i <= ID_MAX for i in raw):
        raise ValidationFailed({"ids": ["a list of delegate ids, e.g. [1, 2, 3]"]})
    return _distinct_ids(raw)


def _distinct_ids(numbers: list[int]) -> list[int]:
    ids = list(dict.fromkeys(numbers))  # in order, without repeats
    if not ids:
        raise ValidationFailed({"ids": ["name at least one delegate id"]})
    if len(ids) > MAX_IDS:
        raise ValidationFailed({"ids": [f"at most {MAX_IDS} ids at once"]})
    return ids


def _sort_key(sort: str, summit: Summit):
    def name_key(d: Delegate):
        # casefold + NFKD: the same order on SQLite and PostgreSQL, whatever their collations
        family = unicodedata.normalize("NFKD", d.family_name).casefold()
        given = unicodedata.normalize("NFKD", d.given_name).casefold()
        return (family, given, d.id)

    if sort == "country":
        return lambda d: (country_names(d.country)[0].casefold(), *name_key(d))
    if sort == "precedence":  # the protocol level's rank (1 first), then by name: registration.search's order
        ranks = dict(db.session.execute(db.select(ProtocolLevel.code, ProtocolLevel.rank)
                                        .where(ProtocolLevel.summit_id == summit.id)).all())
        return lambda d: (ranks.get(d.protocol_level, 1_000_000), *name_key(d))
    return name_key


def select_delegates(summit: Summit, selection: Selection) -> list[Delegate]:
    """The registered delegates the selection names, sorted as asked.

    For ``ids`` the given order is kept unless a sort is asked for, an id
    that is no registered delegate of this summit is a 404, and one who is not approved is
    NotAccredited (409); every other selection ("all", a category, a route…) is of the approved only.
    """
    if selection.kind not in SELECTIONS:
        raise ValidationFailed({"selection": [f"one of {', '.join(SELECTIONS)}"]})
    if selection.sort not in SORTS + ("given",):
        raise ValidationFailed({"sort": [f"one of {', '.join(SORTS)}"]})
    query = (db.select(Delegate)
             .where(Delegate.summit_id == summit.id, Delegate.status == DelegateStatus.REGISTERED)
             .options(selectinload(Delegate.booking).selectinload(RouteBooking.route)))
    if selection.kind == "category":
        if selection.category not in CATEGORIES:
            raise ValidationFailed({"category": [f"one of {', '.join(CATEGORIES)}"]})
        query = query.where(Delegate.category == selection.category)
    elif selection.kind == "route":
        in_range = isinstance(selection.route_id, int) and 1 <= selection.route_id <= ID_MAX
        route = db.session.get(VisitRoute, selection.route_id) if in_range else None
        if route is None or route.summit_id != summit.id:
            raise ValidationFailed({"route_id": ["not one of this summit's routes"]})
        # a badge shows a confirmed route only, so a route's batch is its confirmed delegates
        query = query.join(RouteBooking).where(RouteBooking.route_id == route.id,
                                               RouteBooking.status == BookingStatus.CONFIRMED)
    elif selection.kind == "not_printed":
        query = query.where(Delegate.badge_printed_at.is_(None))
    elif selection.kind == "ids":
        query = query.where(Delegate.id.in_(selection.ids))
    if selection.kind != "ids":
        query = query.where(Delegate.accreditation == Accreditation.APPROVED)
    delegates = list(db.session.scalars(query))
    if selection.kind == "ids":
        found = {d.id for d in delegates}
        missing = [i for i in selection.ids if i not in found]
        if missing:
            raise NotFound(f"no registered delegate with id {', '.join(map(str, missing[:10]))}",
                           code="unknown_delegate", ids=missing[:100])
        refuse_unless_approved(sorted(delegates, key=lambda d: d.id))
        if selection.sort == "given":
            order = {i: n for n, i in enumerate(selection.ids)}
            return sorted(delegates, key=lambda d: order[d.id])
    return sorted(delegates, key=_sort_key(selection.sort, summit))
