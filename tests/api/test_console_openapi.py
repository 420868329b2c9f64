"""The console API answers where the OpenAPI document says, with the parameters it names."""
from __future__ import annotations

from summit.api.openapi import document


def test_console_calls_match_their_description(app, client, summit):
    listing = document()["paths"]["/api/v1/delegates"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"q", "page", "per_page", "accreditation", "protocol_level",
                                                          "delegation_id", "sort"}
    assert "/api/v1/routes/{route_id}" in document()["paths"]
    assert app.url_map.bind("summit.test").match("/api/v1/routes/3", method="PATCH")[0] == "api.patch_route"
    assert app.url_map.bind("summit.test").match("/api/v1/delegates", method="GET")[0] == "api.list_delegates"
