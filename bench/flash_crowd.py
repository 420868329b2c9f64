"""Flash-crowd benchmark: the app under gunicorn on PostgreSQL, N concurrent clients.

    python bench/flash_crowd.py [--clients 200] [--requests 2000] [--database-url URL]

Phases, each with the same concurrency, printed beside the ceiling:
  ceiling        GET /healthz (a trivial endpoint of the same app: one SELECT 1)
  register       POST /api/v1/registrations with a route (a registration and a seat)
  seat requests  PATCH /api/v1/registrations/self to another route (pure seat changes)
  agenda.ics     GET /agenda.ics
Then it checks every route: confirmed rows <= capacity and the counter equals the rows.
Without --database-url it creates a scratch PostgreSQL database on 127.0.0.1 and drops it.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from live_server import free_port  # noqa: E402


class Client(threading.local):
    """One keep-alive connection per client thread, as a browser or an app keeps one."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return 599, None, time.perf_counter() - started
        elapsed = time.perf_counter() - started
        data = json.loads(raw) if raw and response.getheader("Content-Type", "").startswith("application/json") else None
        return status, data, elapsed


def run_phase(name, port, calls, clients):
    local = threading.local()

    def one(call):
        if not hasattr(local, "client"):
            local.client = Client(port)
        return local.client.call(*call)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(one, calls))
    wall = time.perf_counter() - started
    latencies = sorted(r[2] for r in results)
    q = statistics.quantiles(latencies, n=100)
    statuses = {}
    for status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    summary = {
        "phase": name, "requests": len(calls), "per_second": len(calls) / wall,
        "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000,
        "errors_5xx": sum(n for s, n in statuses.items() if s >= 500), "statuses": statuses,
    }
    return summary, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--capacity", type=int, default=100, help="places per route (4 routes)")
    parser.add_argument("--database-url")
    args = parser.parse_args()

    scratch = None
    url = args.database_url
    if not url:
        scratch = f"summit_bench_{os.getpid()}"
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {scratch}"], check=True)
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{scratch}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": "0", "SUMMIT_ENV": "production"}
    flask = [sys.executable, "-m", "flask", "--app", "summit"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed"], env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", (
        "from summit import create_app\nfrom summit.extensions import db\nfrom summit.models import VisitRoute\n"
        f"app = create_app()\nwith app.app_context():\n"
        f"    db.session.execute(db.update(VisitRoute).values(capacity={args.capacity}))\n    db.session.commit()\n")],
        env=env, check=True)

    port = free_port()
    # The server's own log, to read when a phase shows 5xx (kept: it is the only trace).
    log_path = Path(tempfile.gettempdir()) / f"summit-bench-{os.getpid()}.log"
    server_log = open(log_path, "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "2048", "summit:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=server_log)
    try:
        for _ in range(100):
            try:
                if Client(port).call("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        routes = Client(port).call("GET", "/api/v1/routes")[1]["routes"]
        route_ids = [r["id"] for r in routes]
        rng = random.Random(7)
        n = args.requests

        print(f"Summit flash crowd: {args.clients} clients, {n} requests a phase, gunicorn "
              f"{args.workers} workers x {args.threads} threads, PostgreSQL, {os.cpu_count()} cores, "
              f"{len(route_ids)} routes x {args.capacity} places\n")
        rows = []
        ceiling, _ = run_phase("ceiling GET /healthz", port, [("GET", "/healthz")] * n, args.clients)
        rows.append(ceiling)
        calls = [("POST", "/api/v1/registrations", {
            "given_name": "Bench", "family_name": "Delegate", "email": f"bench{i}@example.org",
            "organisation": "Benchmark", "country": "CN", "category": "other", "consent": True,
            "route_id": rng.choice(route_ids), "join_waitlist": rng.random() < 0.5}) for i in range(n)]
        registered, results = run_phase("register + seat (POST)", port, calls, args.clients)
        rows.append(registered)
        tokens = [data["token"] for status, data, _ in results if status == 201]
        seat_calls = [("PATCH", "/api/v1/registrations/self",
                       {"route_id": rng.choice(route_ids), "join_waitlist": rng.random() < 0.5}, rng.choice(tokens))
                      for _ in range(n)]
        seats, _ = run_phase("seat requests (PATCH)", port, seat_calls, args.clients)
        rows.append(seats)
        ics, _ = run_phase("GET /agenda.ics", port, [("GET", "/agenda.ics")] * n, args.clients)
        rows.append(ics)

        print(f"{'phase':26} {'req/s':>8} {'vs ceiling':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'5xx':>5}  statuses")
        for row in rows:
            print(f"{row['phase']:26} {row['per_second']:8.0f} {row['per_second'] / ceiling['per_second']:10.2f} "
                  f"{row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['p99_ms']:8.1f} {row['errors_5xx']:5d}  "
                  f"{dict(sorted(row['statuses'].items()))}")

        check = subprocess.run([sys.executable, "-c", (
            "from summit import create_app\nfrom summit.extensions import db\n"
            "from summit.models import VisitRoute, RouteBooking\nfrom sqlalchemy import func, select\n"
            "app = create_app()\nwith app.app_context():\n"
            "    bad = 0\n"
            "    for r in db.session.scalars(select(VisitRoute)):\n"
            "        rows = db.session.scalar(select(func.count()).select_from(RouteBooking).where("
            "RouteBooking.route_id == r.id, RouteBooking.status == 'confirmed'))\n"
            "        bad += max(rows - r.capacity, 0) + (rows != r.confirmed)\n"
            "        print(f'  {r.code}: {rows}/{r.capacity} confirmed, counter {r.confirmed}')\n"
            "    print(f'overbooked or miscounted: {bad}')\n")], env=env, capture_output=True, text=True)
        print("\n" + check.stdout.strip())
        print(f"server log: {log_path}")
        return 0 if "miscounted: 0" in check.stdout and all(r["errors_5xx"] == 0 for r in rows) else 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        if scratch:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
                            f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    sys.exit(main())
