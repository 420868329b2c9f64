"""GET /api/v1/agenda and /api/v1/routes exactly as the contract says."""
from __future__ import annotations

from datetime import datetime

KINDS = {"opening", "ministerial", "thematic", "banquet", "visit", "other"}


def test_agenda_shape_and_order(client, summit):
    response = client.get("/api/v1/agenda")
    assert response.status_code == 200 and response.mimetype == "application/json"
    items = response.get_json()["items"]
    assert len(items) == 8
    for item in items:
        assert set(item) >= {"id", "kind", "title", "starts_at", "ends_at", "venue"}
        assert isinstance(item["id"], int) and item["kind"] in KINDS
        assert set(item["title"]) == {"zh", "en"} and all(item["title"].values())
        assert item["starts_at"].endswith("+08:00") and item["ends_at"].endswith("+08:00")
        assert isinstance(item["venue"], str)
    starts = [datetime.fromisoformat(i["starts_at"]) for i in items]
    assert starts == sorted(starts)
    assert items[0]["starts_at"] == "2024-09-25T09:00:00+08:00"
    assert items[0]["kind"] == "opening" and items[-1]["kind"] == "visit"
    assert client.get("/api/v1/agenda", headers={"Accept-Language": "zh"}).get_json()["items"][0]["venue"] == "主会场"


def test_routes_shape(client, summit):
    routes = client.get("/api/v1/routes").get_json()["routes"]
    assert [r["code"] for r in routes] == ["R1", "R2", "R3", "R4"]
    for route in routes:
        assert set(route) >= {"id", "code", "name", "stops", "capacity", "confirmed", "remaining", "waitlisted"}
        assert set(route["name"]) == {"zh", "en"}
        assert all(set(stop) == {"zh", "en"} for stop in route["stops"])
        assert (route["capacity"], route["confirmed"], route["remaining"], route["waitlisted"]) == (40, 0, 40, 0)
    assert [s["zh"] for s in routes[3]["stops"]] == ["北京南站", "京津城际铁路", "天津港自动化码头"]


def test_unknown_api_url_and_method_are_json_errors(client, summit):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    response = client.delete("/api/v1/agenda")
    assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"


def test_healthz_reports_the_app_and_its_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_a_wrong_method_says_which_methods_are_allowed(client, summit):
    response = client.delete("/api/v1/agenda")
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    page = client.put("/agenda")
    assert page.status_code == 405 and "GET" in page.headers["Allow"] and page.mimetype == "text/html"


def test_an_api_401_names_the_bearer_scheme(client, summit):
    response = client.get("/api/v1/registrations/self")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.get("/api/v1/delegates")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
