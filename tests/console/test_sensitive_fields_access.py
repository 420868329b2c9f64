"""Who reads dietary and accessibility needs (sensitive personal information, issue 17):
organisers everywhere; staff the dietary needs on the banquet list and the accessibility needs on the desk's
delegate page, and nowhere else (console delegate page, manifest, API, exports)."""
from __future__ import annotations

import pytest

from summit.plumbing.extensions import db

from support.console_support import api_token, sign_in
from support.factories import register

DIET = "Strictly halal 7f3e"
ACCESS = "Wheelchair user 9c1a"


@pytest.fixture
def guest(summit):
    registered = register(summit, dietary_needs=DIET, accessibility_needs=ACCESS, banquet=True)
    other = register(summit, dietary_needs="strictly  HALAL 7f3e", banquet=True)  # the same need, typed otherwise
    register(summit, dietary_needs="Vegan, no honey", banquet=False)  # not a guest: not on the list
    db.session.commit()
    return registered.delegate.id, other.delegate.id


def page(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_staff_do_not_see_the_needs_on_the_console_delegate_page(client, guest):
    sign_in(client, "staff")
    status, body = page(client, f"/console/delegates/{guest[0]}")
    assert status == 200 and "Amina" in body
    assert DIET not in body and ACCESS not in body


def test_organisers_see_both_needs_on_the_console_delegate_page(client, guest):
    sign_in(client, "organiser")
    status, body = page(client, f"/console/delegates/{guest[0]}")
    assert status == 200 and DIET in body and ACCESS in body


@pytest.mark.parametrize("role", ["staff", "organiser"])
def test_the_banquet_list_shows_dietary_needs_counted_and_by_guest_never_accessibility(client, guest, role):
    sign_in(client, role)
    status, body = page(client, "/console/banquet")
    assert status == 200
    assert body.count(DIET) == 2  # once counted, once beside the guest; the other spelling counts with it
    assert "strictly  HALAL" in body  # beside its own guest, as typed
    assert "Vegan, no honey" not in body  # not a banquet guest
    assert ACCESS not in body


def test_the_banquet_list_needs_a_signed_in_account(client, guest):
    response = client.get("/console/banquet")
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/login")


def test_the_desk_delegate_page_shows_accessibility_needs_not_dietary(client, guest):
    sign_in(client, "staff")
    status, body = page(client, f"/desk/delegates/{guest[0]}")
    assert status == 200 and ACCESS in body and DIET not in body


def test_the_route_manifest_shows_neither(client, summit):
    from support.factories import make_delegate

    first = summit.routes[0]
    delegate = make_delegate(summit, "Amina", "Diallo", route=first.code)
    delegate.dietary_needs, delegate.accessibility_needs = DIET, ACCESS
    db.session.commit()
    sign_in(client, "staff")
    for url in (f"/console/routes/{first.id}/manifest", f"/console/routes/{first.id}/manifest.csv"):
        status, body = page(client, url)
        assert status == 200 and "Amina" in body and "diallo" in body.lower()
        assert DIET not in body and ACCESS not in body


def test_the_delegate_list_api_carries_neither(client, guest):
    response = client.get("/api/v1/delegates", headers=api_token("staff"))
    assert response.status_code == 200
    assert DIET not in response.get_data(as_text=True) and ACCESS not in response.get_data(as_text=True)


def test_staff_cannot_export_and_organisers_get_both_needs(client, guest):
    sign_in(client, "staff", "staff-export@example.org")
    assert client.get("/console/exports/delegates.csv").status_code == 403
    client.post("/console/logout")
    organiser = client.application.test_client()
    sign_in(organiser, "organiser")
    body = organiser.get("/console/exports/delegates.csv").get_data(as_text=True)
    assert DIET in body and ACCESS in body
