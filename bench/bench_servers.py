"""What the server benches share: a scratch PostgreSQL database, and an app under gunicorn."""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.live_server import free_port  # noqa: E402


@contextmanager
def scratch_database(url: str | None):
    """``url``, or a PostgreSQL database on 127.0.0.1 made for the run and dropped after it."""
    if url:
        yield url
        return
    name = f"summit_bench_{os.getpid()}"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
    subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


def serve(app: str, env: dict, workers: int, pythonpath: str, threads: int | None = None):
    """``app`` under gunicorn on a free port, once it answers: (process, port). Sync workers unless
    ``threads`` is given (gthread)."""
    port = free_port()
    kind = ["-k", "gthread", "--threads", str(threads)] if threads else ["-k", "sync"]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--pythonpath", pythonpath, "-w", str(workers), *kind,
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app} did not start")
            time.sleep(0.1)
