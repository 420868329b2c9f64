"""Finding delegates: search, filters, sorting and paging for the console and the API.

``q`` is matched literally (``%`` and ``_`` are plain characters) and without
regard to case against the Latin and native names, the full name, the email
and the organisation.  PostgreSQL's ILIKE folds case in every script; SQLite's
LIKE folds ASCII only, so there a query holding other cased letters (Cyrillic,
Greek, accented Latin) is compared through Python's casefold instead.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Mapping

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from flask_sqlalchemy.pagination import Pagination

from ...plumbing.extensions import db
from ...models import CATEGORIES, Delegate, ProtocolLevel, RouteBooking, Summit
from ...models.labels import Accreditation, BookingStatus, DelegateStatus
from ...models.types import ID_MAX
from ...plumbing import text_input
from .delegate_input import COUNTRY_CODES
from ...plumbing.errors import ValidationFailed

Q_MAX = 200
PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 500
#: past any real list; bounds the OFFSET a caller can ask the database for
PAGE_MAX = 1_000_000
STATUSES = (*DelegateStatus.values(), "all")
YES_NO = ("yes", "no")
#: a delegate's place in the order of precedence: their protocol level's rank (1 first; one level per
#: (summit, code), so one row), read beside each delegate without joining the list's query
PRECEDENCE_RANK = (select(ProtocolLevel.rank)
                   .where(ProtocolLevel.summit_id == Delegate.summit_id, ProtocolLevel.code == Delegate.protocol_level)
                   .correlate(Delegate).scalar_subquery())
#: sort key → columns (id last, so pages never shuffle between requests)
SORTS = {
    # protocol's order: highest level first, then by family name within a rank (a seating or badge-desk list)
    "precedence": (PRECEDENCE_RANK, Delegate.family_name, Delegate.given_name, Delegate.id),
    "name": (Delegate.family_name, Delegate.given_name, Delegate.id),
    "-name": (Delegate.family_name.desc(), Delegate.given_name.desc(), Delegate.id.desc()),
    "registered": (Delegate.created_at, Delegate.id),
    "-registered": (Delegate.created_at.desc(), Delegate.id.desc()),
    "country": (Delegate.country, Delegate.family_name, Delegate.id),
    "organisation": (Delegate.organisation, Delegate.family_name, Delegate.id),
}


@dataclass(frozen=True)
class DelegateFilter:
    q: str = ""
    category: str | None = None
    country: str | None = None
    #: a route id, or "none" for delegates on no route
    route: int | str | None = None
    waiting: bool = False
    checked_in: str | None = None
    badge_printed: str | None = None
    status: str = DelegateStatus.REGISTERED
    sort: str = "name"
    accreditation: str | None = None
    protocol_level: str | None = None
    #: members of this delegation only (services/accreditation/delegations.py)
    delegation_id: int | None = None
    #: "yes": banquet guests only; "no": those who do not come to the banquet
    banquet: str | None = None


def _arg(args: Mapping, name: str) -> str:
    value = args.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_filter(args: Mapping) -> DelegateFilter:
    """The filter from query-string arguments; ValidationFailed names each bad one."""
    errors: dict[str, list[str]] = {}
    q, why = text_input.clean(args.get("q"), limit=Q_MAX)  # the same text rules as every input
    if why is not None:
        errors["q"] = [why]
    values: dict = {"q": q or ""}
    category = _arg(args, "category")
    if category:
        if category in CATEGORIES:
            values["category"] = category
        else:
            errors["category"] = [f"one of {', '.join(CATEGORIES)}"]
    country = _arg(args, "country").upper()
    if country:
        if country in COUNTRY_CODES:
            values["country"] = country
        else:
            errors["country"] = ["an ISO 3166-1 alpha-2 code"]
    route = _arg(args, "route")
    if route:
        if route == "none":
            values["route"] = "none"
        elif route.isascii() and route.isdigit() and 1 <= int(route) <= ID_MAX:
            values["route"] = int(route)
        else:
            errors["route"] = ["a route id, or none"]
    waiting = _arg(args, "waiting")
    if waiting:
        if waiting in ("1", "yes", "true"):
            values["waiting"] = True
        elif waiting not in ("0", "no", "false"):
            errors["waiting"] = ["yes or no"]
    for name, field in (("checked_in", "checked_in"), ("badge", "badge_printed")):
        value = _arg(args, name)
        if value:
            if value in YES_NO:
                values[field] = value
            else:
                errors[name] = ["yes or no"]
    status = _arg(args, "status")
    if status:
        if status in STATUSES:
            values["status"] = status
        else:
            errors["status"] = [f"one of {', '.join(STATUSES)}"]
    accreditation = _arg(args, "accreditation")
    if accreditation:
        if accreditation in Accreditation.values():
            values["accreditation"] = accreditation
        else:
            errors["accreditation"] = [f"one of {', '.join(Accreditation.values())}"]
    level = _arg(args, "protocol_level")
    if level:
        known = set(db.session.scalars(select(ProtocolLevel.code).distinct()))
        if level in known:
            values["protocol_level"] = level
        else:
            errors["protocol_level"] = [f"one of {', '.join(sorted(known))}"]
    delegation = _arg(args, "delegation_id")
    if delegation:
        if delegation.isascii() and delegation.isdigit() and 1 <= int(delegation) <= ID_MAX:
            values["delegation_id"] = int(delegation)
        else:
            errors["delegation_id"] = ["a delegation id"]
    sort = _arg(args, "sort")
    if sort:
        if sort in SORTS:
            values["sort"] = sort
        else:
            errors["sort"] = [f"one of {', '.join(SORTS)}"]
    if errors:
        raise ValidationFailed(errors, "bad search or filter")
    return DelegateFilter(**values)


def asked(f: DelegateFilter) -> dict:
    """The filter's fields that differ from no filter at all, as the audit records them (sort left out:
    it changes the order, not who is in the list)."""
    default = DelegateFilter()
    return {name: getattr(f, name) for name in f.__dataclass_fields__
            if name != "sort" and getattr(f, name) != getattr(default, name)}


def parse_paging(args: Mapping, *, default_per_page: int = PER_PAGE_DEFAULT) -> tuple[int, int]:
    errors = {}
    page_raw, per_page_raw = _arg(args, "page") or "1", _arg(args, "per_page") or str(default_per_page)
    page = int(page_raw) if page_raw.isascii() and page_raw.isdigit() else 0  # '²'.isdigit(), yet int('²') fails
    per_page = int(per_page_raw) if per_page_raw.isascii() and per_page_raw.isdigit() else 0
    if not 1 <= page <= PAGE_MAX:
        errors["page"] = [f"a whole number from 1 to {PAGE_MAX}"]
    if not 1 <= per_page <= PER_PAGE_MAX:
        errors["per_page"] = [f"a whole number from 1 to {PER_PAGE_MAX}"]
    if errors:
        raise ValidationFailed(errors, "bad paging")
    return page, per_page


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _needs_python_fold(q: str) -> bool:
    """True when q holds a letter beyond ASCII that has case (Ж, É, Ω): SQLite's LIKE would not fold it."""
    return any(ord(ch) > 127 and ch.lower() != ch.upper() for ch in q)


def _fold(value):
    return unicodedata.normalize("NFC", value).casefold() if isinstance(value, str) else value


def _text_match(q: str):
    columns = [Delegate.given_name, Delegate.family_name, Delegate.native_name, Delegate.email,
               Delegate.organisation]
    if " " in q:  # "Xiaoming Wang" or "Wang Xiaoming": the full name, either way round
        columns += [Delegate.given_name + " " + Delegate.family_name,
                    Delegate.family_name + " " + Delegate.given_name]
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and _needs_python_fold(q):
        connection.connection.dbapi_connection.create_function("summit_casefold", 1, _fold, deterministic=True)
        needle = _fold(q)
        return or_(*(func.instr(func.summit_casefold(column), needle) > 0 for column in columns))
    pattern = f"%{_escape_like(q)}%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def _conditions(summit: Summit, f: DelegateFilter) -> tuple[list, bool]:
    """The WHERE conditions, and whether they need the booking joined."""
    # An erased delegate is an anonymous count (services/privacy/erasure.py): no list, export or search shows it.
    where = [Delegate.summit_id == summit.id, Delegate.erased_at.is_(None)]
    if f.status != "all":
        where.append(Delegate.status == f.status)
    if f.q:
        where.append(_text_match(f.q))
    if f.category:
        where.append(Delegate.category == f.category)
    if f.country:
        where.append(Delegate.country == f.country)
    if f.accreditation:
        where.append(Delegate.accreditation == f.accreditation)
    if f.protocol_level:
        where.append(Delegate.protocol_level == f.protocol_level)
    if f.delegation_id is not None:
        where.append(Delegate.delegation_id == f.delegation_id)
    needs_booking = False
    if f.route == "none":
        where.append(RouteBooking.id.is_(None))
        needs_booking = True
    elif f.route is not None:
        where.append(RouteBooking.route_id == f.route)
        needs_booking = True
    if f.waiting:
        where.append(RouteBooking.status == BookingStatus.WAITLISTED)
        needs_booking = True
    if f.checked_in:
        where.append(Delegate.checked_in_at.is_not(None) if f.checked_in == "yes" else Delegate.checked_in_at.is_(None))
    if f.banquet:
        where.append(Delegate.banquet.is_(f.banquet == "yes"))
    if f.badge_printed:
        where.append(Delegate.badge_printed_at.is_not(None) if f.badge_printed == "yes"
                     else Delegate.badge_printed_at.is_(None))
    return where, needs_booking


def filtered(summit: Summit, f: DelegateFilter, *columns):
    """SELECT of the matching delegates (or of ``columns``), unordered and unpaged."""
    where, needs_booking = _conditions(summit, f)
    query = select(*columns) if columns else select(Delegate)
    query = query.select_from(Delegate)
    if needs_booking:
        query = query.outerjoin(RouteBooking, RouteBooking.delegate_id == Delegate.id)
    return query.where(and_(*where))


def search(summit: Summit, f: DelegateFilter, page: int = 1, per_page: int = PER_PAGE_DEFAULT) -> Pagination:
    """One page of matches (``.items``, ``.total``, ``.page``, ``.pages``)."""
    return db.paginate(ordered(summit, f), page=page, per_page=per_page, error_out=False)


def ordered(summit: Summit, f: DelegateFilter):
    """Every matching delegate in the filter's order, for exports (streamed by the caller)."""
    return (filtered(summit, f)
            .options(selectinload(Delegate.booking).selectinload(RouteBooking.route))
            .order_by(*SORTS[f.sort]))
