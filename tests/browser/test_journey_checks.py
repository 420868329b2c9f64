"""The journeys' page checks catch what they are there to catch (a check that cannot fail proves nothing).

No server: the browser is handed made-up pages on a made-up origin.
"""
from __future__ import annotations

import pytest

from browser.journey import Journey

pytestmark = pytest.mark.browser

ORIGIN = "http://app.test"
BAD_PAGE = """<!doctype html><title>bad</title>
<link rel="stylesheet" href="/missing.css">
<img src="https://cdn.example.com/logo.png" alt="">
<script>console.error("something broke"); window.setTimeout(function () { null.x; }, 0);</script>"""
GOOD_PAGE = "<!doctype html><html lang=en><title>fine</title><main><p>Fine.</p></main><script>console.log('just a log')</script>"
FORM_422 = "<!doctype html><html lang=en><title>form</title><main><p role=alert>Some fields need attention.</p></main>"
#: light grey on white (1.6:1), and an input nobody can name
INACCESSIBLE_PAGE = """<!doctype html><html lang=en><title>hard to use</title><main>
<p style="color:#ccc;background:#fff">Faint words.</p><input type=text></main>"""


def serve(page):
    def answer(route):
        path = route.request.url[len(ORIGIN):]
        if path == "/bad":
            route.fulfill(body=BAD_PAGE, content_type="text/html")
        elif path == "/form":
            route.fulfill(status=422, body=FORM_422, content_type="text/html")
        elif path == "/inaccessible":
            route.fulfill(body=INACCESSIBLE_PAGE, content_type="text/html")
        elif path.startswith("/good"):
            route.fulfill(body=GOOD_PAGE, content_type="text/html")
        else:
            route.fulfill(status=404, body="not found")
    page.route(f"{ORIGIN}/**", answer)


def test_console_errors_page_errors_missing_assets_and_outside_requests_are_caught(browser, tmp_path):
    journey = Journey(browser, ORIGIN, tmp_path, both_languages=False)
    try:
        page = journey.open()
        serve(page)
        page.goto("/bad")
        page.wait_for_timeout(200)  # the thrown error comes after load
        with pytest.raises(AssertionError) as caught:
            journey.look(page, "bad")
        report = str(caught.value)
        assert "console error on http://app.test/bad: something broke" in report
        assert "page error on http://app.test/bad" in report
        assert "404 for stylesheet http://app.test/missing.css" in report
        assert "request outside the app: image https://cdn.example.com/logo.png" in report
        assert (tmp_path / "01-bad.png").is_file()  # the screenshot is kept even so
    finally:
        journey.close()


def test_a_clean_page_passes_and_a_form_answering_422_is_not_a_fault(browser, tmp_path):
    journey = Journey(browser, ORIGIN, tmp_path, both_languages=False)
    try:
        page = journey.open()
        serve(page)
        page.goto("/good")
        journey.look(page, "good")
        page.goto("/form")
        journey.look(page, "form")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["01-good.png", "02-form.png"]
    finally:
        journey.close()


def test_a_page_left_without_a_look_is_a_problem(browser, tmp_path):
    journey = Journey(browser, ORIGIN, tmp_path, both_languages=False)
    try:
        page = journey.open()
        serve(page)
        page.goto("/good?1")
        page.goto("/good?2")
        with pytest.raises(AssertionError, match=r"landed on http://app.test/good\?1 and left it without a look"):
            journey.look(page, "second")
    finally:
        journey.close()


def test_a_serious_accessibility_violation_is_a_problem(browser, tmp_path):
    journey = Journey(browser, ORIGIN, tmp_path, both_languages=False)
    try:
        page = journey.open()
        serve(page)
        page.goto("/inaccessible")
        with pytest.raises(AssertionError) as caught:
            journey.look(page, "inaccessible")
        report = str(caught.value)
        assert "axe serious color-contrast" in report and "on http://app.test/inaccessible" in report
        assert "axe critical label" in report
    finally:
        journey.close()
