"""No secret reaches a log: manage links, calendar links, passwords, API tokens, the SECRET_KEY.

The app runs as in production (SUMMIT_ENV=production, mail through a real SMTP conversation) with
every logger at DEBUG, SQLAlchemy's statement log included, while a delegate registers (page and
API), loses and renews their link, resets their calendar link, fetches their calendar, an organiser
signs in (once mistyping the password), makes an API token and uses it, and a manage page fails with
a 500.  The control:
in development the very same registration does log its link (the email goes to the log there),
so the capture is known to see what it should.  Gunicorn's access log is checked on a live server.
"""
from __future__ import annotations

import email
import http.client
import logging
import re
from email import policy

import pytest

from support.app import _empty_tables, csrf_token, make_app
from support.console_support import PASSWORD, make_user, same_origin
from support.factories import delegate_data
from support.live_server import gunicorn
from support.smtp_sink import smtp_sink
from summit.services.accreditation import delegations
from summit.plumbing.extensions import db
from summit.plumbing.mail_transport import wait_for_pending_mail
from summit.services.summits.seeding import seed_summit
from summit.services.summits.current import current_summit
from tests.support.data_key import TEST_DATA_KEY

SECRET_KEY = "production-secret-key-3f9c0a7e5d1b"
WRONG_PASSWORD = "not the password but close 7f3a"
MANAGE = re.compile(r"/manage/([A-Za-z0-9_-]{20,})")


@pytest.fixture
def everything_at_debug(caplog):
    """Every logger that exists, and the root, at DEBUG (caplog puts the levels back afterwards)."""
    caplog.set_level(logging.DEBUG)
    for name in ["summit", "summit.mail", "sqlalchemy.engine", "werkzeug", "flask_limiter", "flask_wtf",
                 *logging.root.manager.loggerDict]:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def production_app(database_url, monkeypatch, **overrides):
    monkeypatch.setenv("SUMMIT_ENV", "production")
    monkeypatch.setenv("DATA_KEY", TEST_DATA_KEY)
    return make_app(database_url, SECRET_KEY=SECRET_KEY, **overrides)


def mail_body(raw: str) -> str:
    return email.message_from_string(raw, policy=policy.default).get_body(("plain",)).get_content()


def logged(caplog, capfd) -> str:
    """All that was logged: the records (messages, tracebacks) and whatever reached stdout or stderr."""
    out, err = capfd.readouterr()
    records = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    return "\n".join([caplog.text, records, out, err])


def test_production_logs_no_secret(database_url, monkeypatch, everything_at_debug, capfd):
    caplog = everything_at_debug
    with smtp_sink() as (host, port, inbox):
        app = production_app(database_url, monkeypatch, MAIL_SERVER=host, MAIL_PORT=port, MAIL_USE_TLS=False)

        @app.get("/manage/<token>/explode")
        def _explode(token):
            raise RuntimeError("a bug on a manage page")

        secrets = {"SECRET_KEY": SECRET_KEY, "password": PASSWORD, "mistyped password": WRONG_PASSWORD}
        try:
            with app.app_context():
                assert app.config["SUMMIT_ENV"] == "production" and app.config["SESSION_COOKIE_SECURE"]
                seed_summit()
                summit = current_summit()
                make_user("organiser", "organiser@example.org")
                client = same_origin(app.test_client())

                # A delegate registers on the page: the redirect and the email carry the manage link.
                page = client.get("/register").get_data(as_text=True)
                typed = delegate_data(route_id=summit.routes[0].id)
                form = {**{k: v for k, v in typed.items() if k not in ("consent", "route_id")},
                        "route": str(typed["route_id"]), "consent": "y", "csrf_token": csrf_token(page)}
                response = client.post("/register", data=form)
                assert response.status_code == 302, response.get_data(as_text=True)
                secrets["manage link (page)"] = MANAGE.search(response.headers["Location"]).group(1)
                assert client.get(response.headers["Location"]).status_code == 200
                wait_for_pending_mail()
                assert secrets["manage link (page)"] in mail_body(inbox[-1])

                # Another through the API; they fetch their own registration and calendar.
                answer = client.post("/api/v1/registrations", json=delegate_data()).get_json()
                secrets["manage token (API)"] = answer["token"]
                secrets["calendar link"] = re.search(r"/calendar/([^/]+)\.ics", answer["calendar_url"]).group(1)
                bearer = {"Authorization": f"Bearer {answer['token']}"}
                assert client.get("/api/v1/registrations/self", headers=bearer).status_code == 200
                assert client.get(answer["calendar_url"]).status_code == 200

                # The first delegate lost their link and asks for a new one.
                page = client.get("/manage/lost-link").get_data(as_text=True)
                response = client.post("/manage/lost-link", data={"email": typed["email"],
                                                                  "csrf_token": csrf_token(page)})
                assert response.status_code == 302
                wait_for_pending_mail()
                secrets["new manage link"] = MANAGE.search(mail_body(inbox[-1])).group(1)
                assert secrets["new manage link"] != secrets["manage link (page)"]
                # They open it and confirm, then reset their calendar link as the page offers.
                new_page = f"/manage/{secrets['new manage link']}"
                page = client.get(new_page).get_data(as_text=True)
                assert client.post(new_page + "/open", data={"csrf_token": csrf_token(page)}).status_code == 302
                page = client.get(new_page + "/calendar-reset").get_data(as_text=True)
                assert client.post(new_page + "/calendar-reset",
                                   data={"csrf_token": csrf_token(page)}).status_code == 302
                secrets["reset calendar link"] = re.search(
                    r"/calendar/([^/\"]+)\.ics", client.get(new_page).get_data(as_text=True)).group(1)

                # An organiser mistypes the password, signs in, makes an API token and uses it.
                page = client.get("/console/login").get_data(as_text=True)
                assert client.post("/console/login", data={"email": "organiser@example.org", "password": WRONG_PASSWORD,
                                                           "csrf_token": csrf_token(page)}).status_code == 401
                page = client.get("/console/login").get_data(as_text=True)
                assert client.post("/console/login", data={"email": "organiser@example.org", "password": PASSWORD,
                                                           "csrf_token": csrf_token(page)}).status_code == 302
                page = client.get("/console/tokens").get_data(as_text=True)
                made = client.post("/console/tokens", data={"label": "door scanner", "csrf_token": csrf_token(page)})
                assert made.status_code == 201
                secrets["API token"] = re.search(r'class="token-once".*?<code>([^<]+)</code>', made.get_data(as_text=True),
                                                 re.S).group(1)
                api = {"Authorization": f"Bearer {secrets['API token']}"}
                assert client.get("/api/v1/delegates", headers=api).status_code == 200
                assert client.get("/api/v1/delegates", headers={"Authorization": "Bearer guessed"}).status_code == 401

                # A manage page fails: the traceback is logged, its path without the secret.
                assert client.get(f"/manage/{secrets['manage token (API)']}/explode").status_code == 500
                db.session.remove()
                db.engine.dispose()
        finally:
            _empty_tables(database_url)

    text = logged(caplog, capfd)
    assert "unhandled error on GET /manage/[secret]/explode" in text and "RuntimeError" in text
    assert "INSERT INTO delegate " in text  # the SQL log was on: secrets never even reach the database
    leaked = {name for name, value in secrets.items() if value in text}
    assert leaked == set()


def test_production_logs_no_personal_field(database_url, monkeypatch, everything_at_debug, capfd):
    """Issue 17: no name, email, phone or dietary text reaches any log at DEBUG in production, while a delegate
    registers, visits their manage page, an organiser exports the list and the desk checks them in.
    (Passport numbers join ``personal`` with the travel issue's registration field.)"""
    from summit.models import Delegate
    from summit.services.checkin.codes import checkin_code
    from support.console_support import api_token

    caplog = everything_at_debug
    mark = "Qxzvk"
    personal = {"given name": f"Zhaoyun{mark}", "family name": f"Wenqiang{mark}", "email": f"person.{mark.lower()}@example.org",
                "phone": "+86 139 4417 2093", "native name": f"赵云{mark}", "dietary": f"No pork, halal only {mark}",
                "accessibility": f"Hearing loop please {mark}"}
    with smtp_sink() as (host, port, inbox):
        app = production_app(database_url, monkeypatch, MAIL_SERVER=host, MAIL_PORT=port, MAIL_USE_TLS=False)
        try:
            with app.app_context():
                seed_summit()
                make_user("organiser", "organiser@example.org")
                client = same_origin(app.test_client())
                # registration on the page, with every personal field
                page = client.get("/register").get_data(as_text=True)
                typed = delegate_data(given_name=personal["given name"], family_name=personal["family name"],
                                      email=personal["email"], phone=personal["phone"],
                                      native_name=personal["native name"], dietary_needs=personal["dietary"],
                                      accessibility_needs=personal["accessibility"], banquet=True)
                form = {**{k: v for k, v in typed.items() if k != "consent"}, "banquet": "y", "consent": "y", "sensitive_consent": "y",
                        "csrf_token": csrf_token(page)}
                response = client.post("/register", data=form)
                assert response.status_code == 302, response.get_data(as_text=True)
                # the manage page, which shows their details back
                manage = client.get(response.headers["Location"]).get_data(as_text=True)
                assert personal["given name"] in manage
                wait_for_pending_mail()
                # an organiser exports the list (CSV and Excel)
                page = client.get("/console/login").get_data(as_text=True)
                assert client.post("/console/login", data={"email": "organiser@example.org", "password": PASSWORD,
                                                           "csrf_token": csrf_token(page)}).status_code == 302
                export = client.get("/console/exports/delegates.csv").get_data(as_text=True)
                assert personal["dietary"] in export and personal["email"] in export
                assert client.get("/console/exports/delegates.xlsx").status_code == 200
                assert personal["dietary"] in client.get("/console/banquet").get_data(as_text=True)
                # the desk checks them in (the scanner's API), then looks them up
                delegate = db.session.scalars(db.select(Delegate).where(Delegate.email == personal["email"])).one()
                staff = api_token("staff", "desk@example.org")
                checked = client.post("/api/v1/checkins", json={"code": checkin_code(delegate)}, headers=staff)
                assert checked.status_code in (200, 201), checked.get_json()
                db.session.remove()
                db.engine.dispose()
        finally:
            _empty_tables(database_url)

    text = logged(caplog, capfd)
    assert "INSERT INTO delegate " in text and "SELECT" in text  # the SQL log was on, at DEBUG
    leaked = {name for name, value in personal.items() if value in text}
    assert leaked == set(), text[:0] or leaked


def test_production_without_mail_says_so_and_logs_no_link(database_url, monkeypatch, everything_at_debug, capfd):
    app = production_app(database_url, monkeypatch, MAIL_SERVER=None)
    try:
        with app.app_context():
            seed_summit()
            answer = app.test_client().post("/api/v1/registrations", json=delegate_data()).get_json()
            db.session.remove()
            db.engine.dispose()
    finally:
        _empty_tables(database_url)
    text = logged(everything_at_debug, capfd)
    assert "was not sent" in text
    assert answer["token"] not in text and "/manage/" not in text


def test_development_does_log_the_link_so_the_capture_sees(database_url, everything_at_debug, capfd):
    """The control: without SMTP in development the email, link included, goes to the log on purpose."""
    app = make_app(database_url, MAIL_SERVER=None)
    try:
        with app.app_context():
            assert app.config["SUMMIT_ENV"] == "development"
            seed_summit()
            answer = app.test_client().post("/api/v1/registrations", json=delegate_data()).get_json()
            wait_for_pending_mail()  # the mail thread writes it, after the answer
            db.session.remove()
            db.engine.dispose()
    finally:
        _empty_tables(database_url)
    assert answer["token"] in logged(everything_at_debug, capfd)


@pytest.mark.slow
def test_the_access_log_hides_the_secrets_in_paths_and_headers(database_url, summit, tmp_path):
    access = tmp_path / "access.log"
    args = ("--access-logfile", str(access), "--logger-class", "summit.plumbing.access_log.RedactingLogger",
            "--access-logformat", '%(h)s "%(r)s" %(s)s "%(f)s" "%(a)s" %(U)s %({authorization}i)s %({location}o)s')
    focal = delegations.create_delegation(summit, {
        "name_zh": "代表团", "name_en": "A delegation", "country": "KE", "focal_name": "Focal Point",
        "focal_email": "focal@example.org", "places": 5}, None).token
    with gunicorn(database_url, workers=1, threads=2, extra_args=args) as server:
        status, answer = server.call("POST", "/api/v1/registrations", delegate_data())
        assert status == 201
        token = answer["token"]
        calendar_path = "/calendar/" + answer["calendar_url"].split("/calendar/", 1)[1]

        for path, headers in [(f"/manage/{token}", {"Referer": f"http://x/manage/{token}/details"}),
                              (calendar_path, {}), ("/manage/lost-link", {}),
                              ("/api/v1/registrations/self", {"Authorization": f"Bearer {token}"}),
                              (f"/delegation/{focal}", {"Referer": f"http://x/delegation/{focal}/members/1"}),
                              ("/api/v1/delegations/self", {"Authorization": f"Bearer {focal}"})]:
            conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
            conn.request("GET", path, headers=headers)
            assert conn.getresponse().status == 200, path
            conn.close()
    log = access.read_text()
    calendar_secret = calendar_path.removeprefix("/calendar/").removesuffix(".ics")
    assert token not in log and calendar_secret not in log and focal not in log, log
    # Still useful: which page, and when.
    assert log.count("/manage/[secret]") >= 2 and "/calendar/[secret].ics" in log and "/manage/lost-link" in log
    assert log.count("/delegation/[secret]") >= 2 and "/api/v1/delegations/self" in log
    assert "Bearer" not in log


def _fully_decoded(text: str) -> str:
    from urllib.parse import unquote

    while (decoded := unquote(text)) != text:
        text = decoded
    return text


ODD_SPELLINGS = [  # each reaches, or is read by a server or browser as, a manage or calendar link
    "/manage//{m}", "/manage/./{m}", "/manage/.//{m}/route", "/x/../manage/{m}", "/calendar//{c}.ics",
    "/calendar/./{c}.ics", "/manage/%2e/{m}", "/manage%2F{m}", "/%6Danage/{m}", "/manage/%41{m}",
    "/language/en?next=%252Fmanage%252F%252F{m}",
]


@pytest.mark.slow
@pytest.mark.parametrize("logger", ["shipped", "custom format"])
def test_the_access_log_hides_secrets_however_the_path_is_spelled(database_url, summit, tmp_path, logger):
    if logger == "shipped":  # the JSON access log of summit/gunicorn_conf.py, on stdout
        options = {"config": "python:summit.gunicorn_conf", "logs": tmp_path,
                   "env": {"SUMMIT_WORKERS": "1", "SUMMIT_THREADS": "2"}}
        log_file = tmp_path / "stdout.log"
    else:  # an operator's own format on RedactingLogger, with the raw request line, redirects and referers
        log_file = tmp_path / "access.log"
        options = {"workers": 1, "threads": 2, "extra_args": (
            "--access-logfile", str(log_file), "--logger-class", "summit.plumbing.access_log.RedactingLogger",
            "--access-logformat", '"%(r)s" %(s)s %(U)s %(q)s "%(f)s" %({location}o)s %({referer}i)s')}
    with gunicorn(database_url, **options) as server:
        status, answer = server.call("POST", "/api/v1/registrations", delegate_data())
        assert status == 201
        manage = answer["token"]
        calendar = answer["calendar_url"].split("/calendar/", 1)[1].removesuffix(".ics")
        statuses = {}
        for spelling in ODD_SPELLINGS:
            path = spelling.format(m=manage, c=calendar)
            status, headers, _ = server.fetch("GET", path, {"Referer": f"http://x//manage//{manage}"})
            statuses[spelling] = (status, headers.get("location", ""))
    assert statuses["/manage//{m}"][0] == 308 and manage in statuses["/manage//{m}"][1]  # the redirect names it
    assert statuses["/calendar//{c}.ics"][0] in (200, 308)
    log = log_file.read_text()
    assert log.count("[secret]") >= len(ODD_SPELLINGS)
    for secret in (manage, calendar):
        assert secret not in _fully_decoded(log), log
