"""The console's first page: the summit at a glance."""
from __future__ import annotations

from flask import render_template

from ...auth import console_requires
from ...services.summits import current_summit
from . import console


@console.get("/")
@console_requires("staff")
def home():
    summit = current_summit()
    return render_template("console/dashboard.html", summit=summit)
