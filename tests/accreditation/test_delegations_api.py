"""Delegations through the API's doors (shared/api-contract.md, "Accreditation: who may come"):
organisers create, staff list, a focal point's token adds members; each token opens only its own doors."""
from __future__ import annotations

import pytest

from support.console_support import api_token
from support.factories import delegate_data, route, set_capacity
from summit.models import Delegate, Summit
from summit.plumbing.extensions import db
from summit.services.accreditation import delegations

BODY = {"name": {"zh": "肯尼亚代表团", "en": "Delegation of Kenya"}, "country": "KE",
        "focal_point": {"name": "Wanjiru Kamau", "email": "focal@example.ke"}, "places": 2}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def member_body(**overrides) -> dict:
    body = delegate_data(**overrides)
    body.pop("consent")
    return body


def create(client, **overrides) -> dict:
    response = client.post("/api/v1/delegations", json={**BODY, **overrides}, headers=api_token("organiser"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def set_mode(summit, mode: str) -> None:
    db.session.get(Summit, summit.id).registration_mode = mode
    db.session.commit()


def test_an_organiser_creates_a_delegation_and_gets_its_token_once(client, summit):
    body = create(client)
    assert set(body) == {"id", "name", "country", "places", "token", "invitation_url"}
    assert body["name"] == BODY["name"] and body["country"] == "KE" and body["places"] == 2
    assert body["invitation_url"] == f"https://summit.test/delegation/{body['token']}"
    listed = client.get("/api/v1/delegations", headers=api_token("staff")).get_json()
    assert listed == {"delegations": [{"id": body["id"], "name": BODY["name"], "country": "KE", "places": 2,
                                       "members": 0}]}
    assert "token" not in str(listed)


@pytest.mark.parametrize("change", [{"name": {"zh": "", "en": "x"}}, {"country": "ZZ"}, {"places": -1},
                                    {"places": "2"}, {"focal_point": {"name": "A", "email": "nope"}},
                                    {"focal_point": {"email": "a@example.org"}}, {"name": "Kenya"}])
def test_a_bad_delegation_is_422_naming_the_field(client, summit, change):
    response = client.post("/api/v1/delegations", json={**BODY, **change}, headers=api_token("organiser"))
    assert response.status_code == 422
    assert response.get_json()["errors"]
    assert client.get("/api/v1/delegations", headers=api_token("staff")).get_json() == {"delegations": []}


def test_who_may_create_and_list(client, summit):
    assert client.post("/api/v1/delegations", json=BODY).status_code == 401
    assert client.post("/api/v1/delegations", json=BODY, headers=api_token("staff")).status_code == 403
    assert client.get("/api/v1/delegations").status_code == 401
    delegation = create(client)
    member = client.post("/api/v1/delegations/self/members", json=member_body(), headers=bearer(delegation["token"]))
    # neither a delegation's token nor a delegate's opens the console's doors
    for token in (delegation["token"], member.get_json()["token"]):
        assert client.get("/api/v1/delegations", headers=bearer(token)).status_code == 401
        assert client.post("/api/v1/delegations", json=BODY, headers=bearer(token)).status_code == 401


def test_the_focal_point_adds_members_who_get_their_own_links(client, summit):
    r1 = route(summit, "R1")
    delegation = create(client)
    answer = client.post("/api/v1/delegations/self/members", json=member_body(route_id=r1.id),
                         headers=bearer(delegation["token"]))
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["delegation_id"] == delegation["id"] and body["accreditation"] == "approved"
    assert body["route"]["status"] == "confirmed" and body["route"]["code"] == "R1"
    assert body["manage_url"] == f"https://summit.test/manage/{body['token']}" and body["calendar_url"]
    own = client.get("/api/v1/registrations/self", headers=bearer(body["token"])).get_json()
    assert own["delegation_id"] == delegation["id"]

    me = client.get("/api/v1/delegations/self", headers=bearer(delegation["token"])).get_json()
    assert (me["id"], me["name"], me["places"]) == (delegation["id"], BODY["name"], 2)
    [listed] = me["members"]
    assert listed["id"] == body["id"] and listed["accreditation"] == "approved" and listed["route"]["code"] == "R1"
    assert "token" not in listed and "manage_url" not in listed
    assert listed["display_name"] == body["display_name"] and listed["name_order"] == body["name_order"]

    staff = api_token("staff")
    found = client.get(f"/api/v1/delegates?delegation_id={delegation['id']}", headers=staff).get_json()["delegates"]
    assert [d["id"] for d in found] == [body["id"]] and found[0]["delegation_id"] == delegation["id"]
    assert client.get("/api/v1/delegates?delegation_id=999", headers=staff).get_json()["delegates"] == []
    assert client.get("/api/v1/delegates?delegation_id=x", headers=staff).status_code == 422


def test_members_start_pending_unless_open_and_invitation_mode_still_takes_them(client, summit):
    delegation = create(client, places=5)
    set_mode(summit, "invitation")
    assert client.post("/api/v1/registrations", json=delegate_data()).status_code == 403
    answer = client.post("/api/v1/delegations/self/members", json=member_body(), headers=bearer(delegation["token"]))
    assert answer.status_code == 201 and answer.get_json()["accreditation"] == "pending"
    set_mode(summit, "approval")
    answer = client.post("/api/v1/delegations/self/members", json=member_body(), headers=bearer(delegation["token"]))
    assert answer.status_code == 201 and answer.get_json()["accreditation"] == "pending"


def test_delegation_full_then_a_cancelled_member_frees_a_place(client, summit):
    delegation = create(client, places=2)
    headers = bearer(delegation["token"])
    first = client.post("/api/v1/delegations/self/members", json=member_body(), headers=headers).get_json()
    assert client.post("/api/v1/delegations/self/members", json=member_body(), headers=headers).status_code == 201
    full = client.post("/api/v1/delegations/self/members", json=member_body(), headers=headers)
    assert full.status_code == 409 and full.get_json()["error"] == "delegation_full"
    assert client.delete("/api/v1/registrations/self", headers=bearer(first["token"])).status_code == 204
    assert client.post("/api/v1/delegations/self/members", json=member_body(), headers=headers).status_code == 201
    listed = client.get("/api/v1/delegations", headers=api_token("staff")).get_json()["delegations"]
    assert listed[0]["members"] == 2


def test_members_follow_the_registration_rules(client, summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 0)
    delegation = create(client)
    headers = bearer(delegation["token"])
    bad = client.post("/api/v1/delegations/self/members", json=member_body(given_name="王", email="x"), headers=headers)
    assert bad.status_code == 422 and {"given_name", "email"} <= set(bad.get_json()["errors"])
    level = client.post("/api/v1/delegations/self/members", json=member_body(protocol_level="vip"), headers=headers)
    assert level.status_code == 422 and "protocol_level" in level.get_json()["errors"]
    full = client.post("/api/v1/delegations/self/members", json=member_body(route_id=r1.id), headers=headers)
    assert full.status_code == 409 and full.get_json()["error"] == "route_full"
    taken = member_body(email="same@example.org")
    assert client.post("/api/v1/delegations/self/members", json=taken, headers=headers).status_code == 201
    again = client.post("/api/v1/delegations/self/members", json=taken, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"] == "email_taken"
    assert client.post("/api/v1/delegations/self/members", data="[]", headers={**headers, "Content-Type": "application/json"}).status_code == 422


def test_only_a_live_delegation_token_opens_the_focal_points_doors(client, summit):
    delegation, other = create(client), create(client, focal_point={"name": "B", "email": "b@example.org"})
    member = client.post("/api/v1/delegations/self/members", json=member_body(),
                         headers=bearer(delegation["token"])).get_json()
    console_token = api_token("organiser")
    for headers in ({}, bearer("not-a-token"), bearer(member["token"]), console_token,
                    {"Authorization": f"Basic {delegation['token']}"}):
        assert client.get("/api/v1/delegations/self", headers=headers).status_code == 401
        refused = client.post("/api/v1/delegations/self/members", json=member_body(), headers=headers)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    # another delegation's token sees only its own
    theirs = client.get("/api/v1/delegations/self", headers=bearer(other["token"])).get_json()
    assert theirs["id"] == other["id"] and theirs["members"] == []
    # a delegation's token is no delegate's
    assert client.get("/api/v1/registrations/self", headers=bearer(delegation["token"])).status_code == 401
    # revoked: 401 at once; reissued: the new token works
    delegations.revoke_link(summit, delegation["id"], None)
    assert client.get("/api/v1/delegations/self", headers=bearer(delegation["token"])).status_code == 401
    assert client.post("/api/v1/delegations/self/members", json=member_body(),
                       headers=bearer(delegation["token"])).status_code == 401
    new = delegations.reissue_link(summit, delegation["id"], None).token
    assert client.get("/api/v1/delegations/self", headers=bearer(new)).status_code == 200
    assert db.session.get(Delegate, member["id"]).status == "registered"  # members stay registered
