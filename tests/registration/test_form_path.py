"""The delegate's form path (the form, its POST, her own page), kept cheap (issue 19).

It asks the database a fixed, small number of questions: counted here so that a loop of queries (one a hotel,
one a route) cannot creep back in (BEGIN and the like are not counted: SQLite's are statements of ours,
PostgreSQL's are the driver's). The blank form is one page for everyone but its CSRF token: kept, and shown
anew as soon as what it shows changes (a place taken, a room booked)."""
from __future__ import annotations

import re

from sqlalchemy import select

from summit.models import Hotel
from summit.plumbing.extensions import db
from summit.web import read_cache

from support.app import csrf_token
from support.console_support import text
from support.factories import route
from support.queries import data_statements

#: what each page asks today (SELECT, INSERT, UPDATE, DELETE); "form again": the kept form (the read version
#: only); the own page's count includes the read version its kept route details are under
MOST = {"form": 8, "form again": 1, "post": 5, "own page": 7}


def test_the_form_path_asks_the_database_a_fixed_number_of_times(app, client, summit):
    asked = {}
    with data_statements() as statements:
        page = client.get("/register")
        asked["form"] = len(statements)
    assert page.status_code == 200
    with data_statements() as statements:
        assert app.test_client().get("/register").status_code == 200
        asked["form again"] = len(statements)
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "given_name": "Ada", "family_name": "Lovelace",
            "email": "ada@example.org", "organisation": "Ministry of Transport", "country": "GB",
            "category": "government", "consent": "y", "language": "en"}
    with data_statements() as statements:
        posted = client.post("/register", data=data)
        asked["post"] = len(statements)
    assert posted.status_code == 302, posted.get_data(as_text=True)[:500]
    with data_statements() as statements:
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


def _places_left(html: str, code: str) -> str:
    return text(html.split(f'id="choose-{code}"', 1)[1].split("</label>", 1)[0])


def test_the_kept_form_gives_each_visitor_a_token_of_their_own_and_follows_every_change(app, summit):
    ada, bo = app.test_client(), app.test_client()
    first, second = (c.get("/register").get_data(as_text=True) for c in (ada, bo))
    assert read_cache.TOKEN_SLOT not in first + second
    assert csrf_token(first) != csrf_token(second)
    before = _places_left(second, "R1")
    r1 = route(summit, "R1")
    data = delegate_form_data(csrf_token(first), route=str(r1.id))
    assert ada.post("/register", data=data).status_code == 302  # her own token works
    after = app.test_client().get("/register").get_data(as_text=True)
    assert _places_left(after, "R1") != before, before  # the place she took shows gone at once
    shown = re.findall(r"(\d+) rooms? left", after)
    hotel = db.session.scalars(select(Hotel).order_by(Hotel.distance_km)).first()
    hotel.nights[0].rooms -= 1  # an organiser's change of the block
    db.session.commit()
    assert re.findall(r"(\d+) rooms? left", app.test_client().get("/register").get_data(as_text=True)) != shown
    zh = app.test_client().get("/register?lang=zh").get_data(as_text=True)
    assert 'lang="zh' in zh and csrf_token(zh)


def delegate_form_data(token: str, **more) -> dict:
    return {"csrf_token": token, "given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.org",
            "organisation": "Ministry of Transport", "country": "GB", "category": "government", "consent": "y",
            "language": "en", **more}


def test_wtforms_own_messages_are_in_the_page_language_from_a_catalogue_loaded_once(app):
    from summit.web.form_messages import form_translations

    seen = {}
    for lang, expected in (("zh", "不是有效的选择。"), ("en", "Not a valid choice."), ("zh", "不是有效的选择。")):
        with app.app_context(), app.test_request_context(f"/register?lang={lang}"):  # its own g, as a request has
            catalogue = form_translations()
            assert catalogue.gettext("Not a valid choice.") == expected
            assert seen.setdefault(lang, catalogue) is catalogue  # not read from disk again


def test_a_route_changed_the_night_before_shows_on_the_delegates_page_and_the_form_at_once(app, client, summit):
    """The route details are kept between pages (read_cache.kept_fragment), under the read version: an organiser's
    change is on the next page, in either language, not after the cache forgets."""
    from summit.models import VisitRoute
    from support.factories import register

    route = db.session.scalars(db.select(VisitRoute).order_by(VisitRoute.code)).first()
    done = register(summit, route_id=route.id)
    db.session.commit()
    own_page = f"/manage/{done.manage_token}"
    for lang in ("en", "zh"):
        assert client.get(f"{own_page}?lang={lang}").status_code == 200
        assert client.post("/register", data={"lang": lang}).status_code in (400, 422)  # the form shown again
    route = db.session.get(VisitRoute, route.id)
    route.transport_en, route.transport_zh = "Electric coach, gate 3", "电动大巴，3号门"
    db.session.commit()
    for lang, transport in (("en", "Electric coach, gate 3"), ("zh", "电动大巴，3号门")):
        for page in (client.get(f"{own_page}?lang={lang}"), client.post(f"/register?lang={lang}", data={})):
            html = page.get_data(as_text=True)
            assert transport in html
            assert '<div class="route-details">' in html and "&lt;div" not in html  # kept as HTML, not escaped again


def test_each_delegate_sees_their_own_choice_in_the_kept_route_options(app, client, summit):
    """The route options on a delegate's page are kept (read_cache.kept_fragment) under what they show of the
    delegate: the route they hold, its status, the one they wait for. Each sees their own; a place taken by
    someone else shows on the next page of everyone."""
    from support.factories import register, set_capacity

    def options(token: str) -> str:
        html = client.get(f"/manage/{token}?lang=en").get_data(as_text=True)
        return html[html.index('<fieldset class="field route-options'):html.index('name="shown_full"')]

    def checked(html: str) -> list[str]:
        return re.findall(r'name="route" value="(\d*)" checked', html)

    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r2, 1)
    on_r1 = register(summit, email="one@example.org", route_id=r1.id)
    on_r2 = register(summit, email="two@example.org", route_id=r2.id)
    waiting = register(summit, email="three@example.org", route_id=r2.id, join_waitlist=True)
    none = register(summit, email="four@example.org")
    set_capacity(route(summit, "R1"), 1)  # R1 full too: a confirmed place elsewhere may be kept while waiting
    db.session.commit()
    seen = {name: options(done.manage_token) for name, done in
            (("r1", on_r1), ("r2", on_r2), ("waiting", waiting), ("none", none))}
    assert checked(seen["r1"]) == [str(r1.id)] and checked(seen["r2"]) == [str(r2.id)]
    assert checked(seen["none"]) == [""] and "your current choice" not in seen["none"]
    assert seen["r1"].count("your current choice") == 1 and checked(seen["waiting"]) == [str(r2.id)]
    # Confirmed on R2, the delegate may keep that place while waiting for R1; waiting for R2, there is none to keep.
    assert "Keep my place on R2 until a place frees on R1" in seen["r2"]
    assert "Keep my place" not in seen["waiting"] and "Join its waiting list" in seen["waiting"]
    # Asked again, each page is its own still (the kept copies answer now).
    assert options(on_r1.manage_token) == seen["r1"] and options(none.manage_token) == seen["none"]
    # A place freed by someone else shows on the next page of everyone.
    assert 'id="choose-R1"' in seen["none"] and 'class="route-option is-full" id="choose-R1"' in seen["none"]
    set_capacity(route(summit, "R1"), 5)
    db.session.commit()
    assert 'class="route-option" id="choose-R1"' in options(none.manage_token)
