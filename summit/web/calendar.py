"""Placeholder for the calendar blueprint: the issue-5 branch replaces this file.

It exists only so the registration API can build the contract's calendar_url
(url_for('calendar.personal_ics')) before the calendar work is merged.
"""
from flask import Blueprint, abort

calendar_bp = Blueprint("calendar", __name__)


@calendar_bp.get("/calendar/<token>.ics")
def personal_ics(token: str):
    abort(404)
