"""Staff desk pages: print one badge or a batch with a progress bar, and the door's check-in page."""
from __future__ import annotations

import re
import time
from io import BytesIO

import pytest
from support.badge_helpers import login, staff_user
from pypdf import PdfReader

from support.app import csrf_token
from support.factories import make_delegate, register
from summit.plumbing.extensions import db
from summit.models import BadgeJob, Delegate
from summit.services.checkin.codes import checkin_code


def post(client, url, **kwargs):
    """POST as a browser does: over HTTPS with the page's address as Referer (Flask-WTF checks it)."""
    headers = {"Referer": "https://summit.test/desk/", **kwargs.pop("headers", {})}
    return client.post(url, headers=headers, **kwargs)


def staff_client(client, role="staff"):
    login(client, staff_user(f"{role}@example.org", role))
    return client


def test_desk_pages_need_a_staff_login(summit, client):
    for url in ("/desk/badges", "/desk/checkin", "/desk/badges/batches/1", "/desk/badges/batches/1.json"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/console/login"), url
    assert post(client, "/desk/checkin.json", json={"code": "x"}).status_code in (302, 400)


def test_print_one_badge_from_the_list_and_see_the_reprint(summit, client):
    staff_client(client)
    d = make_delegate(summit, "Wei", "Zhang", "张伟", country="CN")
    page = client.get("/desk/badges?lang=en")
    assert page.status_code == 200 and "ZHANG" in page.text and "张伟" in page.text and "Not yet" in page.text
    token = csrf_token(page.text)
    started = time.perf_counter()
    r = post(client, "/desk/badges/print", data={"csrf_token": token, "print": str(d.id), "layout": "a6"})
    elapsed = time.perf_counter() - started
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert len(PdfReader(BytesIO(r.data)).pages) == 1
    assert elapsed < 5  # on demand: typically ~150 ms (not a timing test; see bench/badges.py)
    post(client, "/desk/badges/print", data={"csrf_token": token, "print": str(d.id)})
    page = client.get("/desk/badges?lang=en")
    assert "2 times" in page.text and "Reprint" in page.text
    assert db.session.get(Delegate, d.id).badge_print_count == 2


def test_print_needs_the_csrf_token(summit, client):
    staff_client(client)
    d = make_delegate(summit)
    assert post(client, "/desk/badges/print", data={"print": str(d.id)}).status_code == 400


def test_a_batch_of_ticked_delegates_runs_with_a_progress_page_and_a_download(app, summit, client):
    app.config["BADGE_RENDER_PROCESSES"] = 1
    staff_client(client)
    a = make_delegate(summit, "Ana", "Alpha")
    b = make_delegate(summit, "Ben", "Beta")
    make_delegate(summit, "Cy", "Gamma")
    token = csrf_token(client.get("/desk/badges").text)
    r = post(client, "/desk/badges/batches", data={"csrf_token": token, "selection": "ids", "ids": [str(b.id), str(a.id)],
                                                   "sort": "family_name", "layout": "a4-4up"})
    assert r.status_code == 303
    page = client.get(r.headers["Location"] + "?lang=zh")
    assert page.status_code == 200 and "<progress" in page.text and "batch-progress.js" in page.text
    assert "<script>" not in page.text and "style=" not in page.text
    job_id = int(re.search(r"/batches/(\d+)", r.headers["Location"]).group(1))
    for _ in range(400):
        status = client.get(f"/desk/badges/batches/{job_id}.json").json
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert status["status"] == "done" and status["done"] == status["total"] == 2
    pdf = client.get(status["download_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = PdfReader(BytesIO(pdf.data)).pages[0].extract_text()
    assert text.index("ALPHA") < text.index("BETA") and "GAMMA" not in text


def test_a_batch_with_nothing_selected_says_so(summit, client):
    staff_client(client)
    make_delegate(summit)
    token = csrf_token(client.get("/desk/badges").text)
    r = post(client, "/desk/badges/batches?lang=en", data={"csrf_token": token, "selection": "ids"})
    assert r.status_code == 422 and "Tick at least one delegate" in r.text
    assert db.session.query(BadgeJob).count() == 0


def test_checkin_page_green_then_amber_then_red(summit, client):
    user = staff_user("door@example.org")
    login(client, user)
    d = make_delegate(summit, "Layla", "Haddad", "ليلى حداد", country="JO", route="R3")
    page = client.get("/desk/checkin?lang=en")
    assert page.status_code == 200 and "vendor/jsqr/jsQR.js" in page.text and "<video" in page.text
    assert "<script>" not in page.text and "style=" not in page.text and "//cdn" not in page.text
    token = csrf_token(page.text)
    code = checkin_code(d)

    first = post(client, "/desk/checkin.json", json={"code": code}, headers={"X-CSRFToken": token})
    assert first.status_code == 200 and first.json["result"] == "ok"
    assert "verdict-ok" in first.json["html"] and "HADDAD" in first.json["html"] and "R3" in first.json["html"]

    again = post(client, "/desk/checkin.json", json={"code": code}, headers={"X-CSRFToken": token})
    at = db.session.get(Delegate, d.id).checked_in_at.astimezone(summit.zone).strftime("%H:%M")
    assert again.status_code == 409 and "verdict-already" in again.json["html"]
    assert f"Already checked in at {at}" in again.json["html"] and "door@example.org" in again.json["html"]

    forged = post(client, "/desk/checkin.json", json={"code": code[:-2] + "xx"}, headers={"X-CSRFToken": token})
    assert forged.status_code == 404 and "verdict-unknown" in forged.json["html"]
    assert "HADDAD" not in forged.json["html"]

    # without JavaScript: the typed code form, in Chinese
    r = post(client, "/desk/checkin?lang=zh", data={"csrf_token": token, "code": code})
    assert r.status_code == 409 and "verdict-already" in r.text and "已于" in r.text


def test_a_name_with_markup_shows_as_text_on_the_desk(summit, client):
    staff_client(client)
    d = make_delegate(summit, '<script>alert(1)</script>', "<b>X</b>")
    html = client.get("/desk/badges").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    token = csrf_token(html)
    r = post(client, "/desk/checkin.json", json={"code": checkin_code(d)}, headers={"X-CSRFToken": token})
    assert "<script>alert" not in r.json["html"] and "&lt;B&gt;X&lt;/B&gt;" in r.json["html"]


@pytest.mark.parametrize("q, expected", [
    ("ÉMILE", {"emile"}), ("émile", {"emile"}), ("Émile", {"emile"}),  # accented Latin folds on SQLite too
    ("ольга", {"olga"}), ("ПЕТРОВА", {"olga"}), ("王小明", {"wang"}),
    ("100%", {"olga"}), ("_", {"olga"}), ("DURAND", {"emile"}),
])
def test_the_desk_search_is_the_console_search(summit, client, q, expected):
    """The desk's badge list finds delegates by the console's rule (services/registration/search.py), case
    folded in every script on SQLite and PostgreSQL alike, and matched literally."""
    people = {
        "emile": register(summit, given_name="Émile", family_name="Durand", organisation="Ville de Lyon",
                          country="FR"),
        "olga": register(summit, given_name="Olga", family_name="Petrova", native_name="Ольга Петрова",
                         organisation="100% Green_Transit", country="RU"),
        "wang": register(summit, given_name="Xiaoming", family_name="Wang", native_name="王小明", country="CN"),
    }
    staff_client(client)
    page = client.get("/desk/badges", query_string={"q": q, "lang": "en"})
    assert page.status_code == 200
    listed = {int(i) for i in re.findall(r'name="ids" value="(\d+)"', page.text)}
    assert listed == {people[key].delegate.id for key in expected}
