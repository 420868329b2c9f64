"""Public pages in both languages, Beijing times whatever the server's zone, the public JSON."""
from __future__ import annotations

import os
import re
import time
from html import unescape

import pytest
from babel.messages.pofile import read_po

from summit import PACKAGE_DIR

PAGES = ["/", "/agenda", "/routes"]


def english_msgids() -> list[str]:
    with open(PACKAGE_DIR / "translations" / "en" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    ids = []
    for message in catalog:
        for msgid in (message.id if isinstance(message.id, tuple) else (message.id,)):
            # Compare the text around placeholders; skip words too short to be telling.
            ids.extend(part.strip() for part in re.split(r"%\(\w+\)[sd]", msgid) if len(part.strip()) > 6)
    return ids


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_in_chinese_has_no_english_ui_text(client, summit, path):
    response = client.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    text = visible_text(response.get_data(as_text=True))
    leftovers = [msgid for msgid in english_msgids() if msgid in text]
    assert leftovers == []
    assert "北京时间" in text and "全球可持续交通高峰论坛" in text


@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_in_english_is_english(client, summit, path):
    response = client.get(path, headers={"Accept-Language": "en-GB"})
    text = visible_text(response.get_data(as_text=True))
    assert "Beijing time" in text and "Global Sustainable Transport Forum 2024" in text
    # Chinese appears only as the name of the language switch.
    assert re.findall(r"[\u4e00-\u9fff]+", text) == ["中文"]


def test_accept_language_picks_the_default_and_the_switch_sticks(client, summit):
    assert 'lang="zh-Hans"' in client.get("/", headers={"Accept-Language": "zh-TW,zh;q=0.8"}).get_data(as_text=True)
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    switched = client.get("/agenda?lang=zh", headers={"Accept-Language": "en"})
    assert "summit_lang=zh" in switched.headers["Set-Cookie"]
    # The next page, with an English browser, stays in Chinese.
    assert "日程" in client.get("/routes", headers={"Accept-Language": "en"}).get_data(as_text=True)
    page = client.get("/routes?lang=en").get_data(as_text=True)
    assert 'href="?lang=zh"' in page and 'href="?lang=en"' in page


def test_language_switch_route_never_redirects_off_site(client, summit):
    assert client.get("/language/zh?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/language/zh?next=//evil.example/").headers["Location"] == "/"
    assert client.get("/language/en?next=/agenda").headers["Location"] == "/agenda"


def test_agenda_shows_beijing_times_whatever_the_servers_zone(client, summit):
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        text = visible_text(client.get("/agenda?lang=en").get_data(as_text=True))
        zh = visible_text(client.get("/agenda?lang=zh").get_data(as_text=True))
    finally:
        if previous is None:
            os.environ.pop("TZ")
        else:
            os.environ["TZ"] = previous
        time.tzset()
    day1, day2 = text.split("Wednesday 25 September 2024")[1].split("Thursday 26 September 2024")
    assert re.findall(r"\d\d:\d\d", day1)[:2] == ["09:00", "10:30"]
    assert "Opening Ceremony and Plenary Session" in day1 and "Welcome Banquet" in day1
    assert re.findall(r"\d\d:\d\d", day2)[:2] == ["09:00", "10:45"]
    assert "Technical Visit" in day2 and "Technical Visit" not in day1
    assert "2024年9月25日星期三" in zh and "2024年9月26日星期四" in zh


def test_routes_page_shows_stops_and_places_left(client, summit):
    text = visible_text(client.get("/routes?lang=zh").get_data(as_text=True))
    for stop in ("自动驾驶示范区", "京郊农村公路", "北京大兴国际机场", "天津港自动化码头"):
        assert stop in text
    assert "视情微调" in text
    assert text.count("剩余 40 个名额") == 4
    english = visible_text(client.get("/routes?lang=en").get_data(as_text=True))
    assert english.count("40 places left") == 4 and "Subject to adjustment" in english


def test_pages_load_nothing_from_outside_the_app(client, summit):
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", url), url


def test_missing_page_is_a_friendly_bilingual_404(client, summit):
    response = client.get("/no-such-page?lang=zh")
    assert response.status_code == 404
    assert "未找到该页面" in response.get_data(as_text=True)
    assert "We could not find that page." in client.get("/no-such-page?lang=en").get_data(as_text=True)


def test_home_without_a_seeded_summit_explains_instead_of_crashing(client):
    response = client.get("/")
    assert response.status_code == 404
    assert "flask --app summit seed" in response.get_data(as_text=True)
    api = client.get("/api/v1/agenda")
    assert api.status_code == 404 and api.get_json()["error"] == "no_summit"
