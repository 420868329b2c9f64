"""Fixtures for the browser journeys: one Chromium for the whole run, one live server per module.

The server is gunicorn (two worker processes) on 127.0.0.1, on the test database the rest of the
suite uses (SUMMIT_TEST_DATABASE_URL, else a temporary SQLite file), with GSTF 2024 seeded.  The
tests arrange data through the services, in their own app context on the same database; the
tables are emptied when the module ends, as the other tests expect.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect, sync_playwright

from summit.plumbing.extensions import db
from summit.models import Summit

from support import live_app
from support.app import _empty_tables, make_app
from browser.journey import ARTEFACTS, CHROMIUM, CHROMIUM_ARGS, Journey
from support.live_server import Server, gunicorn

# Pages on a loaded two-core machine: patience, not flakiness.
expect.set_options(timeout=20_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.journey_failed = report.failed
    return report


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Site:
    server: Server
    summit: Summit
    #: "sqlite" or "postgresql": the screenshots of each database go to their own folder
    dialect: str

    @property
    def url(self) -> str:
        return self.server.url

    def fresh(self) -> None:
        """Forget what this process read: the server has committed since."""
        db.session.rollback()
        db.session.expire_all()  # some services commit without expiring (commit_keeping_state)


@pytest.fixture(scope="module")
def site(database_url, request):
    """The live site for this module; a module's SERVER_ENV dict adds settings to the server's environment."""
    from summit.services.summits.seeding import seed_summit
    from summit.services.summits.current import current_summit

    # The server's secret, so that what the tests sign (check-in codes) the server accepts.
    app = make_app(database_url, SECRET_KEY=live_app.SECRET_KEY)
    try:
        with app.app_context():
            seed_summit()
            summit = current_summit()
            with gunicorn(database_url, workers=2, threads=4, env=getattr(request.module, "SERVER_ENV", None)) as server:
                yield Site(server, summit, db.engine.dialect.name)
            db.session.remove()
            db.engine.dispose()
    finally:
        _empty_tables(database_url)


@pytest.fixture
def journey(browser, site, request):
    folder = ARTEFACTS / site.dialect / re.sub(r"[^\w.-]+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    trip = Journey(browser, site.url, folder, site.server.log)
    try:
        yield trip
        if not getattr(request.node, "journey_failed", True):
            trip.assert_clean()  # whatever happened after the last look
    finally:
        trip.close()
