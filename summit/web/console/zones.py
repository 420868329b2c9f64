"""Event-day zones as the summit file defines them: who each admits (on which days, in the rule's words), and how many.

Read-only: the rules come from the summit file (flask seed), so next year's forum changes them there.
"""
from __future__ import annotations

from datetime import datetime

from flask import render_template

from ...auth import console_requires
from ...services.checkin import history, zones as zone_rules
from ...services.summits.current import current_summit
from .blueprint import console


@console.get("/zones")
@console_requires("staff")
def zones():
    summit = current_summit()
    day = datetime.now(summit.zone).date()
    counts = {c.zone.id: c for c in history.zone_board(summit, day)}
    rows = [(zone, zone_rules.rule_summary(zone), counts.get(zone.id))
            for zone in zone_rules.zones_of(summit)]
    return render_template("console/zones.html", summit=summit, rows=rows, day=day)

