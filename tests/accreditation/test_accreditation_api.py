"""Accreditation through the API's doors (shared/api-contract.md, "Accreditation: who may come"):
the summit's mode and levels, decisions that free and hand on places, organisers' levels and titles,
and the gates: only approved delegates are printed and checked in."""
from __future__ import annotations

import pytest
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError

from support.app import csrf_token
from support.badge_helpers import login, staff_user
from support.console_support import api_token, text
from support.factories import delegate_data, make_delegate, route, set_capacity
from summit.models import AuditEntry, Delegate, RouteBooking, Summit
from summit.plumbing.extensions import db
from summit.services.checkin.codes import checkin_code

NEW_KEYS = {"accreditation", "protocol_level", "title", "delegation_id"}


def set_mode(summit, mode: str) -> None:
    db.session.get(Summit, summit.id).registration_mode = mode
    db.session.commit()


def register_api(client, **fields):
    response = client.post("/api/v1/registrations", json=delegate_data(**fields))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# ------------------------------------------------------------------ the summit, its mode and levels

def test_the_summit_names_its_mode_and_its_protocol_levels_highest_first(client, summit):
    body = client.get("/api/v1/summit").get_json()
    assert body["slug"] == "gstf-2024" and body["name"]["zh"] == "全球可持续交通高峰论坛（2024）"
    assert body["registration_mode"] == "open"  # the GSTF 2024 file's default
    codes = [level["code"] for level in body["protocol_levels"]]
    assert {"vip", "delegate", "media", "staff"} <= set(codes)
    assert codes[0] == "vip" and body["protocol_levels"][0]["rank"] == 1
    ranks = [level["rank"] for level in body["protocol_levels"]]
    assert ranks == sorted(ranks)
    assert all(level["name"]["zh"] and level["name"]["en"] for level in body["protocol_levels"])


def test_an_organiser_switches_the_mode_and_it_is_audited(client, summit):
    organiser = api_token("organiser")
    answer = client.patch("/api/v1/summit", json={"registration_mode": "approval"}, headers=organiser)
    assert answer.status_code == 200 and answer.get_json()["registration_mode"] == "approval"
    assert client.get("/api/v1/summit").get_json()["registration_mode"] == "approval"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "summit.registration_mode")).one()
    assert entry.changes == {"registration_mode": ["open", "approval"]} and entry.user_id is not None
    refused = client.patch("/api/v1/summit", json={"registration_mode": "lottery"}, headers=organiser)
    assert refused.status_code == 422 and "registration_mode" in refused.get_json()["errors"]


def test_switching_the_mode_needs_an_organisers_token(client, summit):
    delegate = register_api(client)
    for headers, status in (({}, 401), (api_token("staff"), 403), (bearer(delegate["token"]), 401)):
        answer = client.patch("/api/v1/summit", json={"registration_mode": "invitation"}, headers=headers)
        assert answer.status_code == status, headers
    assert client.get("/api/v1/summit").get_json()["registration_mode"] == "open"


# ------------------------------------------------------------------ the modes at registration

def test_open_mode_registers_approved_at_once_as_before(client, summit):
    body = register_api(client, title="H.E.")
    assert body["accreditation"] == "approved" and body["protocol_level"] == "delegate"
    assert body["title"] == "H.E." and body["delegation_id"] is None
    own = client.get("/api/v1/registrations/self", headers=bearer(body["token"])).get_json()
    assert NEW_KEYS <= set(own) and own["accreditation"] == "approved"
    listed = client.get("/api/v1/delegates", headers=api_token("staff")).get_json()["delegates"]
    assert [(d["accreditation"], d["protocol_level"], d["title"], d["delegation_id"]) for d in listed] == \
           [("approved", "delegate", "H.E.", None)]


def test_a_registration_may_not_choose_its_protocol_level(client, summit):
    answer = client.post("/api/v1/registrations", json=delegate_data(protocol_level="vip"))
    assert answer.status_code == 422 and "protocol_level" in answer.get_json()["errors"]
    assert db.session.query(Delegate).count() == 0


def test_approval_mode_registrations_wait_and_may_hold_a_place(client, summit):
    set_mode(summit, "approval")
    r1 = route(summit, "R1")
    body = register_api(client, route_id=r1.id)
    assert body["accreditation"] == "pending" and body["route"]["status"] == "confirmed"
    staff = api_token("staff")
    pending = client.get("/api/v1/delegates?accreditation=pending", headers=staff).get_json()
    assert [d["id"] for d in pending["delegates"]] == [body["id"]]
    assert client.get("/api/v1/delegates?accreditation=approved", headers=staff).get_json()["delegates"] == []
    assert client.get("/api/v1/delegates?accreditation=maybe", headers=staff).status_code == 422


def test_approval_mode_form_says_the_registration_awaits_a_decision(client, summit):
    set_mode(summit, "approval")
    page = client.get("/register?lang=en").get_data(as_text=True)
    fields = {"csrf_token": csrf_token(page), "given_name": "Fatima", "family_name": "Hassan",
              "email": "form@example.ae", "organisation": "Roads Authority", "country": "AE",
              "category": "government", "language": "en", "route": "", "consent": "y"}
    answer = client.post("/register", data=fields, follow_redirects=True)
    assert answer.status_code == 200 and "awaits the organisers' decision" in text(answer.get_data(as_text=True))
    assert db.session.scalars(db.select(Delegate.accreditation)).one() == "pending"


@pytest.mark.parametrize("language, words", [("en", "by invitation"), ("zh", "邀请制")])
def test_invitation_mode_closes_the_form_kindly_and_the_api(client, summit, language, words):
    set_mode(summit, "invitation")
    page = client.get(f"/register?lang={language}")
    shown = text(page.get_data(as_text=True))
    assert page.status_code == 403 and words in shown and "accreditation@gstf2024.example.org" in shown
    assert client.post("/register", data={"given_name": "X"}).status_code == 403
    answer = client.post("/api/v1/registrations", json=delegate_data())
    assert answer.status_code == 403 and answer.get_json()["error"] == "registration_closed"
    assert db.session.query(Delegate).count() == 0


# ------------------------------------------------------------------ decisions

def decide(client, delegate_id: int, headers=None, **body):
    return client.post(f"/api/v1/delegates/{delegate_id}/accreditation", json=body,
                       headers=headers if headers is not None else api_token("organiser", "boss@example.org"))


def test_a_rejection_frees_the_place_and_promotes_the_first_in_line(client, summit):
    set_mode(summit, "approval")
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    holder = register_api(client, route_id=r1.id)
    first = register_api(client, route_id=r1.id, join_waitlist=True)
    second = register_api(client, route_id=r1.id, join_waitlist=True)
    assert (first["route"]["status"], second["route"]["waitlist_position"]) == ("waitlisted", 2)

    answer = decide(client, holder["id"], decision="reject", reason="Not on the invitation list")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["accreditation"] == "rejected" and body["route"] is None
    db.session.expire_all()
    moved = client.get("/api/v1/registrations/self", headers=bearer(first["token"])).get_json()
    assert moved["route"]["status"] == "confirmed"
    still = client.get("/api/v1/registrations/self", headers=bearer(second["token"])).get_json()
    assert still["route"]["waitlist_position"] == 1
    assert db.session.get(type(r1), r1.id).confirmed == 1
    actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert {"delegate.reject", "delegate.promoted"} <= actions
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "delegate.reject")).one()
    assert entry.changes["reason"] == [None, "Not on the invitation list"]


def test_a_decision_can_change_and_a_cancelled_delegate_is_409(client, summit):
    set_mode(summit, "approval")
    body = register_api(client)
    assert decide(client, body["id"], decision="reject").get_json()["accreditation"] == "rejected"
    assert decide(client, body["id"], decision="approve").get_json()["accreditation"] == "approved"
    assert decide(client, body["id"], decision="maybe").status_code == 422
    assert decide(client, body["id"]).status_code == 422
    assert client.delete("/api/v1/registrations/self", headers=bearer(body["token"])).status_code == 204
    refused = decide(client, body["id"], decision="approve")
    assert refused.status_code == 409 and refused.get_json()["error"] == "cancelled"
    assert decide(client, 999_999, decision="approve").status_code == 404


def test_deciding_needs_an_organisers_token(client, summit):
    set_mode(summit, "approval")
    body = register_api(client)
    other = register_api(client)
    for headers, status in (({}, 401), (api_token("staff"), 403), (bearer(other["token"]), 401),
                            (bearer(body["token"]), 401)):
        assert decide(client, body["id"], headers, decision="approve").status_code == status, headers
    assert db.session.get(Delegate, body["id"]).accreditation == "pending"


# ------------------------------------------------------------------ levels and titles

def test_an_organiser_sets_level_and_title_and_the_list_filters_by_level(client, summit):
    body = register_api(client)
    organiser = api_token("organiser")
    answer = client.patch(f"/api/v1/delegates/{body['id']}", json={"protocol_level": "vip", "title": "H.E."},
                          headers=organiser)
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["protocol_level"], answer.get_json()["title"]) == ("vip", "H.E.")
    staff = api_token("staff")
    assert [d["id"] for d in client.get("/api/v1/delegates?protocol_level=vip", headers=staff)
            .get_json()["delegates"]] == [body["id"]]
    assert client.get("/api/v1/delegates?protocol_level=delegate", headers=staff).get_json()["delegates"] == []
    assert client.get("/api/v1/delegates?delegation_id=3", headers=staff).get_json()["delegates"] == []
    unknown = client.patch(f"/api/v1/delegates/{body['id']}", json={"protocol_level": "emperor"}, headers=organiser)
    assert unknown.status_code == 422 and "protocol_level" in unknown.get_json()["errors"]
    assert "delegate.protocol" in set(db.session.scalars(db.select(AuditEntry.action)))
    nothing = client.patch(f"/api/v1/delegates/{body['id']}", json={"colour": "red"}, headers=organiser)
    assert nothing.status_code == 422 and "body" in nothing.get_json()["errors"]


def test_setting_a_level_needs_an_organisers_token(client, summit):
    body = register_api(client)
    other = register_api(client)
    for headers, status in (({}, 401), (api_token("staff"), 403), (bearer(other["token"]), 401)):
        answer = client.patch(f"/api/v1/delegates/{body['id']}", json={"protocol_level": "vip"}, headers=headers)
        assert answer.status_code == status, headers
    assert db.session.get(Delegate, body["id"]).protocol_level == "delegate"


# ------------------------------------------------------------------ gates: badges and the door

def test_badges_print_the_approved_only(client, summit):
    approved = make_delegate(summit, "Ada", "Lovelace")
    pending = make_delegate(summit, "Wei", "Zhang", accreditation="pending")
    rejected = make_delegate(summit, "Ana", "Silva", accreditation="rejected")
    staff = api_token("staff")
    answer = client.get(f"/api/v1/badges.pdf?ids={approved.id},{pending.id},{rejected.id}", headers=staff)
    assert answer.status_code == 409
    body = answer.get_json()
    assert body["error"] == "not_accredited"
    assert body["errors"] == {str(pending.id): ["pending"], str(rejected.id): ["rejected"]}
    assert client.get(f"/api/v1/badges.pdf?ids={approved.id}", headers=staff).status_code == 200
    everyone = client.get("/api/v1/badges.pdf?all=1", headers=staff)
    assert everyone.status_code == 200
    db.session.expire_all()
    printed = dict(db.session.execute(db.select(Delegate.id, Delegate.badge_print_count)).all())
    assert printed == {approved.id: 2, pending.id: 0, rejected.id: 0}


def test_the_door_refuses_a_pending_or_rejected_delegate(client, summit):
    approved = make_delegate(summit, "Ada", "Lovelace")
    pending = make_delegate(summit, "Wei", "Zhang", accreditation="pending")
    staff = api_token("staff")
    refused = client.post("/api/v1/checkins", json={"code": checkin_code(pending)}, headers=staff)
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_accredited"
    # rejected after the badge was printed: still refused at the door
    approved_code = checkin_code(approved)
    assert decide(client, approved.id, decision="reject").status_code == 200
    refused = client.post("/api/v1/checkins", json={"code": approved_code}, headers=staff)
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_accredited"
    db.session.expire_all()
    assert db.session.scalars(db.select(Delegate.checked_in_at).where(Delegate.checked_in_at.is_not(None))).all() == []


def test_the_desk_refuses_to_print_a_pending_delegate_and_says_why(client, summit):
    pending = make_delegate(summit, "Wei", "Zhang", accreditation="pending")
    login(client, staff_user())
    page = client.get("/desk/badges?lang=en")
    assert "Pending: no badge until approved" in text(page.text) and 'name="print"' not in page.text
    answer = client.post("/desk/badges/print", data={"csrf_token": csrf_token(page.text), "print": str(pending.id)},
                         headers={"Referer": "https://summit.test/desk/"})
    assert answer.status_code == 409 and "only delegates whose registration the organisers have approved" in \
        text(answer.get_data(as_text=True))
    scanned = client.post("/desk/checkin.json", json={"code": checkin_code(pending)},
                          headers={"Referer": "https://summit.test/desk/", "X-CSRFToken": csrf_token(page.text)})
    assert scanned.status_code == 409 and scanned.get_json()["result"] == "not_accredited"


# ------------------------------------------------------------------ what the database holds

def test_the_database_refuses_an_unknown_accreditation_or_level(app, summit):
    delegate = make_delegate(summit)
    for statement in ("UPDATE delegate SET accreditation = 'maybe' WHERE id = :id",
                      "UPDATE delegate SET protocol_level = 'emperor' WHERE id = :id",
                      "UPDATE summit SET registration_mode = 'lottery'"):
        with pytest.raises(IntegrityError):
            with db.session.begin_nested():
                db.session.execute(sql(statement), {"id": delegate.id})
        db.session.rollback()
    assert db.session.get(Delegate, delegate.id).accreditation == "approved"
    assert db.session.query(RouteBooking).count() == 0


# ------------------------------------------------------------------ the console's switch

def test_an_organiser_switches_the_mode_in_the_console_and_staff_cannot(app, client, summit):
    from support.console_support import sign_in
    assert client.get("/register").status_code == 200  # the blank form, now kept (web/read_cache.py)
    staff = sign_in(app.test_client(), "staff")
    assert staff.get("/console/accreditation").status_code == 403
    assert app.test_client().get("/console/accreditation").status_code == 302  # to the login page
    organiser = sign_in(app.test_client(), "organiser")
    page = organiser.get("/console/accreditation?lang=zh").get_data(as_text=True)
    assert "仅限邀请" in text(page) and "贵宾" in text(page)
    staff_page = staff.get("/console/tokens").get_data(as_text=True)
    refused = staff.post("/console/accreditation", data={"csrf_token": csrf_token(staff_page), "registration_mode": "open"},
                         headers={"Referer": "https://summit.test/console/"})
    assert refused.status_code == 403
    answer = organiser.post("/console/accreditation", data={"csrf_token": csrf_token(page),
                                                            "registration_mode": "invitation"},
                            headers={"Referer": "https://summit.test/console/"})
    assert answer.status_code == 303
    assert client.get("/api/v1/summit").get_json()["registration_mode"] == "invitation"
    assert db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.action == "summit.registration_mode")).one()
    assert client.get("/register").status_code == 403  # the kept form is not served once it has closed
    page = organiser.get("/console/accreditation").get_data(as_text=True)
    assert organiser.post("/console/accreditation", data={"csrf_token": csrf_token(page), "registration_mode": "open"},
                          headers={"Referer": "https://summit.test/console/"}).status_code == 303
    assert client.get("/register").status_code == 200  # nor the kept refusal once it has opened again
