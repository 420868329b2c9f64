"""What a visitor sees when something goes wrong: a calm page in their language, never a trace;
under /api/ a JSON body; on a crash, a reference that matches the log."""
from __future__ import annotations

import logging
import re
from html import unescape

import pytest

from summit.plumbing.extensions import db

from support.app import csrf_token, make_app

SECRET_PATH = "/manage/s3cretTokenNeverLogged"


def text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def assert_friendly(response, status: int, heading: str):
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert heading in text(html), text(html)[:600]
    # Ours, not Werkzeug's bare page: the site's header and the way home are there.
    assert 'class="site-header"' in html and 'href="/"' in html
    assert "Traceback" not in html and "Werkzeug" not in html


@pytest.fixture
def crashing_app(database_url):
    """The app with two views that fail the way a bug does."""
    app = make_app(database_url)

    def crash():
        raise RuntimeError("internal detail that must stay on the server")

    app.add_url_rule(SECRET_PATH + "/crash", "crash", crash)
    app.add_url_rule("/api/v1/crash", "api_crash", crash)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("lang, heading, apology", [
    ("en", "Something went wrong on our side.", "please quote this reference:"),
    ("zh", "服务器出现问题。", "请提供以下参考编号："),
])
def test_a_crash_shows_a_calm_page_with_a_reference_and_no_trace(crashing_app, caplog, lang, heading, apology):
    client = crashing_app.test_client()
    with caplog.at_level(logging.ERROR, logger="summit"):
        response = client.get(f"{SECRET_PATH}/crash?lang={lang}", headers={"X-Request-ID": "ref-2024-0925"})
    assert_friendly(response, 500, heading)
    page = text(response.get_data(as_text=True))
    assert apology in page and "ref-2024-0925" in page
    assert "internal detail" not in page and "RuntimeError" not in page
    assert response.headers["X-Request-ID"] == "ref-2024-0925"

    # The operator gets the traceback, with the delegate's secret masked out of the path.
    [record] = [r for r in caplog.records if r.name == "summit" and r.exc_info]
    assert record.exc_info[0] is RuntimeError
    assert "/manage/[secret]/crash" in record.getMessage()
    assert "s3cretTokenNeverLogged" not in caplog.text


def test_a_crash_under_the_api_is_json_with_the_reference(crashing_app):
    response = crashing_app.test_client().get("/api/v1/crash")
    assert response.status_code == 500 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == "internal_error" and "internal detail" not in body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", body["request_id"])


@pytest.mark.parametrize("lang, heading", [("en", "We could not find that page."), ("zh", "未找到该页面。")])
def test_an_unknown_page_is_a_friendly_404(client, summit, lang, heading):
    response = client.get(f"/no-such-page?lang={lang}")
    assert_friendly(response, 404, heading)
    assert ("返回首页" if lang == "zh" else "Back to the home page") in text(response.get_data(as_text=True))
    # No reference on a 4xx: nothing went wrong on our side.
    assert "reference" not in response.get_data(as_text=True)


@pytest.mark.parametrize("lang, heading", [("en", "That action is not available here."), ("zh", "此处不支持该操作。")])
def test_a_wrong_method_is_a_friendly_405(client, summit, lang, heading):
    assert_friendly(client.post(f"/agenda?lang={lang}"), 405, heading)


@pytest.mark.parametrize("lang, heading", [("en", "What you sent is too large."), ("zh", "提交的内容过大。")])
def test_a_body_over_the_limit_is_a_friendly_413(client, summit, lang, heading):
    response = client.post(f"/register?lang={lang}", data={"given_name": "x" * (2 * 1024 * 1024)})
    assert_friendly(response, 413, heading)


@pytest.mark.parametrize("lang, heading", [
    ("en", "We could not understand that request."), ("zh", "无法处理该请求。")])
def test_a_form_without_its_csrf_token_is_a_friendly_400(client, summit, lang, heading):
    assert_friendly(client.post(f"/console/logout?lang={lang}"), 400, heading)


@pytest.mark.parametrize("lang, heading", [("en", "Too many requests."), ("zh", "请求过于频繁。")])
def test_too_many_registrations_is_a_friendly_429(database_url, summit, lang, heading):
    app = make_app(database_url, RATELIMIT_ENABLED=True, REGISTRATION_RATE_LIMIT="1 per minute")
    client = app.test_client()
    token = csrf_token(client.get("/register").get_data(as_text=True))
    assert client.post(f"/register?lang={lang}", data={"csrf_token": token}).status_code == 422
    response = client.post(f"/register?lang={lang}", data={"csrf_token": token})
    assert_friendly(response, 429, heading)


def test_errors_under_the_api_stay_json(client, summit):
    assert client.get("/api/v1/nothing-here").get_json()["error"] == "not_found"
    assert client.delete("/api/v1/routes").get_json()["error"] == "method_not_allowed"
    response = client.post("/api/v1/registrations", data=b"{" * (1024 * 1024 + 1),
                           content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"] == "payload_too_large"


@pytest.mark.parametrize("lang, name, short", [("en", "Global Sustainable Transport Forum 2024", "GSTF 2024"),
                                               ("zh", "全球可持续交通高峰论坛", "全球可持续交通高峰论坛")])
def test_an_error_page_carries_the_summits_name_and_no_time_zone_note(client, summit, lang, name, short):
    response = client.get(f"/no-such-page?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    page = text(html)
    assert name in page and f"<title>404 · " in html  # the title, header and footer name the summit
    assert "Beijing time" not in page and "北京时间" not in page  # no times on the page: no note about them
    assert short in page


@pytest.mark.parametrize("lang, offer", [("en", "Get a new link"), ("zh", None)])
def test_an_unknown_manage_link_offers_a_new_one(client, summit, lang, offer):
    from babel.support import Translations
    from pathlib import Path

    if offer is None:
        offer = Translations.load(str(Path(__file__).parents[2] / "summit" / "translations"), ["zh"]).gettext("Get a new link")
    response = client.get(f"/manage/no-such-token?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert offer in text(html) and 'href="/manage/lost-link"' in html
    # elsewhere a 404 leads home only
    assert 'href="/manage/lost-link"' not in client.get("/no-such-page").get_data(as_text=True)
