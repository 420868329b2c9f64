"""The desk's reasons for a zone's verdict (services/checkin/zone_reasons.py) always agree with the rule itself
(zones.admits), and name the part of the rule that holds."""
from __future__ import annotations

from datetime import date

from support.factories import make_delegate
from summit.models import Zone
from summit.plumbing.extensions import db
from summit.services.checkin import zones
from summit.services.checkin.zone_reasons import explain

DAY = date(2024, 9, 25)


def test_the_reasons_agree_with_the_rule_for_every_zone_and_delegate(summit):
    people = [
        make_delegate(summit, "Ana", "Alpha", category="government"),
        make_delegate(summit, "Ben", "Beta", category="enterprise", route="R1"),
        make_delegate(summit, "Cy", "Gamma", category="media", route="R2", route_status="waitlisted"),
        make_delegate(summit, "Di", "Delta", category="academia", accreditation="pending"),
        make_delegate(summit, "Ed", "Epsilon", category="other", accreditation="rejected"),
        make_delegate(summit, "Fay", "Zeta", category="enterprise", status="cancelled"),
    ]
    guest = make_delegate(summit, "Gus", "Eta", category="enterprise")
    guest.banquet = True
    vip = make_delegate(summit, "Hal", "Theta", category="enterprise")
    vip.protocol_level = "vip"
    # A zone open on one day only, whose rule mixes a route and a category.
    db.session.add(Zone(summit_id=summit.id, code="field-day", name_zh="现场日", name_en="Field day", position=99,
                        categories=["media"], route_code="R2", days=["2024-09-26"]))
    db.session.commit()
    people += [guest, vip]
    for zone in zones.zones_of(summit):
        for delegate in people:
            for day in (DAY, date(2024, 9, 26)):
                reason = explain(zone, delegate, day)
                assert reason.admitted == zones.admits(zone, delegate, day), (zone.code, delegate.family_name, day)
                assert reason.because, (zone.code, delegate.family_name)


def test_the_reasons_name_what_holds(summit, app):
    waiting = make_delegate(summit, "Cy", "Gamma", category="media", route="R2", route_status="waitlisted")
    official = make_delegate(summit, "Ana", "Alpha", category="government", route="R1")
    pending = make_delegate(summit, "Di", "Delta", accreditation="pending")
    with app.test_request_context("/?lang=en"):
        said = lambda zone, d: [str(r) for r in explain(zones.zone_by_code(summit, zone), d, DAY).because]  # noqa: E731
        assert said("visit-R2", waiting) == ["on the waiting list of route R2, not confirmed"]
        assert said("visit-R1", official) == ["confirmed on route R1"]
        assert said("ministerial", official) == ["category Government"]
        assert said("venue", official) == ["every approved delegate"]
        assert said("venue", pending) == ["not accredited (not approved by the organisers)"]
        assert said("banquet", official) == ["not in this zone's rule"]
