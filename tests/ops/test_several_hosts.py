"""Several app hosts behind one proxy (issue 19): two gunicorn instances on two ports, each with an instance
folder of its own as two machines have, sharing the one database and (where one answers) the one Redis, behind
Debian's nginx sending each request to the next host in turn. Staff sign in and print a badge batch, a delegate
registers and sees her seat on both, an organiser pages through the console's list and a scanner syncs its
scans twice. Every answer says which host gave it (the proxy's X-Upstream), and each step is checked to have
used both. On SQLite and (SUMMIT_TEST_DATABASE_URL) PostgreSQL."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader

from summit.models import Delegate
from summit.plumbing.extensions import db
from summit.services.checkin.codes import checkin_code

from support.badge_helpers import redis_url
from support.console_support import PASSWORD, api_token, make_user
from support.factories import delegate_data, make_delegate
from support.live_app import SECRET_KEY
from support.live_server import free_port, gunicorn
from support.nginx_server import NGINX, full_conf, nginx

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(NGINX is None, reason="nginx is not installed (./dev test installs it: apt-get install nginx)")]

DELEGATES = 12


def proxy_block(ports: list[int], listen: int) -> str:
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in ports)
    return (f"upstream summit {{\n{servers}    keepalive 16;\n}}\n"
            f"server {{\n    listen 127.0.0.1:{listen};\n"
            "    location / {\n        proxy_pass http://summit;\n        proxy_http_version 1.1;\n"
            '        proxy_set_header Connection "";\n        proxy_set_header Host $host;\n'
            "        add_header X-Upstream $upstream_addr always;\n    }\n}\n")


class Hosts:
    """A requests session through the proxy that notes which host answered each request."""

    def __init__(self, url: str):
        self.url, self.session, self.seen = url, requests.Session(), []

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.session.request(method, self.url + path, timeout=120, allow_redirects=False, **kwargs)
        self.seen.append(response.headers["X-Upstream"])
        return response

    def step(self) -> set[str]:
        """The hosts that answered since the last step."""
        seen, self.seen = set(self.seen), []
        return seen


@contextmanager
def two_hosts_behind_nginx(database_url: str, folder: Path, env: dict):
    with ExitStack() as stack:
        servers = [stack.enter_context(gunicorn(database_url, workers=2, env={
            **env, "SUMMIT_INSTANCE_PATH": str(folder / f"host-{name}")})) for name in "ab"]
        listen = free_port()
        (folder / "proxy").mkdir()
        stack.enter_context(nginx(full_conf(proxy_block([s.port for s in servers], listen), folder / "proxy"),
                                  folder / "proxy", listen))
        yield f"http://127.0.0.1:{listen}", {f"127.0.0.1:{s.port}" for s in servers}


@contextmanager
def rq_worker(database_url: str, url: str, queue: str, folder: Path):
    """A third machine that only renders batches: `flask worker` with the same database and Redis."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": url, "BADGE_QUEUE": queue,
           "BADGE_RENDER_PROCESSES": "1", "SECRET_KEY": SECRET_KEY, "SUMMIT_INSTANCE_PATH": str(folder / "worker")}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "summit", "worker"], env=env,
                               stdout=subprocess.DEVNULL, stderr=open(folder / "worker.log", "wb"))
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("with_redis", [False, True], ids=["database-only", "redis"])
def test_every_step_works_whichever_host_it_lands_on(app, database_url, summit, tmp_path, with_redis):
    env = {"BADGE_RENDER_PROCESSES": "1"}
    if with_redis:
        url = redis_url()
        if url is None:
            pytest.skip("no Redis server to share between the hosts")
        env.update(REDIS_URL=url, BADGE_QUEUE=f"summit-test-{uuid.uuid4().hex}")
    app.config["SECRET_KEY"] = SECRET_KEY  # the check-in codes the hosts will read are signed with theirs
    delegates = [make_delegate(summit, f"Given{i}", f"Family{i:02d}") for i in range(DELEGATES)]
    codes = [checkin_code(d) for d in delegates[:4]]
    make_user("staff", "desk@example.org")
    staff_api = api_token("staff", "scanner@example.org")
    make_user("organiser", "organiser@example.org")
    db.session.commit()

    with ExitStack() as stack:
        base, both = stack.enter_context(two_hosts_behind_nginx(database_url, tmp_path, env))
        if with_redis:
            stack.enter_context(rq_worker(database_url, env["REDIS_URL"], env["BADGE_QUEUE"], tmp_path))

        # Staff sign in on one host and are signed in on the other (the session is the signed cookie).
        staff = Hosts(base)
        page = staff("GET", "/console/login")
        signed_in = staff("POST", "/console/login", data={"csrf_token": csrf(page.text), "email": "desk@example.org",
                                                          "password": PASSWORD})
        assert signed_in.status_code == 302, signed_in.text[:300]
        assert all(staff("GET", "/desk/badges").status_code == 200 for _ in range(2))
        assert staff.step() == both

        # A badge batch started on one host, watched and downloaded on both, whichever rendered it.
        form = staff("GET", "/desk/badges")
        started = staff("POST", "/desk/badges/batches", data={"csrf_token": csrf(form.text), "layout": "a6",
                                                             "sort": "family_name", "selection": "all"})
        assert started.status_code == 303, started.text[:300]
        job = re.search(r"/batches/(\d+)$", started.headers["Location"]).group(1)
        deadline = time.monotonic() + 120
        while (status := staff("GET", f"/desk/badges/batches/{job}.json").json())["status"] != "done":
            assert status["status"] in ("queued", "running") and time.monotonic() < deadline, status
            time.sleep(0.2)
        for _ in range(2):
            pdf = staff("GET", f"/desk/badges/batches/{job}.pdf")
            assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf", pdf.text[:300]
            assert len(PdfReader(BytesIO(pdf.content)).pages) == DELEGATES
        assert staff.step() == both

        # A delegate registers on one host; her registration and her seat show on both.
        delegate = Hosts(base)
        r1 = next(r for r in delegate("GET", "/api/v1/routes").json()["routes"] if r["code"] == "R1")
        created = delegate("POST", "/api/v1/registrations", json=delegate_data(route_id=r1["id"]))
        assert created.status_code == 201, created.text[:300]
        token = created.json()["token"]
        for _ in range(2):
            mine = delegate("GET", "/api/v1/registrations/self", headers={"Authorization": f"Bearer {token}"})
            assert mine.status_code == 200 and mine.json()["route"]["status"] == "confirmed"
        time.sleep(1.0)  # the public reads' bound (PUBLIC_READ_CACHE_SECONDS ≤ 1)
        for _ in range(2):
            routes = delegate("GET", "/api/v1/routes").json()["routes"]
            assert next(r for r in routes if r["code"] == "R1")["confirmed"] == r1["confirmed"] + 1
        assert delegate.step() == both

        # An organiser pages through the delegates, a page a host: every delegate once.
        organiser = Hosts(base)
        page = organiser("GET", "/console/login")
        assert organiser("POST", "/console/login", data={
            "csrf_token": csrf(page.text), "email": "organiser@example.org", "password": PASSWORD}).status_code == 302
        listed = []
        for number in (1, 2, 3):
            html = organiser("GET", f"/console/delegates?per_page=5&page={number}")
            assert html.status_code == 200
            listed += re.findall(r'href="/console/delegates/(\d+)"', html.text)
        assert sorted(map(int, set(listed))) == sorted(
            db.session.scalars(db.select(Delegate.id)).all()), listed
        assert organiser.step() == both

        # A scanner syncs its queue on one host, then (a lost answer) the same upload on the other: one result.
        scanner = Hosts(base)
        at = datetime(2024, 9, 25, 1, 0, tzinfo=timezone.utc).isoformat()
        scans = {"scans": [{"id": str(uuid.uuid4()), "code": code, "zone": "venue", "scanned_at": at} for code in codes]}
        first = scanner("POST", "/api/v1/checkins/sync", json=scans, headers=staff_api)
        again = scanner("POST", "/api/v1/checkins/sync", json=scans, headers=staff_api)
        assert first.status_code == again.status_code == 200, first.text[:300]
        assert [r["outcome"] for r in first.json()["results"]] == ["checked_in"] * len(codes)
        assert again.json() == first.json()
        assert scanner.step() == both
