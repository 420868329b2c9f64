"""Reissue at the desk, click → the new badge's PDF in the browser (not a test; goal ≤ 5 s).

    .venv/bin/python bench/reissue_print.py          # 10 reissues
    .venv/bin/python bench/reissue_print.py -n 20

A throw-away SQLite database with GSTF 2024 and a few delegates; the app served by werkzeug in a
thread on 127.0.0.1; Debian's headless Chromium (Playwright) signed in as staff. Each round opens a
delegate's reissue page, ticks the confirmation and times the click until the PDF has fully arrived
(the whole PDF has reached the browser). Beside it, the server's own time for the same POST (the Flask test client), so
what the browser adds shows. The figure is the median and the slowest round.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "a long enough password"
NAMES = [("Wei", "Zhang", "张伟", "CN"), ("Layla", "Haddad", "ليلى حداد", "JO"), ("Ivan", "Petrov", "Иван Петров", "RU")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=10)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from summit import create_app
    from summit.plumbing.extensions import db
    from summit.services.console.accounts import save_user
    from summit.services.registration import delegates as registration
    from summit.services.summits.current import current_summit
    from summit.services.summits.seeding import seed_summit

    tmp = Path(tempfile.mkdtemp(prefix="bench-reissue-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}", "SECRET_KEY": "bench",
                      "REDIS_URL": None, "RATELIMIT_ENABLED": False, "MAIL_OUTBOX_DELIVERY": "inline"})
    with app.app_context():
        upgrade()
        seed_summit()
        summit = current_summit()
        ids = []
        for i in range(args.n):
            given, family, native, country = NAMES[i % len(NAMES)]
            ids.append(registration.register(summit, {
                "given_name": given, "family_name": f"{family}", "native_name": native, "country": country,
                "email": f"d{i}@bench.example", "organisation": "Ministry of Transport", "category": "government",
                "consent": True, "language": "en"}).delegate.id)
        save_user("bench@example.org", "staff", PASSWORD)
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}"

    browser_times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(base_url=origin, locale="en-GB")
        page = context.new_page()
        page.goto("/console/login")
        page.fill("[name=email]", "bench@example.org")
        page.fill("[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/console/?$"))
        bodies = []

        def keep(route):  # Chromium hands a PDF to its viewer: keep the bytes as they pass, unchanged
            if route.request.method != "POST":
                return route.fallback()
            fetched = route.fetch()
            bodies.append(fetched.body())
            route.fulfill(response=fetched)

        page.route(re.compile(r"/reissue$"), keep)
        for delegate_id in ids:
            page.goto(f"/desk/delegates/{delegate_id}/reissue")
            page.check("input[name=confirm]")
            started = time.perf_counter()
            with page.expect_response(lambda r: r.url.endswith("/reissue") and r.request.method == "POST"):
                page.click("form.stack-form button[type=submit]")
            browser_times.append(time.perf_counter() - started)
            assert bodies[-1][:5] == b"%PDF-"  # the whole PDF arrived
        browser.close()
    server.shutdown()

    # The server alone: the same POST through the test client (a second reissue of each delegate).
    server_times = []
    with app.app_context():
        client = app.test_client()
        page_html = client.get("/console/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_html).group(1)
        client.post("/console/login", data={"csrf_token": token, "email": "bench@example.org", "password": PASSWORD})
        for delegate_id in ids:
            html = client.get(f"/desk/delegates/{delegate_id}/reissue").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
            started = time.perf_counter()
            response = client.post(f"/desk/delegates/{delegate_id}/reissue",
                                   data={"csrf_token": token, "confirm": "yes", "layout": "a6"})
            assert response.mimetype == "application/pdf", response.status_code
            server_times.append(time.perf_counter() - started)

    def line(name, times):
        return (f"{name:<28} median {statistics.median(times) * 1000:7.0f} ms   slowest {max(times) * 1000:7.0f} ms"
                f"   ({len(times)} rounds)")

    print(line("click → PDF (browser)", browser_times))
    print(line("POST → PDF (server only)", server_times))
    print("goal: ≤ 5000 ms from the click:", "met" if max(browser_times) <= 5 else "NOT met")


if __name__ == "__main__":
    main()
