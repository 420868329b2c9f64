"""The public reads' cache (summit/web/read_cache.py): served under the read version, never stale after a
write, ETag and 304, nothing personal kept.  The bound across worker processes: test_read_cache_live.py."""
from __future__ import annotations

import pytest

from summit.plumbing.extensions import db
from summit.plumbing import read_versions
from summit.services.programme import editing
from support.factories import delegate_data, make_delegate, route, set_capacity
from support.queries import data_statements

CACHED = ["/api/v1/routes", "/api/v1/agenda", "/agenda.ics", "/", "/agenda", "/routes"]


@pytest.mark.parametrize("path", CACHED)
def test_a_kept_read_costs_one_primary_key_select(app, client, summit, path):
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    with data_statements() as seen:
        again = client.get(path)
    assert again.status_code == 200 and again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "read_version" in selects[0], seen


@pytest.mark.parametrize("path", CACHED)
def test_a_kept_answer_carries_the_first_answers_headers_once_each(client, summit, path):
    """Served from the cache, a read says what it said when it was made: its security headers, its Vary
    (a shared cache must keep each language apart), each header once; only the date and request id are new."""
    def headers(response):
        return sorted((k, v) for k, v in response.headers.items() if k not in ("Date", "X-Request-ID"))

    first = client.get(path)
    kept = client.get(path)
    assert headers(kept) == headers(first)
    assert kept.headers.getlist("Vary") == ["Accept-Language, Cookie"]
    assert len({k.lower() for k, _ in kept.headers.items()}) == len(kept.headers), kept.headers
    assert kept.headers["Content-Security-Policy"].startswith("default-src 'self'")


@pytest.mark.parametrize("path", CACHED)
def test_an_unchanged_read_is_a_304(client, summit, path):
    etag = client.get(path).headers["ETag"]
    answer = client.get(path, headers={"If-None-Match": etag})
    assert answer.status_code == 304 and answer.data == b"" and answer.headers["ETag"] == etag
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_a_seat_taken_shows_at_once(client, summit):
    before = client.get("/api/v1/routes")
    assert before.get_json()["routes"][0]["remaining"] == 40
    taken = client.post("/api/v1/registrations", json=delegate_data(route_id=before.get_json()["routes"][0]["id"]))
    assert taken.status_code == 201
    after = client.get("/api/v1/routes", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.get_json()["routes"][0]["remaining"] == 39
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "39" in client.get("/routes").get_data(as_text=True)


PROGRAMME_ONLY = ["/api/v1/agenda", "/agenda.ics", "/agenda"]
WITH_PLACES = ["/api/v1/routes", "/", "/routes"]


def test_a_seat_taken_leaves_the_agenda_kept_and_moves_every_page_of_places(client, summit):
    """The crowd registering must not empty the cache of the crowd reading: a seat moves only the places'
    number, so the agenda and its feeds (no places in them) stay kept; every page that shows places changes."""
    first = {path: client.get(path) for path in PROGRAMME_ONLY + WITH_PLACES}
    r1 = client.get("/api/v1/routes").get_json()["routes"][0]
    assert client.post("/api/v1/registrations", json=delegate_data(route_id=r1["id"])).status_code == 201

    for path in PROGRAMME_ONLY:
        with data_statements() as seen:
            again = client.get(path, headers={"If-None-Match": first[path].headers["ETag"]})
        assert again.status_code == 304, path
        assert len(seen) == 1 and "read_version" in seen[0], (path, seen)
    for path in WITH_PLACES:
        again = client.get(path, headers={"If-None-Match": first[path].headers["ETag"]})
        assert again.status_code == 200 and again.headers["ETag"] != first[path].headers["ETag"], path
    assert client.get("/api/v1/routes").get_json()["routes"][0]["remaining"] == r1["remaining"] - 1


def test_a_programme_edit_moves_the_agenda_and_the_pages_of_places_too(client, summit):
    first = {path: client.get(path).headers["ETag"] for path in PROGRAMME_ONLY + WITH_PLACES}
    item = editing.get_item(summit, client.get("/api/v1/agenda").get_json()["items"][0]["id"])
    editing.set_cancelled(item, True, None)
    for path in PROGRAMME_ONLY + WITH_PLACES:
        assert client.get(path, headers={"If-None-Match": first[path]}).status_code == 200, path
    assert client.get("/agenda.ics").get_data(as_text=True).count("STATUS:CANCELLED") == 1
    # a route's details (not a counter) move the pages of places as well
    places = {path: client.get(path).headers["ETag"] for path in WITH_PLACES}
    set_capacity(route(summit, "R1"), 12)
    for path in WITH_PLACES:
        assert client.get(path, headers={"If-None-Match": places[path]}).status_code == 200, path
    assert client.get("/api/v1/routes").get_json()["routes"][0]["capacity"] == 12


def test_every_kind_of_writer_moves_the_version(app, client, summit):
    def version():
        db.session.rollback()
        return read_versions.current(db.session)

    steps = []
    start = version()
    make_delegate(summit, route="R2")  # a booking (Core statements in services/visits/capacity.py)
    steps.append(version())
    set_capacity(route(summit, "R3"), 30)  # a route edited through the ORM
    steps.append(version())
    ics = client.get("/agenda.ics").get_data(as_text=True)
    item = editing.get_item(summit, client.get("/api/v1/agenda").get_json()["items"][0]["id"])
    editing.set_cancelled(item, True, None)  # a programme edit
    steps.append(version())
    summit.short_name_en = "GSTF!"  # a summit edit
    db.session.commit()
    steps.append(version())
    assert [start, *steps] == sorted(set([start, *steps])), steps
    assert client.get("/agenda.ics").get_data(as_text=True).count("STATUS:CANCELLED") == ics.count("STATUS:CANCELLED") + 1
    assert client.get("/api/v1/routes").get_json()["routes"][2]["capacity"] == 30


def test_a_rolled_back_write_moves_nothing(app, summit):
    before = read_versions.current(db.session)
    route(summit, "R1").capacity = 12
    db.session.flush()
    db.session.rollback()
    assert read_versions.current(db.session) == before


def test_each_language_has_its_own_copy(app, client, summit):
    en = client.get("/routes", headers={"Accept-Language": "en"})
    zh = client.get("/routes", headers={"Accept-Language": "zh"})
    assert en.data != zh.data and en.headers["ETag"] != zh.headers["ETag"]
    assert 'lang="zh' in zh.get_data(as_text=True) and 'lang="en' in en.get_data(as_text=True)
    assert client.get("/routes", headers={"Accept-Language": "en"}).data == en.data
    # The language cookie picks the copy too, and ?lang= still sets the cookie when the answer is a kept one.
    first = client.get("/routes?lang=zh")
    kept = app.test_client().get("/routes?lang=zh")
    assert kept.data == first.data and "summit_lang=zh" in kept.headers.get("Set-Cookie", "")
    assert client.get("/routes").data == zh.data  # the cookie, no header


def test_a_visitor_with_a_session_is_never_served_a_kept_page(app, client, summit):
    client.get("/")  # kept, for visitors without cookies
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Only for you")]
    page = client.get("/")
    assert "Only for you" in page.get_data(as_text=True)
    client.delete_cookie("session", domain="summit.test")
    assert "Only for you" not in client.get("/").get_data(as_text=True)


def test_a_page_that_touches_the_session_is_not_kept(app, summit):
    app.view_functions["public.agenda_page"] = _flashing(app.view_functions["public.agenda_page"])
    client = app.test_client()
    first = client.get("/agenda").get_data(as_text=True)
    assert "Flash for the first visitor" in first
    # Had that answer been kept, the next visitor would see the first one's flash.
    assert "Flash for the first visitor" not in app.test_client().get("/agenda").get_data(as_text=True)


def _flashing(view):
    from flask import flash

    calls = []

    def flashing(*args, **kwargs):
        if not calls:
            flash("Flash for the first visitor")
        calls.append(1)
        return view(*args, **kwargs)
    return flashing
