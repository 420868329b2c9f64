"""A real gunicorn server with several worker processes, and a parallel HTTP client for it."""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, app: str = "live_app:make()", workers: int = 4, threads: int = 4,
             env: dict | None = None, extra_args: tuple[str, ...] = ()):
    """The app served on 127.0.0.1; ``env``: extra environment variables (the app's settings);
    ``extra_args``: more gunicorn options."""
    port = free_port()
    env = {**os.environ, **(env or {}), "SUMMIT_LIVE_DATABASE_URL": database_url}
    # A file, not a pipe: nobody reads a pipe while the server runs, and a full one would stall it.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--pythonpath", str(TESTS), "-w", str(workers), "-k", "gthread",
         "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning",
         *extra_args, app],
        env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if request("127.0.0.1", port, "GET", "/api/v1/routes")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start: " + _read(log))
            time.sleep(0.1)
        yield Server("127.0.0.1", port, lambda: _read(log))
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _read(log) -> str:
    # pread, not seek + read: the workers write through the same file offset, which must stay at the end.
    fd = log.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")


def request(host, port, method, path, body=None, token=None):
    conn = http.client.HTTPConnection(host, port, timeout=120)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw and response.getheader("Content-Type", "").startswith(
            "application/json") else None)
    finally:
        conn.close()


class Server:
    def __init__(self, host, port, log=lambda: ""):
        self.host, self.port = host, port
        #: what the server wrote to stderr so far (tracebacks, the development mail log)
        self.log = log

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def call(self, method, path, body=None, token=None):
        return request(self.host, self.port, method, path, body, token)

    def parallel(self, calls, concurrency=64):
        """Run (method, path, body, token) calls at once; answers in the same order."""
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(lambda c: self.call(*c), calls))
