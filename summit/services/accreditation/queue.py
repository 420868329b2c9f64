"""The review queue: live delegates by accreditation state, narrowed by facets, with counts.

A facet is a column the organisers narrow the queue by (level, category, country, delegation). Each facet's counts are taken with every *other* filter
applied, so an option's count is what choosing it would show. The registration date range is a
filter of its own (days in the summit's time zone). Oldest applications first: first come, first
decided.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable, Mapping

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from ...models import CATEGORIES, Delegate, Delegation, RouteBooking, Summit
from ...models.labels import Accreditation, DelegateStatus
from ...models.types import ID_MAX
from ...plumbing.errors import ValidationFailed
from ...plumbing.extensions import db
from ..registration.countries import COUNTRY_CODES
from .levels import level_codes

STATES = (*Accreditation.values(), "all")
PER_PAGE = 50
PAGE_MAX = 100_000


def _choice(known: Callable[[Summit], set]) -> Callable[[Summit, str], object]:
    def parse(summit: Summit, raw: str):
        return raw if raw in known(summit) else None
    return parse


def _country(summit: Summit, raw: str):
    return raw.upper() if raw.upper() in COUNTRY_CODES else None


def _an_id(summit: Summit, raw: str):
    return int(raw) if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= ID_MAX else None


@dataclass(frozen=True)
class Facet:
    name: str
    column: object
    #: the value as the column holds it, or None when the text is not one
    parse: Callable[[Summit, str], object]


#: the queue's facets, in the page's order
FACETS: tuple[Facet, ...] = (
    Facet("level", Delegate.protocol_level, _choice(lambda s: level_codes(s.id))),
    Facet("category", Delegate.category, _choice(lambda s: set(CATEGORIES))),
    Facet("country", Delegate.country, _country),
    Facet("delegation", Delegate.delegation_id, _an_id),
)
FACET_NAMES = tuple(f.name for f in FACETS)
#: every argument the queue reads from a query string
ARGS = ("state", *FACET_NAMES, "from", "to", "page")


@dataclass(frozen=True)
class QueueFilter:
    state: str = Accreditation.PENDING.value
    #: facet name → value
    facets: dict = field(default_factory=dict)
    registered_from: date | None = None
    registered_to: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filter as query-string arguments (the default state left out)."""
        args = {name: str(value) for name, value in self.facets.items()}
        if self.state != Accreditation.PENDING:
            args["state"] = self.state
        if self.registered_from:
            args["from"] = self.registered_from.isoformat()
        if self.registered_to:
            args["to"] = self.registered_to.isoformat()
        return args


def _arg(args: Mapping, name: str) -> str:
    value = args.get(name)
    return value.strip() if isinstance(value, str) else ""


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw.isascii() and len(raw) == 10 else None
    except ValueError:
        return None


def parse_filter(summit: Summit, args: Mapping) -> QueueFilter:
    """The filter from query-string (or form) arguments; ValidationFailed names each bad one."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    state = _arg(args, "state")
    if state:
        if state in STATES:
            values["state"] = state
        else:
            errors["state"] = [f"one of {', '.join(STATES)}"]
    facets = {}
    for facet in FACETS:
        raw = _arg(args, facet.name)
        if raw:
            value = facet.parse(summit, raw)
            if value is None:
                errors[facet.name] = ["not one of the choices"]
            else:
                facets[facet.name] = value
    values["facets"] = facets
    for name, key in (("from", "registered_from"), ("to", "registered_to")):
        raw = _arg(args, name)
        if raw:
            day = _date(raw)
            if day is None:
                errors[name] = ["a date, YYYY-MM-DD"]
            else:
                values[key] = day
    if errors:
        raise ValidationFailed(errors, "bad filter")
    return QueueFilter(**values)


def parse_page(args: Mapping) -> int:
    raw = _arg(args, "page") or "1"
    return min(int(raw), PAGE_MAX) if raw.isascii() and raw.isdigit() and int(raw) >= 1 else 1


def _day_start(summit: Summit, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=summit.zone)


def _conditions(summit: Summit, f: QueueFilter, *, without: str | None = None) -> list:
    """WHERE for the filter; ``without``: leave out that facet (``"state"`` for the state)."""
    where = [Delegate.summit_id == summit.id, Delegate.status == DelegateStatus.REGISTERED]
    if f.state != "all" and without != "state":
        where.append(Delegate.accreditation == f.state)
    for facet in FACETS:
        if facet.name in f.facets and facet.name != without:
            where.append(facet.column == f.facets[facet.name])
    if f.registered_from:
        where.append(Delegate.created_at >= _day_start(summit, f.registered_from))
    if f.registered_to:
        where.append(Delegate.created_at < _day_start(summit, f.registered_to + timedelta(days=1)))
    return where


def page(summit: Summit, f: QueueFilter, number: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """One page of the queue, oldest registration first (``.items``, ``.total``, ``.pages``)."""
    query = (select(Delegate).where(and_(*_conditions(summit, f)))
             .options(selectinload(Delegate.booking).selectinload(RouteBooking.route))
             .order_by(Delegate.created_at, Delegate.id))
    return db.paginate(query, page=number, per_page=per_page, error_out=False)


@dataclass(frozen=True)
class Counts:
    #: accreditation state → live delegates in it (under the facets and dates), and "all"
    states: dict[str, int]
    #: facet name → {value: delegates in the chosen state (under the other filters)}
    facets: dict[str, dict]


def counts(summit: Summit, f: QueueFilter) -> Counts:
    by_state = dict(db.session.execute(
        select(Delegate.accreditation, func.count()).where(and_(*_conditions(summit, f, without="state")))
        .group_by(Delegate.accreditation)).all())
    states = {state: by_state.get(state, 0) for state in Accreditation.values()}
    states["all"] = sum(states.values())
    facets = {}
    for facet in FACETS:
        facets[facet.name] = dict(db.session.execute(
            select(facet.column, func.count()).where(and_(*_conditions(summit, f, without=facet.name)))
            .group_by(facet.column)).all())
    return Counts(states, facets)


def delegations(summit: Summit) -> dict[int, object]:
    """id → the summit's delegation (its name_zh, name_en), for the delegation facet's labels."""
    return {d.id: d for d in db.session.scalars(select(Delegation).where(Delegation.summit_id == summit.id))}
