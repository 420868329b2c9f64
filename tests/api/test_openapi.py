"""GET /api/v1/openapi.json is a valid OpenAPI 3 document that matches the live routes."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

from support.factories import delegate_data


def live_api_operations(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        operations |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return operations


def test_the_document_is_valid_openapi(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.")


def test_every_live_endpoint_is_described_and_every_described_endpoint_is_live(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == live_api_operations(app)


def test_answers_match_their_schemas(client, summit):
    from jsonschema import Draft202012Validator

    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    def check(payload, name):
        schema = {**schemas[name], "components": {"schemas": schemas}}  # so "#/components/…" refs resolve
        errors = list(Draft202012Validator(schema).iter_errors(payload))
        assert errors == [], errors

    body = client.post("/api/v1/registrations", json=delegate_data(route_id=1)).get_json()
    check(body, "Registration")
    for item in client.get("/api/v1/agenda").get_json()["items"]:
        check(item, "AgendaItem")
    for route in client.get("/api/v1/routes").get_json()["routes"]:
        check(route, "Route")
    check(client.post("/api/v1/registrations", json={}).get_json(), "Error")
