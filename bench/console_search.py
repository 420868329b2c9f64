"""Milliseconds per delegate search at 10,000 delegates, in-process.

    .venv/bin/python bench/console_search.py                        # a fresh SQLite database in a temp folder
    .venv/bin/python bench/console_search.py --database-url postgresql+psycopg://…/summit_bench  # an EMPTY database

Seeds GSTF 2024, bulk-inserts the delegates (tests/support/bulk_delegates.py), then times
GET /api/v1/delegates through Flask's test client (routing, token check, query,
JSON) for a few typical searches: a Chinese name, an Arabic name, Cyrillic in the
wrong case, an email fragment, a filter with no text, and the first page unfiltered.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

QUERIES = [
    {"q": "王小明"}, {"q": "محمد"}, {"q": "ОЛЬГА"}, {"q": "bulk42"}, {"q": "rail_net"},
    {"category": "media", "checked_in": "no"}, {}, {"q": "wang", "sort": "-registered", "page": "20"},
]


def prepare(database_url: str, count: int):
    from flask_migrate import upgrade

    from support.bulk_delegates import insert_delegates
    from summit import create_app
    from summit.services.console import accounts
    from summit.services.summits.seeding import seed_summit
    from summit.services.summits.current import current_summit

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_summit()
        insert_delegates(current_summit().id, count)
        accounts.save_user("bench@example.org", "staff", "bench password 123")
        _, token = accounts.issue_token("bench@example.org", "bench")
    return app, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--delegates", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        app, token = prepare(url, args.delegates)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        print(f"{args.delegates} delegates on {url.split(':')[0]}; median of {args.repeat} requests")
        for params in QUERIES:
            timings, total = [], None
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.get("/api/v1/delegates", query_string=params, headers=headers)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.get_json()
                total = response.get_json()["total"]
            print(f"  {str(params):<58} {statistics.median(timings):7.1f} ms  ({total} found)")


if __name__ == "__main__":
    main()
