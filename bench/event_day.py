"""Event-day benchmark: the roster, the sync and the door's check-in, on PostgreSQL (or --database-url).

    python bench/event_day.py [--delegates 3000] [--scans 1000] [--checkins 2000] [--database-url URL]

* roster: GET /api/v1/zones/venue/roster for --delegates delegates: built in-process (zone_roster, the
  median of 5), and its size as JSON and gzipped. Bars: ≤ 300 ms, ≤ 300 KB gzipped.
* sync: one POST /api/v1/checkins/sync of --scans scans of distinct badges (all checked in), through
  the live server, and the same upload again (every scan a replay). Bar: ≤ 2 s.
* check-in flat out: four scanners (keep-alive clients) POST /api/v1/checkins of distinct badges as fast
  as answers come, against gunicorn; beside it a hello-world Flask app under the same gunicorn settings,
  measured in the same run: the ceiling. Bar: ≥ 0.1× the ceiling.
Without --database-url it creates a scratch PostgreSQL database on 127.0.0.1 and drops it.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bench_servers import serve  # noqa: E402

from cryptography.fernet import Fernet

#: production refuses to start without a data key; any key will do for a bench
BENCH_DATA_KEY = Fernet.generate_key().decode()

SCANNERS = 4


class Client(threading.local):
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
            return response.status, raw
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 599, b""


def flat_out(port, calls) -> tuple[float, dict]:
    """Four clients, each sending its next call when the last is answered: (calls a second, statuses)."""
    local = threading.local()

    def one(call):
        if not hasattr(local, "client"):
            local.client = Client(port)
        return local.client.call(*call)[0]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=SCANNERS) as pool:
        statuses = list(pool.map(one, calls))
    wall = time.perf_counter() - started
    counted = {}
    for status in statuses:
        counted[status] = counted.get(status, 0) + 1
    return len(calls) / wall, counted


def setup(env, delegates: int) -> tuple[str, list[str]]:
    """Schema, GSTF 2024, ``delegates`` delegates, a staff token; (the token, every delegate's code)."""
    flask = [sys.executable, "-m", "flask", "--app", "summit"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*flask, "seed"], env=env, check=True, capture_output=True, cwd=ROOT)
    script = f"""
import json, sys
sys.path.insert(0, {str(ROOT / 'tests')!r})
from sqlalchemy import insert
from summit import create_app
from summit.plumbing.extensions import db
from summit.models import Delegate
from summit.services.summits.current import current_summit
from summit.services.checkin.codes import checkin_code
from summit.services.console.accounts import issue_token, save_user
from support.bulk_delegates import rows
app = create_app()
with app.app_context():
    summit = current_summit()
    data = [row for row, _ in rows(summit.id, {delegates})]
    for start in range(0, len(data), 2000):
        db.session.execute(insert(Delegate), data[start:start + 2000])
    db.session.commit()
    save_user("bench@example.org", "staff", "a long enough password")
    token = issue_token("bench@example.org", "bench")[1]
    codes = [checkin_code(d) for d in db.session.scalars(db.select(Delegate).where(Delegate.summit_id == summit.id, Delegate.status == "registered").order_by(Delegate.id))]
    print(json.dumps({{"token": token, "codes": codes}}))
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True, cwd=ROOT)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["token"], data["codes"]


def roster_in_process(env) -> tuple[list[float], int, int, int]:
    script = """
import gzip, json, time
from summit import create_app
from summit.services.summits.current import current_summit
from summit.services.checkin.roster import zone_roster
from summit.plumbing.extensions import db
from sqlalchemy import event
app = create_app()
with app.app_context():
    summit = current_summit()
    queries = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: queries.append(1))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        body = zone_roster(summit, "venue", None)
        times.append(time.perf_counter() - started)
        db.session.rollback()
    per_build = len(queries) // 5
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    print(json.dumps({"times": times, "bytes": len(raw), "gzipped": len(gzip.compress(raw)),
                      "entries": len(body["entries"]), "queries": per_build}))
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True, cwd=ROOT)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delegates", type=int, default=3000)
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--checkins", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    assert args.scans + args.checkins <= args.delegates, "each phase scans badges not scanned before"

    scratch = None
    url = args.database_url
    if not url:
        scratch = f"summit_bench_{os.getpid()}"
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {scratch}"], check=True)
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{scratch}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": "0",
           "SUMMIT_ENV": "production", "DATA_KEY": BENCH_DATA_KEY, "PUBLIC_BASE_URL": "http://127.0.0.1"}
    servers = []
    try:
        token, codes = setup(env, args.delegates)
        print(f"{len(codes)} delegates; gunicorn {args.workers} workers × {args.threads} threads; "
              f"{SCANNERS} scanners; {os.cpu_count()} cores")

        roster = roster_in_process(env)
        built = statistics.median(roster["times"]) * 1000
        print(f"roster (venue, {roster['entries']} entries): built in {built:.0f} ms (median of 5; bar 300), "
              f"{roster['queries']} queries, {roster['bytes'] / 1000:.0f} KB JSON, "
              f"{roster['gzipped'] / 1000:.0f} KB gzipped (bar 300)")

        app, port = serve("summit:create_app()", env, args.workers, str(ROOT), threads=args.threads)
        servers.append(app)
        client = Client(port)
        status, raw = client.call("GET", "/api/v1/zones/venue/roster", None, token)
        assert status == 200, (status, raw[:200])
        now = datetime.now(timezone.utc)
        scans = [{"id": str(uuid.uuid4()), "code": code, "zone": "venue",
                  "scanned_at": (now - timedelta(seconds=n)).isoformat()} for n, code in enumerate(codes[:args.scans])]
        started = time.perf_counter()
        status, raw = client.call("POST", "/api/v1/checkins/sync", {"scans": scans, "device": "bench"}, token)
        first = time.perf_counter() - started
        outcomes = {}
        for result in json.loads(raw)["results"]:
            outcomes[result["outcome"]] = outcomes.get(result["outcome"], 0) + 1
        started = time.perf_counter()
        status2, _ = client.call("POST", "/api/v1/checkins/sync", {"scans": scans, "device": "bench"}, token)
        replay = time.perf_counter() - started
        print(f"sync of {args.scans} scans: {first:.2f} s (bar 2 s) {outcomes}; the same again (replays): "
              f"{replay:.2f} s [{status}, {status2}]")

        calls = [("POST", "/api/v1/checkins", {"code": code}, token)
                 for code in codes[args.scans:args.scans + args.checkins]]
        flat_out(port, calls[:50])  # warm every worker's connections and caches
        checkins, statuses = flat_out(port, calls[50:])

        hello, hello_port = serve("hello_app:app", env, args.workers, str(ROOT / "bench"), threads=args.threads)
        servers.append(hello)
        flat_out(hello_port, [("POST", "/", {"code": "x"}, None)] * 200)
        ceiling, hello_statuses = flat_out(hello_port, [("POST", "/", {"code": "x"}, None)] * len(calls[50:]))
        print(f"POST /api/v1/checkins flat out, {SCANNERS} scanners: {checkins:.0f}/s {statuses}; "
              f"hello-world ceiling {ceiling:.0f}/s {hello_statuses}; ratio {checkins / ceiling:.2f} (bar 0.1)")
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=20)
        if scratch:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {scratch}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
