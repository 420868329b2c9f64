"""The console API answers where the OpenAPI document says, with the parameters it names."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

from summit.api.openapi import document


def test_every_api_route_is_described_and_the_document_is_valid(app):
    doc = document()
    validate(doc)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"][path], (method, path)


def test_console_calls_match_their_description(app, client, summit):
    listing = document()["paths"]["/api/v1/delegates"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"q", "page", "per_page"}
    assert "/api/v1/routes/{route_id}" in document()["paths"]
    assert app.url_map.bind("summit.test").match("/api/v1/routes/3", method="PATCH")[0] == "api.patch_route"
    assert app.url_map.bind("summit.test").match("/api/v1/delegates", method="GET")[0] == "api.list_delegates"
