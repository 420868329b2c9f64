"""The app as gunicorn loads it in the live-server tests.

``make(guard=False)``, ``make(naive_login_throttle=True)`` and ``make(naive_lost_link=True)`` are
the concurrency tests' controls: the same app with one rule replaced by the naive version in
race_controls.py (the capacity guard by a count-then-insert, …), to prove the tests catch the race.
``make(sign_in_as=EMAIL)`` signs every console and desk request in as
that account, so a browser driven from the command line can see those pages; with it
comes /__csp-probe, a page that breaks the Content-Security-Policy on purpose (the
browser test's control).  Both exist only here, never in the app's own configuration.
"""
import os

from support import race_controls
from summit import create_app

#: the server's secret; a test that signs something the server must accept (a check-in code) uses it too
SECRET_KEY = "live-test-secret"


def make(guard: bool = True, sign_in_as: str | None = None, rate_limits: bool = False,
         naive_login_throttle: bool = False, naive_lost_link: bool = False, delegation_guard: bool = True,
         naive_outbox: bool = False, naive_check_in: bool = False, hotel_guard: bool = True,
         read_invalidation: bool = True):
    """``rate_limits``: Flask-Limiter on, with its storage and limits from the environment
    (RATELIMIT_STORAGE_URI, REGISTRATION_RATE_LIMIT…); ``guard=False``, ``naive_login_throttle``,
    ``naive_lost_link``, ``delegation_guard=False``, ``naive_outbox``, ``naive_check_in``: the controls (race_controls.unguarded_seats,
    .naive_login_throttle, .naive_lost_link, .unguarded_delegation_places, .naive_outbox_claim, .naive_check_in), applied to this
    server process only."""
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": os.environ["SUMMIT_LIVE_DATABASE_URL"],
        "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": rate_limits,
        # 0 (the version checked on every request) unless a test sets the production bound
        "PUBLIC_READ_CACHE_SECONDS": float(os.environ.get("PUBLIC_READ_CACHE_SECONDS") or 0),
    })
    if not read_invalidation:
        race_controls.no_read_invalidation()
    if not guard:
        race_controls.unguarded_seats()
    if naive_login_throttle:
        race_controls.naive_login_throttle()
    if naive_lost_link:
        race_controls.naive_lost_link()
    if not delegation_guard:
        race_controls.unguarded_delegation_places()
    if naive_outbox:
        race_controls.naive_outbox_claim()
    if naive_check_in:
        race_controls.naive_check_in()
    if not hotel_guard:
        race_controls.unguarded_room_nights()
    if sign_in_as:
        _sign_everyone_in(app, sign_in_as)
    return app


def _sign_everyone_in(app, email: str) -> None:
    from flask import request
    from flask_login import current_user, login_user

    from summit.plumbing.extensions import db
    from summit.models import ConsoleUser

    @app.before_request
    def _sign_in():
        staff_page = request.path.startswith(("/console/", "/desk/")) and request.path != "/console/login"
        if staff_page and not current_user.is_authenticated:
            login_user(db.session.scalars(db.select(ConsoleUser).where(ConsoleUser.email == email)).one())

    @app.get("/__csp-probe")
    def _csp_probe():
        return ('<!doctype html><html><head><title>probe</title><style>p { color: red }</style></head>'
                '<body><p style="color: blue">probe</p><script>document.title = "ran"</script></body></html>')
