"""The paths a crowd takes, each against the hello-world ceiling: public reads (read cache off, as before
issue 19, and on) and registrations through the API, without and with a seat.

    python bench/crowd_paths.py [--seconds 8] [--workers 4] [--connections 32] [--database-url URL]
    python bench/crowd_paths.py --only writes      # or: --only reads, --only mixed

The app and a bare Flask "hello world" (bench/hello_app.py) run under the same gunicorn (4 sync workers) on
PostgreSQL; wrk (2 threads, 32 connections, Debian's package) asks each path flat out for --seconds. The
ceiling is measured before each path, so a machine that slows down during the run is charged to both. Each
line gives requests a second, the ratio to the ceiling, and where the CPU went (ms a request: the app's
workers, PostgreSQL), read from /proc. The cache-off run is the app as it was before (every read
renders and queries); the cache-on run is the shipped setting (PUBLIC_READ_CACHE_SECONDS=0.5).
A registration is POST /api/v1/registrations, each with its own e-mail address (bench/wrk_register.lua); with
a seat, it asks for a route too (the routes' places are raised so that every one gets a seat). Afterwards
every route is checked: confirmed rows <= capacity, and its counter equals its rows.
Mixed (the day registration opens): the public reads (cache on) asked flat out while a few connections
register with a seat at the same time (--mixed-connections, default 2): every seat moves the places' read
version, so this shows what the reads keep of their cache while the crowd registers. Each line gives both
rates; the CPU columns are the whole app's, over reads and registrations together.
Without --database-url it creates a scratch PostgreSQL database on 127.0.0.1 and drops it.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bench_servers import scratch_database, serve  # noqa: E402

from cryptography.fernet import Fernet

PATHS = ["/api/v1/routes", "/agenda.ics", "/", "/agenda", "/routes"]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            continue
    return total / TICKS


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        found.append(parent)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    todo.append(int(stat.parent.name))
            except (OSError, ValueError):
                continue
    return found


def postgres_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-f", "postgres"], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def wrk(port: int, path: str, seconds: float, connections: int, server_pids: list[int],
        script: dict | None = None) -> dict:
    """``script``: a POST of bench/wrk_register.lua, its settings as environment variables."""
    url = f"http://127.0.0.1:{port}{path}"
    lua = ["-s", str(ROOT / "bench" / "wrk_register.lua")] if script else []
    env = {**os.environ, **(script or {})}
    if not script:  # warm (a registration run warms itself: its first second is part of what it measures)
        subprocess.run(["wrk", "-t2", "-c", str(connections), "-d", "1s", url], capture_output=True)
    pg = postgres_pids()
    app_before, pg_before = cpu_seconds(server_pids), cpu_seconds(pg)
    load = subprocess.Popen(["wrk", "-t2", "-c", str(connections), "-d", f"{seconds:g}s", "--latency", *lua, url],
                            stdout=subprocess.PIPE, text=True, env=env)
    out, _ = load.communicate()
    app_cpu, pg_cpu = cpu_seconds(server_pids) - app_before, cpu_seconds(pg) - pg_before
    if not re.search(r"(\d+) requests in", out or ""):
        raise RuntimeError(f"wrk printed no result for {url}:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    return {"rate": rate, "requests": requests, "non_2xx": int(errors.group(1)) if errors else 0,
            "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
            "app_ms": app_cpu * 1000 / max(requests, 1), "pg_ms": pg_cpu * 1000 / max(requests, 1)}


def get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    return conn.getresponse().read()


def _in_app(env: dict, code: str) -> str:
    """Run ``code`` in an app context of the bench's database; what it prints."""
    return subprocess.run([sys.executable, "-c", (
        "from summit import create_app\nfrom summit.plumbing.extensions import db\n"
        "from summit.models import VisitRoute, RouteBooking\napp = create_app()\nwith app.app_context():\n"
        + "".join(f"    {line}\n" for line in code.splitlines()))],
        env=env, check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()


def set_capacity(env: dict, places: int) -> None:
    _in_app(env, f"db.session.execute(db.update(VisitRoute).values(capacity={places}))\ndb.session.commit()")


def check_places(env: dict) -> str:
    """Every route: confirmed rows within capacity, and its counter equal to its rows."""
    return _in_app(env, """bad = []
for route in db.session.scalars(db.select(VisitRoute)):
    rows = db.session.scalar(db.select(db.func.count()).select_from(RouteBooking).where(
        RouteBooking.route_id == route.id, RouteBooking.status == "confirmed"))
    if rows > route.capacity or rows != route.confirmed:
        bad.append(f"{route.code}: {rows} rows, counter {route.confirmed}, capacity {route.capacity}")
total = db.session.scalar(db.select(db.func.count()).select_from(RouteBooking))
print("; ".join(bad) if bad else f"{total} bookings, none over capacity, every counter equal to its rows")""")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url")
    parser.add_argument("--only", choices=("reads", "writes", "mixed"))
    parser.add_argument("--mixed-connections", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2

    with scratch_database(args.database_url) as url:
        return run(args, url)


def run(args, url: str) -> int:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": "0",
           "SUMMIT_ENV": "production", "DATA_KEY": Fernet.generate_key().decode(),
           "PUBLIC_BASE_URL": "http://127.0.0.1", "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    servers = []
    try:
        flask = [sys.executable, "-m", "flask", "--app", "summit"]
        subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
        subprocess.run([*flask, "seed"], env=env, check=True, capture_output=True, cwd=ROOT)
        # places enough for every registration of the run: "with a seat" means each one gets one
        set_capacity(env, 1_000_000)
        hello, hello_port = serve("hello_app:app", env, args.workers, str(ROOT / "bench"))
        servers.append(hello)
        print(f"gunicorn {args.workers} sync workers; wrk 2 threads, {args.connections} connections, "
              f"{args.seconds:.0f} s a path; PostgreSQL; {os.cpu_count()} cores")
        print(f"{'path':<34} {'cache':<5} {'req/s':>7} {'ceiling':>8} {'ratio':>6} {'p99 ms':>7}  "
              f"CPU ms a request: app / PostgreSQL")
        def line(label: str, cache: str, measured: dict, ceiling: dict) -> None:
            bad = f"  ({measured['non_2xx']} non-2xx)" if measured["non_2xx"] else ""
            print(f"{label:<34} {cache:<5} {measured['rate']:>7.0f} {ceiling['rate']:>8.0f} "
                  f"{measured['rate'] / ceiling['rate']:>6.2f} {measured['p99_ms'] or 0:>7.1f}  "
                  f"{measured['app_ms']:.2f} / {measured['pg_ms']:.2f}{bad}", flush=True)

        if args.only in (None, "writes"):
            app, port = serve("summit:create_app()", env, args.workers, str(ROOT))
            servers.append(app)
            route_ids = [r["id"] for r in json.loads(get(port, "/api/v1/routes"))["routes"]]
            for label, script in (
                    ("POST /api/v1/registrations", {"REGISTER_PREFIX": "plain"}),
                    ("registration with a seat", {"REGISTER_PREFIX": "seat",
                                                  "REGISTER_ROUTES": ",".join(map(str, route_ids))})):
                ceiling = wrk(hello_port, "/", args.seconds, args.connections, tree(hello.pid))
                measured = wrk(port, "/api/v1/registrations", args.seconds, args.connections, tree(app.pid), script)
                line(label, "", measured, ceiling)
            print(f"  places: {check_places(env)}")
            app.terminate()
            app.wait(timeout=20)
            servers.remove(app)
        for cache in ("off", "on") if args.only in (None, "reads") else ():
            app_env = {**env, "PUBLIC_READ_CACHE": "1" if cache == "on" else "0"}
            app, port = serve("summit:create_app()", app_env, args.workers, str(ROOT))
            servers.append(app)
            pids = tree(app.pid)
            for path in PATHS:
                ceiling = wrk(hello_port, "/", args.seconds, args.connections, tree(hello.pid))
                measured = wrk(port, path, args.seconds, args.connections, pids)
                line(f"GET {path}", cache, measured, ceiling)
            app.terminate()
            app.wait(timeout=20)
            servers.remove(app)
        if args.only in (None, "mixed"):
            app, port = serve("summit:create_app()", env, args.workers, str(ROOT))
            servers.append(app)
            pids = tree(app.pid)
            route_ids = ",".join(str(r["id"]) for r in json.loads(get(port, "/api/v1/routes"))["routes"])
            for path in PATHS:
                ceiling = wrk(hello_port, "/", args.seconds, args.connections, tree(hello.pid))
                with ThreadPoolExecutor(1) as pool:
                    registering = pool.submit(wrk, port, "/api/v1/registrations", args.seconds + 1, args.mixed_connections,
                                              pids, {"REGISTER_PREFIX": f"mixed{path.replace('/', '-')}",
                                                     "REGISTER_ROUTES": route_ids})
                    measured = wrk(port, path, args.seconds, args.connections, pids)
                    registered = registering.result()
                line(f"GET {path}", "mixed", measured, ceiling)
                print(f"{'':<34} {'':<5} {registered['rate']:>7.0f} registrations with a seat a second "
                      f"meanwhile, p99 {registered['p99_ms'] or 0:.1f} ms", flush=True)
            print(f"  places: {check_places(env)}")
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
