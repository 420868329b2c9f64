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
from contextlib import ExitStack, contextmanager
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]  # on the server's path, so that it finds support.live_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, app: str = "support.live_app:make()", workers: int = 4, threads: int = 4,
             env: dict | None = None, extra_args: tuple[str, ...] = (), config: str | None = None,
             logs: Path | None = None):
    """The app served on 127.0.0.1 until the block ends; ``env``: extra environment variables (the app's
    settings); ``extra_args``: more gunicorn options.

    With ``config`` (e.g. "python:summit.gunicorn_conf") gunicorn takes its settings from that
    file and the environment, as an operator runs it (the bind address goes in SUMMIT_BIND).
    Its stdout and stderr go to stdout.log and stderr.log in ``logs`` (a folder; unset: a
    temporary one), to be read while it runs (``Server.log``) or afterwards.
    """
    port = free_port()
    env = {**os.environ, **(env or {}), "SUMMIT_LIVE_DATABASE_URL": database_url}
    if config:
        env["SUMMIT_BIND"] = f"127.0.0.1:{port}"
        args = ["-c", config, "--pythonpath", str(TESTS), *extra_args, app]
    else:
        args = ["--pythonpath", str(TESTS), "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                "-b", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning", *extra_args, app]
    with ExitStack() as files:
        # Files, not pipes: nobody reads a pipe while the server runs, and a full one would stall it.
        if logs is None:
            logs = Path(files.enter_context(tempfile.TemporaryDirectory(prefix="gunicorn-")))
        stdout = files.enter_context(open(logs / "stdout.log", "wb"))
        stderr = files.enter_context(open(logs / "stderr.log", "wb"))

        def log() -> str:
            # A reader of its own: the workers' shared file offset must stay at the end.
            return (logs / "stderr.log").read_text(errors="replace")

        process = subprocess.Popen([sys.executable, "-m", "gunicorn", *args], env=env, stdout=stdout, stderr=stderr)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if request("127.0.0.1", port, "GET", "/api/v1/routes")[0] == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start: " + log())
                time.sleep(0.1)
            yield Server("127.0.0.1", port, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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


def fetch(host, port, method, path, headers=None, body: bytes | None = None):
    """(status, headers as a dict with lower-case names, body bytes): for checking headers."""
    conn = http.client.HTTPConnection(host, port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


class Server:
    def __init__(self, host, port, log=lambda: ""):
        self.host, self.port = host, port
        #: what the server wrote to stderr so far (tracebacks, the development mail log)
        self.log = log

    def wait_for_log(self, written, timeout: float = 30) -> str:
        """The log once ``written(log)`` holds: what the server writes after answering (its mail)."""
        deadline = time.monotonic() + timeout
        while not written(text := self.log()):
            if time.monotonic() > deadline:
                raise AssertionError("not in the server's log in time:\n" + text[-3000:])
            time.sleep(0.05)
        return text

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def call(self, method, path, body=None, token=None):
        return request(self.host, self.port, method, path, body, token)

    def fetch(self, method, path, headers=None, body=None):
        return fetch(self.host, self.port, method, path, headers, body)

    def parallel(self, calls, concurrency=64):
        """Run (method, path, body, token) calls at once; answers in the same order."""
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(lambda c: self.call(*c), calls))
