"""The banquet list (staff): guest count and dietary needs, for the kitchen and the seating."""
from __future__ import annotations

from flask import render_template

from ...auth import console_requires
from ...services.console.banquet import banquet_list
from ...services.summits.current import current_summit
from ...models import utcnow
from .blueprint import console


@console.get("/banquet")
@console_requires("staff")
def banquet():
    summit = current_summit()
    return render_template("console/banquet.html", summit=summit, b=banquet_list(summit), printed_at=utcnow())
