"""Server time of the calendar feeds, in-process, beside a trivial ceiling endpoint.

    .venv/bin/python bench/calendar_feeds.py                 # a fresh SQLite database in a temp folder
    .venv/bin/python bench/calendar_feeds.py --requests 500 --database-url postgresql+psycopg://…/summit_bench

Seeds GSTF 2024 (the real programme size), adds one delegate with a route and the banquet,
then times each request through the app with Flask's test client: no network, no server
process, so the figure is the app's own time per request (routing, queries, building the
file, hashing it).  The ceiling is GET /api/v1/routes, a small JSON answer: the ratio says
what a feed costs over the cheapest useful request.  The budget is 10 ms for each feed.
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run from a checkout: the repository's own package, not an installed one.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

BUDGET_MS = 10.0


def prepare(database_url: str):
    from flask_migrate import upgrade

    from summit import create_app
    from summit.plumbing.extensions import db
    from summit.models import VisitRoute
    from summit.services.registration import delegates as registration
    from summit.services.calendar.tokens import calendar_token
    from summit.services.summits.seeding import seed_summit
    from summit.services.summits.current import current_summit

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "summit.bench", "PREFERRED_URL_SCHEME": "https",
    })
    with app.app_context():
        upgrade()
        seed_summit()
        summit = current_summit()
        route = db.session.scalars(db.select(VisitRoute).where(
            VisitRoute.summit_id == summit.id, VisitRoute.code == "R1")).one()
        delegate = registration.register(summit, {
            "given_name": "Bench", "family_name": "Mark", "email": f"bench.{secrets.token_hex(4)}@example.org",
            "organisation": "Bench", "country": "FR", "category": "other", "language": "en",
            "banquet": True, "consent": True, "route_id": route.id, "join_waitlist": True,
        }).delegate
        personal = f"/calendar/{calendar_token(delegate)}.ics"
    return app, personal


def timings(client, path: str, count: int, headers: dict | None = None) -> list[float]:
    for _ in range(10):  # warm caches (the VTIMEZONE, compiled queries, templates)
        client.get(path, headers=headers)
    spent = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        spent.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 304), (path, response.status_code)
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", help="an empty database to use (default: a temporary SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        app, personal = prepare(url)
        client = app.test_client()
        etag = client.get("/agenda.ics?lang=en").headers["ETag"]
        personal_etag = client.get(personal).headers["ETag"]
        cases = [
            ("GET /api/v1/routes (ceiling)", "/api/v1/routes", None),
            ("GET /agenda.ics", "/agenda.ics?lang=en", None),
            ("GET /agenda.ics, If-None-Match (304)", "/agenda.ics?lang=en", {"If-None-Match": etag}),
            ("GET personal feed", personal, None),
            ("GET personal feed, If-None-Match (304)", personal, {"If-None-Match": personal_etag}),
        ]
        print(f"{args.requests} requests each, in-process, on {url.split(':', 1)[0]}")
        print(f"{'':42} {'median ms':>10} {'p95 ms':>8} {'req/s':>8} {'× ceiling':>10}")
        ceiling = None
        over_budget = []
        for label, path, headers in cases:
            spent = timings(client, path, args.requests, headers)
            median = statistics.median(spent)
            p95 = statistics.quantiles(spent, n=20)[-1]
            ceiling = ceiling or median
            print(f"{label:42} {median:10.2f} {p95:8.2f} {1000 / median:8.0f} {median / ceiling:10.2f}")
            if "feed" in label or "agenda.ics" in label:
                if median > BUDGET_MS:
                    over_budget.append(label)
    if over_budget:
        print(f"over the {BUDGET_MS:.0f} ms budget: {', '.join(over_budget)}")
        return 1
    print(f"every feed within the {BUDGET_MS:.0f} ms budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
