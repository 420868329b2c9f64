"""The zones of a summit and who each admits: one place for the rule (the door, the roster, the board)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from ...models import Delegate, Summit, Zone
from ...models.labels import Accreditation, BookingStatus, DelegateCategory, DelegateStatus
from ...plumbing.errors import ServiceError
from ...plumbing.extensions import db


class UnknownZone(ServiceError):
    """A zone code the summit does not have (the API's 422; a roster's 404)."""

    code = "unknown_zone"
    status = 422


def zones_of(summit: Summit) -> list[Zone]:
    """The summit's zones in the file's order."""
    return list(db.session.scalars(
        db.select(Zone).where(Zone.summit_id == summit.id).order_by(Zone.position, Zone.code)))


def zone_by_code(summit: Summit, code) -> Zone:
    if not isinstance(code, str) or not code or len(code) > 40:
        raise UnknownZone("no such zone")
    zone = db.session.scalars(db.select(Zone).where(Zone.summit_id == summit.id, Zone.code == code)).first()
    if zone is None:
        raise UnknownZone("no such zone")
    return zone


def open_on(zone: Zone, day: date | None) -> bool:
    """Whether the zone is open on ``day`` (a summit-local date); None: any day."""
    return not zone.days or day is None or day.isoformat() in zone.days


def rule_admits(zone: Zone, *, level: str, category: str, banquet: bool, route_code: str | None,
                route_status: str | None) -> bool:
    """The zone's rule alone, on a delegate's facts (the roster calls it with them, without the ORM)."""
    return bool(
        zone.everyone
        or level in (zone.levels or [])
        or category in (zone.categories or [])
        or (zone.banquet and banquet)
        or (zone.route_code is not None and route_code == zone.route_code
            and route_status == BookingStatus.CONFIRMED)
    )


def _route_of(delegate: Delegate) -> tuple[str | None, str | None]:
    booking = delegate.booking
    if booking is None:
        return None, None
    return booking.route.code, booking.status


def matches_rule(zone: Zone, delegate: Delegate) -> bool:
    """The zone's rule for this delegate, whatever their accreditation and the day."""
    route_code, route_status = _route_of(delegate) if zone.route_code else (None, None)
    return rule_admits(zone, level=delegate.protocol_level, category=delegate.category, banquet=delegate.banquet,
                       route_code=route_code, route_status=route_status)


def admits(zone: Zone, delegate: Delegate, day: date | None) -> bool:
    """Whether the zone lets this delegate in on ``day``: an approved, registered delegate of the zone's summit
    who matches the rule, on a day the zone is open."""
    return (delegate.summit_id == zone.summit_id
            and delegate.status == DelegateStatus.REGISTERED
            and delegate.accreditation == Accreditation.APPROVED
            and open_on(zone, day)
            and matches_rule(zone, delegate))


def rule_summary(zone: Zone) -> list:
    """The rule in words for the console, one line per way in (lazy strings, translated when shown)."""
    lines = []
    if zone.everyone:
        lines.append(_l("Every approved delegate"))
    if zone.levels:
        lines.append(_l("Protocol level: %(levels)s", levels=", ".join(zone.levels)))
    if zone.categories:
        lines.append(_l("Category: %(categories)s",
                        categories=", ".join(str(DelegateCategory.of(c).label) for c in zone.categories)))
    if zone.banquet:
        lines.append(_l("Delegates attending the banquet"))
    if zone.route_code:
        lines.append(_l("Confirmed on route %(route)s", route=zone.route_code))
    if zone.days:
        lines.append(_l("Open on: %(days)s", days=", ".join(zone.days)))
    else:
        lines.append(_l("Open every day"))
    return lines
