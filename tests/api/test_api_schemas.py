"""The API's bodies are declared once (summit/api/schemas.py): what /api/v1/openapi.json says a body takes is
what the API refuses otherwise, in the contract's error shape, never pydantic's (issue 13, point 9)."""
from __future__ import annotations

import pytest

from support.factories import make_delegate
from support.console_support import api_token
from support.factories import delegate_data
from support import visa_letters
from summit.services.accreditation import delegations

#: a value of another JSON type than the schema's, for each type the bodies use
WRONG = {"string": 5, "integer": "1", "boolean": "true", "array": "1,2", "object": [1]}


def schema_of(document, operation) -> dict:
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


def wrong_value(schema: dict):
    if schema.get("const") is True:
        return False
    if "anyOf" in schema:  # a nullable nested body (an arrival, a hotel: null clears it): its non-null option
        return wrong_value(next(option for option in schema["anyOf"] if option != {"type": "null"}))
    if "$ref" in schema:  # a nested body (a delegation's name, its focal point): an object
        return WRONG["object"]
    kind = schema.get("type")
    kind = next(k for k in kind if k != "null") if isinstance(kind, list) else kind
    return WRONG[kind]


@pytest.fixture
def calls(client, summit):
    """Every operation with a requestBody: how to call it with a good body, and its credential."""
    visa_letters.open_requests(summit)
    token = client.post("/api/v1/registrations", json=delegate_data(email="self@example.org")).get_json()["token"]
    organiser = api_token("organiser")
    delegate = make_delegate(summit, "Ama", "Mensah")
    delegation = delegations.create_delegation(summit, {
        "name_zh": "代表团", "name_en": "A delegation", "country": "KE", "focal_name": "Focal Point",
        "focal_email": "focal@example.org", "places": 100}, None)
    return {
        ("/api/v1/registrations", "post"): ("/api/v1/registrations", delegate_data(), {}),
        ("/api/v1/registrations/self", "patch"): ("/api/v1/registrations/self", {"route_id": None},
                                                  {"Authorization": f"Bearer {token}"}),
        ("/api/v1/badges.pdf", "post"): ("/api/v1/badges.pdf", {"ids": [delegate.id]}, organiser),
        ("/api/v1/checkins", "post"): ("/api/v1/checkins", {"code": "not-a-badge"}, organiser),
        ("/api/v1/routes/{route_id}", "patch"): ("/api/v1/routes/1", {"capacity": 40}, organiser),
        ("/api/v1/summit", "patch"): ("/api/v1/summit", {"registration_mode": "open"}, organiser),
        ("/api/v1/delegates/{delegate_id}/accreditation", "post"): (
            f"/api/v1/delegates/{delegate.id}/accreditation", {"decision": "approve"}, organiser),
        ("/api/v1/delegates/{delegate_id}", "patch"): (f"/api/v1/delegates/{delegate.id}", {"title": "Dr"}, organiser),
        ("/api/v1/delegations", "post"): ("/api/v1/delegations", {
            "name": {"zh": "代表团", "en": "A delegation"}, "country": "KE",
            "focal_point": {"name": "Focal Point", "email": "focal@example.org"}, "places": 3}, organiser),
        ("/api/v1/delegations/self/members", "post"): (
            "/api/v1/delegations/self/members", {k: v for k, v in delegate_data().items() if k != "consent"},
            {"Authorization": f"Bearer {delegation.token}"}),
        ("/api/v1/accreditation/decisions", "post"): (
            "/api/v1/accreditation/decisions", {"ids": [delegate.id], "decision": "approve"}, organiser),
        ("/api/v1/checkins/sync", "post"): ("/api/v1/checkins/sync", {"scans": []}, organiser),
        ("/api/v1/zone-entries/{entry_id}/undo", "post"): ("/api/v1/zone-entries/1/undo", {"reason": "mistake"},
                                                           organiser),
        ("/api/v1/registrations/self/passport", "put"): (
            "/api/v1/registrations/self/passport", {"visa_letter": True, "passport": visa_letters.PASSPORT,
                                                    "sensitive_consent": True},
            {"Authorization": f"Bearer {token}"}),
    }


def assert_contract_error(response, field: str) -> None:
    body = response.get_json()
    assert response.status_code == 422, (field, response.status_code, body)
    assert set(body) <= {"error", "message", "errors"}, body  # no "detail", "loc", "type" or "input"
    assert body["error"] == "validation_failed" and isinstance(body["message"], str)
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field]), body


def test_every_documented_field_of_every_body_refuses_a_value_of_another_type(client, calls):
    document = client.get("/api/v1/openapi.json").get_json()
    # JSON bodies (a member file, members.csv, is a CSV or XLSX: tests/accreditation/test_member_import_api.py)
    operations = {(path, method): operation for path, item in document["paths"].items()
                  for method, operation in item.items()
                  if "application/json" in operation.get("requestBody", {}).get("content", {})}
    assert set(operations) == set(calls)  # a new body gets its row above
    for (path, method), operation in operations.items():
        url, good, headers = calls[(path, method)]
        for field, schema in schema_of(document, operation)["properties"].items():
            body = {**good, field: wrong_value(schema)}
            response = client.open(url, method=method.upper(), json=body, headers=headers)
            assert_contract_error(response, field)


def test_a_required_field_left_out_is_named(client, calls):
    document = client.get("/api/v1/openapi.json").get_json()
    for (path, method), (url, good, headers) in calls.items():
        schema = schema_of(document, document["paths"][path][method])
        for field in schema.get("required", []):
            body = {name: value for name, value in good.items() if name != field}
            response = client.open(url, method=method.upper(), json=body, headers=headers)
            assert_contract_error(response, field)


def test_a_closed_body_names_its_unknown_fields_and_says_which_it_takes(client, calls):
    url, good, headers = calls[("/api/v1/badges.pdf", "post")]
    response = client.post(url, json={**good, "colour": "red", "copies": 2}, headers=headers)
    assert_contract_error(response, "colour")
    body = response.get_json()
    assert body["errors"] == {"colour": ["unknown field"], "copies": ["unknown field"]}
    assert body["message"] == "unknown field 'colour': the body takes ids, all and layout"


def test_a_blank_code_is_refused_before_any_lookup_and_a_good_body_still_works(client, calls, summit):
    url, _, headers = calls[("/api/v1/checkins", "post")]
    for blank in ("", "   ", "\x1c\t"):
        assert_contract_error(client.post(url, json={"code": blank}, headers=headers), "code")
    assert client.post(url, json={"code": "not-a-badge"}, headers=headers).status_code == 404
    url, good, headers = calls[("/api/v1/routes/{route_id}", "patch")]
    assert client.patch(url, json=good, headers=headers).get_json()["capacity"] == 40
