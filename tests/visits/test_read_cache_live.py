"""The public reads' bound across worker processes: a seat taken through one worker shows on every
other within one second (PUBLIC_READ_CACHE_SECONDS=0.5, the production default), on SQLite and PostgreSQL.

The summit itself is kept the same way (services/summits/current.py): the registration mode switched to
invitation on one worker refuses registrations on every worker within the bound.

The controls run the same with the invalidation switched off (race_controls.no_read_invalidation): the
workers keep serving the place that is gone, which shows the cache is really in the way and the test
would catch a writer that forgot to bump the version.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from support.console_support import api_token
from support.factories import delegate_data, route
from support.live_server import gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.serial]  # a bound in seconds: alone on the machine

BOUND = 1.0  # seconds: the promise
WORKERS = 4


def answers_after(change: float, ask) -> list[tuple[float, int]]:
    """(seconds after ``change``, what ``ask()`` answered), from WORKERS threads asking flat out until
    0.8 s past the bound."""
    seen: list[tuple[float, int]] = []

    def poll(_):
        while (started := time.monotonic()) < change + BOUND + 0.8:
            seen.append((started - change, ask()))
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(poll, range(WORKERS)))
    return seen


def seats_after_taking_one(database_url, summit, app_spec):
    """(seconds after the seat was taken, places left shown) for GETs spread over the workers."""
    r1 = route(summit, "R1")
    env = {"PUBLIC_READ_CACHE_SECONDS": "0.5"}
    with gunicorn(database_url, app=app_spec, workers=WORKERS, threads=1, env=env) as server:
        def remaining(_=None):
            status, body = server.call("GET", "/api/v1/routes")
            assert status == 200
            return next(r["remaining"] for r in body["routes"] if r["id"] == r1.id)

        with ThreadPoolExecutor(WORKERS * 2) as pool:
            assert set(pool.map(remaining, range(80))) == {40}  # every worker has kept the answer
        status, _ = server.call("POST", "/api/v1/registrations", delegate_data(route_id=r1.id))
        assert status == 201
        return answers_after(time.monotonic(), remaining)


def test_a_seat_taken_on_one_worker_shows_on_every_worker_within_a_second(database_url, summit):
    seen = seats_after_taking_one(database_url, summit, "support.live_app:make()")
    late = [left for after, left in seen if after >= BOUND]
    assert len(late) >= 2 * WORKERS, seen  # enough answers past the bound to have met every worker
    assert set(late) == {39}, [(round(a, 3), left) for a, left in seen]


def test_control_without_invalidation_the_gone_place_is_still_shown(database_url, summit):
    seen = seats_after_taking_one(database_url, summit, "support.live_app:make(read_invalidation=False)")
    late = [left for after, left in seen if after >= BOUND]
    assert late and 40 in late, seen


def registrations_after_closing(database_url, app_spec):
    """(seconds after the organiser closed registration, status) for registrations spread over the workers."""
    organiser = api_token("organiser")["Authorization"].split(" ", 1)[1]
    env = {"PUBLIC_READ_CACHE_SECONDS": "0.5"}
    emails = iter(range(1_000_000))
    with gunicorn(database_url, app=app_spec, workers=WORKERS, threads=1, env=env) as server:
        def register(_=None):
            status, _body = server.call("POST", "/api/v1/registrations",
                                        delegate_data(email=f"kept-summit-{next(emails)}@example.org"))
            return status

        with ThreadPoolExecutor(WORKERS * 2) as pool:
            assert set(pool.map(register, range(40))) == {201}  # every worker has kept the open summit
        status, body = server.call("PATCH", "/api/v1/summit", {"registration_mode": "invitation"}, organiser)
        assert status == 200 and body["registration_mode"] == "invitation", body
        return answers_after(time.monotonic(), register)


def test_registration_closed_on_one_worker_is_closed_on_every_worker_within_a_second(database_url, summit):
    seen = registrations_after_closing(database_url, "support.live_app:make()")
    late = [status for after, status in seen if after >= BOUND]
    assert len(late) >= 2 * WORKERS, seen
    assert set(late) == {403}, [(round(a, 3), status) for a, status in seen]


def test_control_without_invalidation_a_worker_still_registers_on_the_summit_it_kept(database_url, summit):
    seen = registrations_after_closing(database_url, "support.live_app:make(read_invalidation=False)")
    late = [status for after, status in seen if after >= BOUND]
    assert late and 201 in late, seen
