"""Console users for the tests: made with the real account service, signed in through the real login page."""
from __future__ import annotations

import re
from html import unescape

from summit.services.console import accounts

from support.app import csrf_token

PASSWORD = "a long enough password"


def make_user(role: str, email: str | None = None):
    return accounts.save_user(email or f"{role}@example.org", role, PASSWORD)


def same_origin(client):
    """Browsers send a Referer on same-origin form posts; over HTTPS, CSRF protection insists on it."""
    client.environ_base["HTTP_REFERER"] = "https://summit.test/console/"
    return client


def sign_in(client, role: str, email: str | None = None):
    """The client, signed in as a new (or updated) account with this role."""
    user = make_user(role, email)
    same_origin(client)
    page = client.get("/console/login").get_data(as_text=True)
    response = client.post("/console/login", data={
        "csrf_token": csrf_token(page), "email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def api_token(role: str, email: str | None = None) -> dict:
    user = make_user(role, email)
    _, token = accounts.issue_token(user.email, "tests")
    return {"Authorization": f"Bearer {token}"}


def page_csrf(client, url: str) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def text(html: str) -> str:
    """The page's visible text, tags dropped and spaces folded, for plain assertions."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(a|strong|em|span|time|b|i|del|ins|code|bdi)\b[^>]*>", "", html)  # inline: no gap
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def csv_rows(export: str) -> list[dict]:
    """An export's rows as a script reads them: the last line, "# Downloaded by …", is a comment."""
    import csv
    import io

    return list(csv.DictReader(line for line in io.StringIO(export) if not line.startswith("#")))
