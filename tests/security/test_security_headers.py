"""Security headers on every answer, blueprints' stricter choices kept, HSTS over HTTPS only
(and behind a trusted proxy), and pages that a real browser runs under the strict policy
without a single violation."""
from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from support.paths import ROOT
from support.app import make_app
from support.console_support import api_token, make_user, sign_in
from support.factories import make_delegate, register
from support.live_server import gunicorn
from summit.plumbing.extensions import db
from summit.models import BadgeJob, ProgrammeItem
from summit.web.security_headers import CONTENT_SECURITY_POLICY

EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PAGE = {**EVERYWHERE, "Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Frame-Options": "DENY"}


def assert_headers(response, expected=PAGE, url=""):
    for name, value in expected.items():
        assert response.headers.get(name) == value, (url, name, response.headers.get(name))
    assert response.headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin", "same-origin",
                                                       "no-referrer"), url


def test_the_policy_is_the_strict_one():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives == {
        "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
        "object-src": "'none'", "base-uri": "'none'", "form-action": "'self'", "frame-ancestors": "'none'"}


def _url(rule, values: dict) -> str:
    url = rule.rule
    for argument in rule.arguments:
        url = re.sub(rf"<(?:[^:>]+:)?{argument}>", str(values.get(argument, 1)), url)
    return url


def test_every_url_answers_with_the_headers_whoever_asks(app, client, summit):
    """Every GET rule of the URL map, anonymous and signed in: pages, redirects, errors, files, feeds, JSON."""
    values = {"filename": "css/summit.css", "code": "en", "token": "not-a-token"}
    urls = [_url(rule, values) for rule in app.url_map.iter_rules() if "GET" in rule.methods]
    assert len(urls) > 40
    urls += ["/no-such-page", "/api/v1/no-such-call", "/static/no-such-file.css"]
    for url in urls:
        assert_headers(client.get(url), url=url)
    sign_in(client, "organiser")
    for url in urls:
        assert_headers(client.get(url), url=url)
    # Not only GET: a wrong method, a refused form post, an API call with a body.
    assert_headers(client.put("/agenda"))
    assert_headers(client.post("/console/logout"))
    assert_headers(client.post("/api/v1/registrations", json={}))


def test_a_pdf_keeps_only_the_framing_rules(client, summit):
    """Chrome's PDF viewer breaks under the page policy (chromium bug 271452): the desk's Print opens one."""
    make_delegate(summit)
    response = client.get("/api/v1/badges.pdf?all=1", headers=api_token("staff"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert_headers(response, {**EVERYWHERE, "Content-Security-Policy": "frame-ancestors 'self'",
                              "X-Frame-Options": "SAMEORIGIN"})


def test_blueprints_keep_their_stricter_choices(client, summit):
    result = register(summit)
    manage = client.get(f"/manage/{result.manage_token}")
    assert manage.status_code == 200
    # The manage URL is the delegate's credential: it must not leak to other sites, nor sit in a cache.
    assert manage.headers["Referrer-Policy"] == "no-referrer" and manage.headers["Cache-Control"] == "no-store"
    # Said once: the app-wide default is not sent beside it (a browser would take the laxer of two).
    assert manage.headers.getlist("Referrer-Policy") == ["no-referrer"]
    login = client.get("/console/login")
    # Flask-WTF checks the Referer of console posts over HTTPS: same-origin keeps it on our own site.
    assert login.headers["Referrer-Policy"] == "same-origin" and login.headers["Cache-Control"] == "no-store"
    sign_in(client, "staff")
    desk = client.get("/desk/badges")
    assert desk.status_code == 200 and desk.headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_only_over_https(client, summit):
    assert "Strict-Transport-Security" not in client.get("/", base_url="http://summit.test").headers
    secure = client.get("/", base_url="https://summit.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert "Strict-Transport-Security" in client.get("/static/css/summit.css", base_url="https://summit.test").headers


def test_a_trusted_proxy_tells_https_and_the_client_address(database_url, summit):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "summit.test"}
    # Without TRUSTED_PROXIES the headers are the client's word, and ignored.
    plain = make_app(database_url).test_client()
    assert "Strict-Transport-Security" not in plain.get("/healthz", headers=forwarded,
                                                        base_url="http://summit.test").headers
    proxied_app = make_app(database_url, TRUSTED_PROXIES=1)
    seen = {}

    @proxied_app.get("/__whoami")
    def _whoami():
        from flask import request

        seen.update(addr=request.remote_addr, secure=request.is_secure)
        return "ok"

    proxied = proxied_app.test_client()
    assert "Strict-Transport-Security" in proxied.get("/healthz", headers=forwarded,
                                                      base_url="http://summit.test").headers
    proxied.get("/__whoami", headers=forwarded, base_url="http://summit.test")
    assert seen == {"addr": "203.0.113.7", "secure": True}


# ---------------------------------------------------------------- no inline script or style

INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+\s*=|javascript:", re.I)


def test_templates_have_no_inline_script_style_or_handlers():
    # templates/badges/ is HTML for WeasyPrint only (badges are PDFs); no browser ever runs it. templates/emails/
    # is mail, read by mail clients that honour only inline styles; the app never serves it as a page.
    pages = [p for p in (ROOT / "templates").rglob("*.html")
             if not {"badges", "emails"} & set(p.relative_to(ROOT).parts)]
    assert len(pages) > 20
    offenders = {str(p.relative_to(ROOT)): INLINE.findall(p.read_text()) for p in pages}
    assert {k: v for k, v in offenders.items() if v} == {}


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("chromium is not installed (./dev test installs it)")
    return path


def browser_console(url: str, profile: Path) -> tuple[str, str]:
    """The page as Chromium built it, and what its console printed (CSP violations are reported there)."""
    run = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
         f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    return run.stdout, "\n".join(line for line in run.stderr.splitlines() if "CONSOLE" in line)


@pytest.mark.slow
@pytest.mark.browser  # a real Chromium, like the journeys (CI runs it once, on SQLite)
def test_pages_run_in_chromium_without_a_policy_violation(database_url, summit, tmp_path):
    organiser = make_user("organiser", "csp@example.org")
    delegate = register(summit, route_id=summit.routes[0].id)
    item = db.session.scalars(db.select(ProgrammeItem).where(ProgrammeItem.summit_id == summit.id)).first()
    job = BadgeJob(summit_id=summit.id, total=1, done=0, status="queued", params={"ids": [delegate.delegate.id]},
                   created_by_id=organiser.id)
    db.session.add(job)
    db.session.commit()
    paths = [
        "/", "/agenda", "/routes", "/register", "/manage/lost-link", "/no-such-page", "/console/login",
        f"/manage/{delegate.manage_token}", f"/manage/{delegate.manage_token}/details",
        f"/manage/{delegate.manage_token}/cancel",
        "/console/", "/console/delegates", f"/console/delegates/{delegate.delegate.id}",
        f"/console/delegates/{delegate.delegate.id}/edit", f"/console/delegates/{delegate.delegate.id}/cancel",
        "/console/programme", "/console/programme/new", f"/console/programme/{item.id}/edit",
        f"/console/programme/{item.id}/delete", "/console/routes", f"/console/routes/{summit.routes[0].id}/edit",
        "/console/tokens", "/console/audit", "/console/exports", f"/console/routes/{summit.routes[0].id}/manifest",
        "/desk/badges", "/desk/checkin", "/desk/door", f"/desk/badges/batches/{job.id}",
    ]
    app = f"support.live_app:make(sign_in_as={organiser.email!r})"
    with gunicorn(database_url, app=app, workers=1, threads=4) as server:
        base = f"http://{server.host}:{server.port}"
        # The control: a page that breaks the policy on purpose is reported, so silence means something.
        dom, probe = browser_console(base + "/__csp-probe", tmp_path / "probe")
        assert probe.count("Content Security Policy") >= 3 and "<title>probe</title>" in dom, probe
        with ThreadPoolExecutor(max_workers=2) as pool:
            loaded = dict(zip(paths, pool.map(
                lambda n_path: browser_console(base + n_path[1], tmp_path / f"profile-{n_path[0]}"), enumerate(paths))))
    # Each page really rendered (styled, with its scripts), the staff pages signed in.
    for path, (dom, _) in loaded.items():
        assert "/static/css/summit.css" in dom, path
        assert ('type="password"' in dom) == (path == "/console/login"), path
    assert "door/door.js" in loaded["/desk/door"][0]
    assert "checkin.js" in loaded["/desk/checkin"][0] and "batch-progress.js" in loaded[paths[-1]][0]
    violations = {path: console for path, (_, console) in loaded.items() if "Content Security Policy" in console}
    assert violations == {}
