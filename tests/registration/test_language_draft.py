"""The language switch keeps what was typed (summit/web/drafts.py), through the test client.

The browser side (static/js/language-draft.js posting the form) is in tests/browser/test_forms_help.py;
here: what the server keeps, for which page, for how long, and what it never keeps.
"""
from __future__ import annotations

import re

from summit.web import drafts

from support.app import csrf_token


def switch(client, code, back, page=None, **fields):
    token = csrf_token(client.get(page or back).get_data(as_text=True))
    return client.post(f"/language/{code}", data={"csrf_token": token, "back": back, **fields})


def test_the_switch_brings_the_form_back_in_the_other_language_with_what_was_typed(client, summit):
    response = switch(client, "zh", "/register", given_name="Fatima", family_name="Al-Sayed",
                      dietary_needs="Halal, no shellfish", category="government", country="AE")
    assert response.status_code == 302 and response.headers["Location"].endswith("/register?lang=zh")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "注册参加" in html
    for kept in ('value="Fatima"', 'value="Al-Sayed"', '<option selected value="AE">',
                 '<input checked id="category-0" name="category" required type="radio" value="government">'):
        assert kept in html, kept
    assert re.search(r">\s*Halal, no shellfish</textarea>", html)
    # filled, not judged: no error shows before a real submit
    assert 'class="error"' not in html and "data-error-summary" not in html
    # used up: the next visit is a blank form
    assert 'value="Fatima"' not in client.get("/register").get_data(as_text=True)


def test_a_draft_is_only_for_its_own_page(client, summit):
    switch(client, "en", "/register", given_name="Fatima")
    # another form whose fields include given_name does not take it, and neither does another page
    assert 'value="Fatima"' not in client.get("/manage/lost-link").get_data(as_text=True)
    assert 'value="Fatima"' in client.get("/register").get_data(as_text=True)


def test_a_draft_never_holds_a_password_a_token_or_the_csrf_token(client, summit):
    switch(client, "en", "/console/login", email="organiser@example.org", password="pw12345678pw",
           api_token="tok", secret="s")
    with client.session_transaction() as session:
        kept = dict(session[drafts.SESSION_KEY]["fields"])
        assert kept == {"email": "organiser@example.org"}
        assert "/console/login" not in str(session[drafts.SESSION_KEY])  # the page by a hash, never its address


def test_a_submitted_form_ends_the_draft(client, summit):
    switch(client, "en", "/register", given_name="Fatima")
    token = csrf_token(client.get("/manage/lost-link").get_data(as_text=True))
    client.post("/manage/lost-link", data={"csrf_token": token, "email": "x@example.org"})
    with client.session_transaction() as session:
        assert drafts.SESSION_KEY not in session


def test_a_draft_too_big_for_the_session_switches_language_without_it_and_says_so(client, summit):
    response = switch(client, "zh", "/register", dietary_needs="长" * 2000)
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "注册参加" in html and "长长长" not in html and "flash-warning" in html


def test_the_switch_refuses_a_post_without_its_csrf_token_and_goes_back_only_to_this_site(client, summit):
    client.get("/register")
    for token in (None, "forged"):
        response = client.post("/language/zh", data={"back": "/register", "given_name": "Planted",
                                                     **({"csrf_token": token} if token else {})})
        assert response.status_code == 400
        assert 'value="Planted"' not in client.get("/register").get_data(as_text=True)
    response = switch(client, "zh", "https://evil.example/register", page="/register", given_name="X")
    assert response.headers["Location"].endswith("/?lang=zh")
    response = switch(client, "xx", "/register", given_name="X")
    assert response.headers["Location"].endswith("/register")


def test_a_form_sent_back_from_an_address_that_only_takes_posts_comes_back_on_its_page(client, summit):
    from support.factories import register
    token = register(summit).manage_token
    r2 = next(r for r in summit.routes if r.code == "R2")
    response = switch(client, "zh", f"/manage/{token}/route", page=f"/manage/{token}", route=str(r2.id))
    assert response.headers["Location"].endswith(f"/manage/{token}?lang=zh")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    radio = html.split(f'name="route" value="{r2.id}"')[1].split(">", 1)[0]
    assert "checked" in radio
