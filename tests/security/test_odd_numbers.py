"""Numbers no row can have, and digits that are not ASCII, are a 4xx everywhere, never a 500.

Found by the API fuzz run: an id past 64 bits reached SQLite (which cannot bind it) and '²'
passed str.isdigit() and then failed int().
"""
from __future__ import annotations

from support.badge_helpers import login, staff_user
from support.app import csrf_token
from support.console_support import api_token, sign_in
from support.factories import delegate_data

HUGE = "99999999999999999999999"


def test_an_id_no_row_can_have_is_404_in_any_url(client, summit):
    headers = api_token("organiser")
    response = client.patch(f"/api/v1/routes/{HUGE}", json={"capacity": 3}, headers=headers)
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert client.patch("/api/v1/routes/0", json={"capacity": 3}, headers=headers).status_code == 404
    assert client.get(f"/agenda/{HUGE}.ics").status_code == 404
    assert client.get("/agenda/2147483648.ics").status_code == 404  # one past PostgreSQL's INTEGER


def test_a_route_id_no_route_can_have_is_an_unknown_route(client, summit):
    for route_id in (2**70, 2**31, 0, -1):
        response = client.post("/api/v1/registrations", json=delegate_data(route_id=route_id))
        assert response.status_code == 422 and "route_id" in response.get_json()["errors"], route_id
    token = client.post("/api/v1/registrations", json=delegate_data()).get_json()["token"]
    response = client.patch("/api/v1/registrations/self", json={"route_id": 2**70},
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422


def test_search_paging_and_filters_take_ascii_digits_only(client, summit):
    headers = api_token("staff")
    for query in ("page=%C2%B2", "per_page=%C2%B2", f"route={HUGE}", "route=%D9%A3"):
        response = client.get(f"/api/v1/delegates?{query}", headers=headers)
        assert response.status_code == 422, query
    sign_in(client, "organiser")
    assert client.get("/console/delegates?page=%C2%B2").status_code == 400
    assert client.get("/console/audit?page=%C2%B2").status_code == 200  # the first page


def test_a_badge_batch_for_a_route_no_row_can_have_says_so(client, summit):
    login(client, staff_user("desk@example.org", "staff"))
    token = csrf_token(client.get("/desk/badges").text)
    response = client.post("/desk/badges/batches", data={"csrf_token": token, "selection": "route", "route_id": HUGE},
                           headers={"Referer": "https://summit.test/desk/"})
    assert response.status_code == 422
