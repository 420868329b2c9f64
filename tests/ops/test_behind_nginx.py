"""The README's nginx configuration, run in front of a live gunicorn with the shipped settings.

gunicorn's gthread workers give a connection a thread as soon as its first bytes arrive, and the
thread then waits for the rest of the headers: clients that send a header byte a second hold every
thread of a worker, and the worker keeps accepting connections that then wait behind them.  The
control sends 40 such clients straight at gunicorn, which then cannot answer a normal request;
through nginx (which reads each request whole first) the same request is answered at once.  The
same again with clients that send their headers whole and then their body a byte a second.  One
worker of 4 threads, so that the control does not depend on how the kernel spreads connections
between workers (each worker is stalled alike once it holds as many slow clients as threads).
The block is taken from README.md itself, with only its addresses and certificate paths replaced.
"""
from __future__ import annotations

import http.client
import re
import socket
import ssl
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from support.live_server import free_port, gunicorn
from support.nginx_server import NGINX, full_conf, nginx

ROOT = Path(__file__).resolve().parents[2]
HOST = "summit.example.org"  # the README's server_name, and the PUBLIC_BASE_URL the app is given
SLOW_CLIENTS = 40
SLOW_FOR_AT_MOST = 15  # seconds: the slow clients stop by then whatever happens

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(NGINX is None, reason="nginx is not installed (./dev test installs it: apt-get install nginx)")]


def readme_nginx_block() -> str:
    """The proxy of README.md's "Serve" (under "Operating it"; "Several hosts" shows only an upstream)."""
    readme = (ROOT / "README.md").read_text()
    serve = readme.split("## Operating it", 1)[1].split("### Serve", 1)[1].split("\n### ", 1)[0]
    [block] = re.findall(r"```nginx\n(.*?)```", serve, re.S)
    return block


def certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
                    "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def nginx_conf(block: str, folder: Path, upstream_port: int, https_port: int, http_port: int, cert, key) -> str:
    replaced = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(cert),
        f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(key),
    }
    for old, new in replaced.items():
        assert old in block, f"the README's nginx block no longer has {old!r}"
        block = block.replace(old, new)
    return full_conf(block, folder)


#: how each kind of slow client starts; it then sends one more byte a second
SLOW_STARTS = {
    "headers": f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Slow: ".encode(),
    "body": (f"POST /api/v1/registrations HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
             f"Content-Length: 1000\r\n\r\n{{").encode(),
}


@contextmanager
def slow_clients(port: int, kind: str, tls: ssl.SSLContext | None = None, count: int = SLOW_CLIENTS):
    """``count`` connections that each start a request and then send one more byte of it a second."""
    sockets = []
    stop = threading.Event()
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls:
            sock = tls.wrap_socket(sock, server_hostname=HOST)
        sock.sendall(SLOW_STARTS[kind])
        sockets.append(sock)

    def drip():
        started = time.monotonic()
        while not stop.wait(1) and time.monotonic() - started < SLOW_FOR_AT_MOST:
            for sock in sockets:
                try:
                    sock.sendall(b"a")
                except OSError:
                    pass  # dropped by the server: that is what nginx is for

    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    try:
        time.sleep(1.5)  # every connection has reached the server and sent a byte since
        yield
    finally:
        stop.set()
        dripping.join()
        for sock in sockets:
            sock.close()


def timed_get(port: int, tls: ssl.SSLContext | None = None, host: str = HOST, timeout: float = 5,
              path: str = "/healthz"):
    """(seconds, status, headers) of one ordinary request; status None when it was not answered in time."""
    started = time.monotonic()
    conn = (http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls) if tls
            else http.client.HTTPConnection("127.0.0.1", port, timeout=timeout))
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        response.read()
        return time.monotonic() - started, response.status, {k.lower(): v for k, v in response.getheaders()}
    except TimeoutError:
        return time.monotonic() - started, None, {}
    finally:
        conn.close()


def test_the_readme_nginx_config_keeps_slow_clients_off_gunicorn(database_url, summit, tmp_path):
    cert, key = certificate(tmp_path)
    tls = ssl.create_default_context(cafile=str(cert))
    tls.check_hostname = False  # connected by address; the certificate is still checked against our own CA
    env = {"SUMMIT_WORKERS": "1", "SUMMIT_THREADS": "4", "TRUSTED_PROXIES": "1",
           "PUBLIC_BASE_URL": f"https://{HOST}", "ALLOWED_HOSTS": "127.0.0.1"}  # 127.0.0.1: the start-up probe
    https_port, http_port = free_port(), free_port()
    with gunicorn(database_url, config="python:summit.gunicorn_conf", env=env, logs=tmp_path) as server:
        conf = nginx_conf(readme_nginx_block(), tmp_path, server.port, https_port, http_port, cert, key)
        with nginx(conf, tmp_path, https_port):
            # What passes through: the app knows the request came over HTTPS (HSTS), keeps nginx's request
            # id, refuses a host that is not its own, and plain http only redirects.
            _, status, headers = timed_get(https_port, tls)
            assert status == 200 and "strict-transport-security" in headers
            assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
            assert timed_get(https_port, tls, path="/api/v1/routes")[1] == 200
            assert timed_get(https_port, tls, host="attacker.example", path="/api/v1/routes")[1] == 400
            _, status, headers = timed_get(http_port)
            assert status == 301 and headers["location"] == f"https://{HOST}/healthz"
            # webcal:// is http:// to a calendar app: its feed is only ever redirected, never served.
            _, status, headers = timed_get(http_port, path="/calendar/some-secret.ics")
            assert status == 301 and headers["location"] == f"https://{HOST}/calendar/some-secret.ics"

            for kind in SLOW_STARTS:  # slow headers, then slow bodies
                with slow_clients(https_port, kind, tls):
                    through_nginx, status, _ = timed_get(https_port, tls)
                assert status == 200 and through_nginx < 2, (kind, through_nginx)

                # The control: the same clients straight at gunicorn stall it.
                with slow_clients(server.port, kind):
                    direct, status, _ = timed_get(server.port, timeout=3)
                assert status is None, (kind, direct, status)  # not answered in 3 s
                assert timed_get(server.port)[1] == 200  # and it recovers once they are gone
