"""Debian's nginx, started by a test in front of live gunicorn servers (tests/ops)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)),
                                      None)


def full_conf(http_block: str, folder: Path) -> str:
    """An nginx.conf around ``http_block`` (the http context's servers and upstreams), all its files in ``folder``."""
    # As root, nginx's workers would drop to "nobody", who cannot use the test's temporary folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {name}_temp_path {folder / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n    access_log off;\n{temp}\n{http_block}\n}}\n")


@contextmanager
def nginx(conf: str, folder: Path, port: int):
    path = folder / "nginx.conf"
    path.write_text(conf)
    process = subprocess.Popen([NGINX, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(path),
                                "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start: " + process.stderr.read().decode(errors="replace"))
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
