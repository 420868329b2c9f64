"""Why a zone admits a delegate on a day, or why not: the desk's words for ``zones.admits``.

The rule itself lives in zones.py (``admits``); this module only names which part of it holds, so the
desk can tell a delegate at the door *why* ("protocol level VIP", "waiting list on R2, not confirmed").
tests/checkin/test_zone_reasons.py checks that the verdict here is always the one ``admits`` gives.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from ...models import Delegate
from ...models.labels import Accreditation, BookingStatus, DelegateCategory, DelegateStatus
from .zones import open_on


@dataclass
class ZoneReason:
    zone: object
    admitted: bool
    #: the parts of the rule that admit them (when admitted), or what keeps them out
    because: list = field(default_factory=list)


def explain(zone, delegate: Delegate, day: date, *, level_names: dict | None = None) -> ZoneReason:
    """Whether ``zone`` admits ``delegate`` on ``day``, with the reasons (translated lazily).

    ``level_names``: protocol level code → the name to show (the caller picks the language).
    """
    if delegate.status != DelegateStatus.REGISTERED:
        return ZoneReason(zone, False, [_l("registration cancelled")])
    if delegate.accreditation != Accreditation.APPROVED:
        return ZoneReason(zone, False, [_l("not accredited (not approved by the organisers)")])
    if not open_on(zone, day):
        return ZoneReason(zone, False, [_l("closed today")])
    because = []
    if zone.everyone:
        because.append(_l("every approved delegate"))
    if delegate.protocol_level in (zone.levels or []):
        label = (level_names or {}).get(delegate.protocol_level, delegate.protocol_level)
        because.append(_l("protocol level %(level)s", level=label))
    if delegate.category in (zone.categories or []):
        because.append(_l("category %(category)s", category=DelegateCategory.of(delegate.category).label))
    if zone.banquet and delegate.banquet:
        because.append(_l("attends the banquet"))
    booking = delegate.booking
    waiting = False
    if zone.route_code and booking is not None and booking.route.code == zone.route_code:
        if booking.status == BookingStatus.CONFIRMED:
            because.append(_l("confirmed on route %(route)s", route=zone.route_code))
        else:
            waiting = True
    if because:
        return ZoneReason(zone, True, because)
    if waiting:
        return ZoneReason(zone, False, [_l("on the waiting list of route %(route)s, not confirmed",
                                           route=zone.route_code)])
    return ZoneReason(zone, False, [_l("not in this zone's rule")])
