"""The app as gunicorn loads it in the live-server tests.

``make(guard=False)`` is the concurrency tests' control: the same app with the
capacity guard replaced by a naive count-then-insert, to prove the tests catch
overbooking.  It exists only here, never in the app's own configuration.
"""
import os

from summit import create_app

#: the server's secret; a test that signs something the server must accept (a check-in code) uses it too
SECRET_KEY = "live-test-secret"


def make(guard: bool = True):
    return create_app({
        "SQLALCHEMY_DATABASE_URI": os.environ["SUMMIT_LIVE_DATABASE_URL"],
        "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": False,
        "UNSAFE_DISABLE_CAPACITY_GUARD": not guard,
    })
