"""Flash-crowd benchmark: the app under gunicorn on PostgreSQL, N concurrent clients.

    python bench/flash_crowd.py [--clients 200] [--requests 2000] [--rate 300] [--database-url URL]

Two kinds of phase, each printed beside the ceiling: a bare Flask "hello world" (bench/hello_app.py) under
the same gunicorn settings (the shipped config, its access log included), asked by the same clients:

* flat out ("closed loop"): every client sends its next request as soon as the last
  one is answered.  This finds the most the server can do; but with N clients always
  waiting, latency is N / throughput by Little's law, so it says little about latency.
* at a set rate ("open loop", --rate): requests arrive on a clock, spread over the
  same N client connections, as a crowd does; latency is measured from the moment a
  request was due, so a server falling behind is charged for the queue it builds.

Phases: register (POST /api/v1/registrations with a route: a registration and a seat),
seat requests (PATCH /api/v1/registrations/self to another route), the full form path
(GET /register, POST /register with its CSRF token, GET the delegate's page), and
GET /agenda.ics.  Then it checks every route: confirmed rows <= capacity and the
counter equals the rows.
Without --database-url it creates a scratch PostgreSQL database on 127.0.0.1 and drops it.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bench_servers import scratch_database  # noqa: E402
from support.live_server import free_port  # noqa: E402

from cryptography.fernet import Fernet

#: production refuses to start without a data key; any key will do for a bench
BENCH_DATA_KEY = Fernet.generate_key().decode()


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
            status, response, raw = self._send(method, path, json.dumps(body) if body is not None else None, headers)
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return 599, None, time.perf_counter() - started
        elapsed = time.perf_counter() - started
        data = json.loads(raw) if raw and response.getheader("Content-Type", "").startswith("application/json") else None
        return status, data, elapsed

    def _send(self, method, path, body, headers):
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response, response.read()

    def register_by_form(self, fields):
        """A delegate's whole path through the pages: the form, the post, their own page."""
        started = time.perf_counter()
        try:
            status, response, raw = self._send("GET", "/register?lang=en", None, {})
            cookie = cookies(response)
            token = CSRF_FIELD.search(raw.decode()).group(1)
            form = urllib.parse.urlencode({**fields, "csrf_token": token})
            status, response, _ = self._send("POST", "/register?lang=en", form, {
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
            if status in (302, 303):
                cookie = cookies(response) or cookie
                landing = urllib.parse.urlsplit(response.getheader("Location"))
                status, _, _ = self._send("GET", f"{landing.path}?{landing.query}", None, {"Cookie": cookie})
        except (OSError, http.client.HTTPException, AttributeError):
            self.conn.close()
            return 599, None, time.perf_counter() - started
        return status, None, time.perf_counter() - started


def cookies(response) -> str:
    """The cookies a response sets, as a Cookie header sends them back."""
    return "; ".join(value.split(";")[0] for value in response.headers.get_all("Set-Cookie") or [])


CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _client_call(local, port, call):
    if not hasattr(local, "client"):
        local.client = Client(port)
    if call[0] == "FORM":
        return local.client.register_by_form(call[1])
    return local.client.call(*call)


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU time used so far by the app (gunicorn and its workers), PostgreSQL, and this load generator.

    Read from /proc (Linux); empty elsewhere.  On a quiet machine the three add up to
    where the cores went, which says what to make cheaper.
    """
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"app": 0.0, "database": 0.0, "load generator": 0.0}
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        # utime + stime, and cutime + cstime: what exited children used (gunicorn's replaced
        # workers, PostgreSQL's closed backends), counted by the parent that reaped them.
        parent, used = int(fields[1]), sum(int(f) for f in fields[11:15]) / tick
        if pid == os.getpid():
            totals["load generator"] += used
        elif pid == server_pid or parent == server_pid:
            totals["app"] += used
        elif comm.startswith("postgres"):
            totals["database"] += used
    return totals


def start_gunicorn(app: str, env: dict, port: int, log) -> subprocess.Popen:
    """``app`` under the shipped gunicorn settings (summit/gunicorn_conf.py) on ``port``, once it answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:summit.gunicorn_conf", "--pythonpath", str(ROOT / "bench"),
         "--backlog", "2048", app], env={**env, "SUMMIT_BIND": f"127.0.0.1:{port}"}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(300):
        try:
            if Client(port).call("GET", "/healthz" if app.startswith("summit") else "/")[0] == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn {app} did not start")


def run_phase(name, port, calls, clients, rate=None):
    """Flat out (rate None), or with request i due at start + i / rate."""
    local = threading.local()
    started = time.perf_counter() + 0.2  # every client thread is up before the first is due

    def one(numbered):
        i, call = numbered
        if rate is None:
            return _client_call(local, port, call)
        due = started + i / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        status, data, _ = _client_call(local, port, call)
        return status, data, time.perf_counter() - due  # the wait for a free client counts too

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(one, enumerate(calls)))
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
    parser.add_argument("--workers", type=int, help="unset: the shipped config's (cores + 1)")
    parser.add_argument("--threads", type=int, help="unset: the shipped config's (4)")
    parser.add_argument("--capacity", type=int, default=100, help="places per route (4 routes)")
    parser.add_argument("--rate", type=float, default=300, help="requests a second in the set-rate phases")
    parser.add_argument("--database-url")
    parser.add_argument("--quick", action="store_true", help="only the ceiling and the seat phases (to compare settings)")
    args = parser.parse_args()

    with scratch_database(args.database_url) as url:
        return run(args, url)


def run(args, url: str) -> int:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": "0", "SUMMIT_ENV": "production", "DATA_KEY": BENCH_DATA_KEY,
           "PUBLIC_BASE_URL": "http://127.0.0.1"}  # production needs it; the clients name 127.0.0.1
    flask = [sys.executable, "-m", "flask", "--app", "summit"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed"], env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", (
        "from summit import create_app\nfrom summit.plumbing.extensions import db\nfrom summit.models import VisitRoute\n"
        f"app = create_app()\nwith app.app_context():\n"
        f"    db.session.execute(db.update(VisitRoute).values(capacity={args.capacity}))\n    db.session.commit()\n")],
        env=env, check=True)

    port = free_port()
    # The server's own log, to read when a phase shows 5xx (kept: it is the only trace).
    log_path = Path(tempfile.gettempdir()) / f"summit-bench-{os.getpid()}.log"
    server_log = open(log_path, "w")
    # The shipped gunicorn settings (summit/gunicorn_conf.py), as production runs them, access log included.
    server_env = {**env, "SUMMIT_BIND": f"127.0.0.1:{port}", "SUMMIT_ACCESS_LOG": str(log_path) + ".access"}
    if args.workers:
        server_env["SUMMIT_WORKERS"] = str(args.workers)
    if args.threads:
        server_env["SUMMIT_THREADS"] = str(args.threads)
    server = start_gunicorn("summit:create_app()", server_env, port, server_log)
    hello = None
    try:
        hello_port = free_port()
        hello = start_gunicorn("hello_app:app", {**server_env, "SUMMIT_ACCESS_LOG": str(log_path) + ".hello-access"},
                               hello_port, server_log)
        routes = Client(port).call("GET", "/api/v1/routes")[1]["routes"]
        route_ids = [r["id"] for r in routes]
        rng = random.Random(7)
        n = args.requests

        print(f"Summit flash crowd: {args.clients} clients, {n} requests a phase, gunicorn with the shipped "
              f"config (workers {args.workers or 'default'}, threads {args.threads or 'default'}), PostgreSQL, "
              f"{os.cpu_count()} cores, "
              f"{len(route_ids)} routes x {args.capacity} places\n")
        rows = []

        def registrations(prefix, count):
            return [("POST", "/api/v1/registrations", {
                "given_name": "Bench", "family_name": "Delegate", "email": f"{prefix}{i}@example.org",
                "organisation": "Benchmark", "country": "CN", "category": "other", "consent": True,
                "route_id": rng.choice(route_ids), "join_waitlist": rng.random() < 0.5}) for i in range(count)]

        def seat_changes(count):
            return [("PATCH", "/api/v1/registrations/self",
                     {"route_id": rng.choice(route_ids), "join_waitlist": rng.random() < 0.5}, rng.choice(tokens))
                    for _ in range(count)]

        def form_delegates(prefix, count):
            return [("FORM", {
                "given_name": "Form", "family_name": "Delegate", "email": f"{prefix}{i}@example.org",
                "organisation": "Benchmark", "country": "KE", "category": "academia", "language": "en",
                "route": str(rng.choice(route_ids)), **({"join_waitlist": "y"} if rng.random() < 0.5 else {}),
                "consent": "y"}) for i in range(count)]

        def phase(name, calls, rate=None, on=None):
            label = f"{name} ({'flat out' if rate is None else f'at {rate:.0f}/s'})"
            measured = hello if on == hello_port else server
            before = cpu_seconds(measured.pid)
            summary, results = run_phase(label, on or port, calls, args.clients, rate)
            after = cpu_seconds(measured.pid)
            summary["cpu_ms"] = {k: (after[k] - before[k]) * 1000 / len(calls) for k in after}
            rows.append(summary)
            cpu = ", ".join(f"{k} {v:.1f}" for k, v in summary["cpu_ms"].items())
            print(f"  {label}: {summary['per_second']:.0f}/s, p95 {summary['p95_ms']:.0f} ms; "
                  f"CPU ms a request: {cpu}", flush=True)
            return summary, results

        ceiling, _ = phase("ceiling: hello world", [("GET", "/")] * n, on=hello_port)
        _, results = phase("register + seat (POST)", registrations("flat", n))
        tokens = [data["token"] for status, data, _ in results if status == 201]
        phase("seat requests (PATCH)", seat_changes(n))
        if not args.quick:
            phase("form path (GET+POST+GET)", form_delegates("formflat", n // 2))
            phase("GET /agenda.ics", [("GET", "/agenda.ics")] * n)
        rate = args.rate
        ceiling_at_rate, _ = phase("ceiling: hello world", [("GET", "/")] * n, rate, on=hello_port)
        _, results = phase("register + seat (POST)", registrations("rate", n), rate)
        tokens += [data["token"] for status, data, _ in results if status == 201]
        phase("seat requests (PATCH)", seat_changes(n), rate)
        if not args.quick:
            phase("form path (GET+POST+GET)", form_delegates("formrate", n // 4), rate / 3)
        print()

        print(f"{'phase':46} {'req/s':>8} {'vs ceiling':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'5xx':>5}  statuses")
        for row in rows:
            print(f"{row['phase']:46} {row['per_second']:8.0f} {row['per_second'] / ceiling['per_second']:10.2f} "
                  f"{row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['p99_ms']:8.1f} {row['errors_5xx']:5d}  "
                  f"{dict(sorted(row['statuses'].items()))}")

        check = subprocess.run([sys.executable, "-c", (
            "from summit import create_app\nfrom summit.plumbing.extensions import db\n"
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
        for process in (hello, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
