"""The delegate's form path (the form, its POST, her own page) asks the database a fixed, small number of
questions (issue 19): counted here so that a loop of queries (one a hotel, one a route) cannot creep back in.
BEGIN and the like are not counted: SQLite's are statements of ours, PostgreSQL's are the driver's."""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from summit.plumbing.extensions import db

from support.app import csrf_token

#: what each page asks today (SELECT, INSERT, UPDATE, DELETE)
MOST = {"form": 7, "post": 9, "own page": 9}


@contextmanager
def counted_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_the_form_path_asks_the_database_a_fixed_number_of_times(client, summit):
    asked = {}
    with counted_queries() as statements:
        page = client.get("/register")
        asked["form"] = len(statements)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "given_name": "Ada", "family_name": "Lovelace",
            "email": "ada@example.org", "organisation": "Ministry of Transport", "country": "GB",
            "category": "government", "consent": "y", "language": "en"}
    with counted_queries() as statements:
        posted = client.post("/register", data=data)
        asked["post"] = len(statements)
    assert posted.status_code == 302, posted.get_data(as_text=True)[:500]
    with counted_queries() as statements:
        own = client.get(posted.headers["Location"])
        asked["own page"] = len(statements)
    assert own.status_code == 200 and "ada@example.org" in own.get_data(as_text=True)
    assert all(asked[page] <= MOST[page] for page in MOST), (asked, MOST)


def test_the_country_list_is_built_once_and_marks_the_choice(client, summit):
    """The country select is HTML made once per language; the chosen country is still marked, the list whole."""
    page = client.post("/register", data={"country": "KE", "given_name": "Wanjiru"})  # no token: the form again
    html = page.get_data(as_text=True)
    select = re.search(r'<select[^>]*name="country"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert select.count("<option") > 240
    assert re.findall(r"<option selected[^>]*>", select) == ['<option selected value="KE">']
    zh = client.get("/register", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    zh_select = re.search(r'<select[^>]*name="country"[^>]*>(.*?)</select>', zh, re.S).group(1)
    assert ">肯尼亚<" in zh_select and "selected" not in zh_select
