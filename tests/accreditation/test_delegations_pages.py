"""Delegations through the pages: the console (organisers create, revoke and reissue; staff look) and the
focal point's page behind its secret link (add, edit, route, withdraw, resend; friendly when revoked)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from support.app import csrf_token
from support.console_support import sign_in, text
from support.factories import delegate_data, route, set_capacity
from summit.models import AuditEntry, Delegate, Delegation
from summit.plumbing.extensions import db
from summit.services.accreditation import delegations


def make(summit, places=3) -> delegations.Issued:
    return delegations.create_delegation(summit, {
        "name_zh": "加纳代表团", "name_en": "Delegation of Ghana", "country": "GH", "focal_name": "Kofi Mensah",
        "focal_email": "kofi@example.gh", "places": places}, None)


def member_form(**overrides) -> dict:
    data = {"given_name": "Ama", "family_name": "Owusu", "email": "ama@example.gh", "organisation": "Ministry",
            "country": "GH", "category": "government", "language": "en", "route": ""}
    data.update(overrides)
    return data


def post(client, url: str, data: dict, page: str | None = None):
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(html), **data})


# ------------------------------------------------------------------ the console

def test_an_organiser_creates_a_delegation_and_sees_its_link_once(client, summit):
    sign_in(client, "organiser")
    form = client.get("/console/delegations/new").get_data(as_text=True)
    assert 'name="country"' in form and "Senegal" in form  # the registration form's country list
    typed = {"name_zh": "塞内加尔代表团", "name_en": "Delegation of Senegal", "country": "SN",
             "focal_name": "Awa Ndiaye", "focal_email": "awa@example.sn", "places": "4", "focal_language": ""}
    bad = post(client, "/console/delegations/new", {**typed, "places": "lots", "focal_email": "awa@"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "塞内加尔代表团" in page and "Awa Ndiaye" in page and 'value="lots"' in page  # what was typed is kept
    assert db.session.scalar(select(db.func.count()).select_from(Delegation)) == 0

    created = post(client, "/console/delegations/new", typed)
    assert created.status_code == 201
    shown = re.search(r"https://summit\.test/delegation/([\w-]{40,})", created.get_data(as_text=True)).group(1)
    assert delegations.delegation_for_token(shown).name_en == "Delegation of Senegal"
    row = db.session.scalars(select(Delegation)).one()
    listing = text(client.get("/console/delegations").get_data(as_text=True))
    assert "Delegation of Senegal" in listing and "Awa Ndiaye" in listing
    detail = client.get(f"/console/delegations/{row.id}").get_data(as_text=True)
    assert shown not in detail  # shown once only

    revoked = post(client, f"/console/delegations/{row.id}/revoke", {}, page=f"/console/delegations/{row.id}")
    assert revoked.status_code == 302
    with pytest.raises(delegations.DelegationRevoked):
        delegations.delegation_for_token(shown)
    reissued = post(client, f"/console/delegations/{row.id}/reissue", {}, page=f"/console/delegations/{row.id}")
    assert reissued.status_code == 200
    new = re.search(r"https://summit\.test/delegation/([\w-]{40,})", reissued.get_data(as_text=True)).group(1)
    assert new != shown and delegations.delegation_for_token(new).id == row.id
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "delegation")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["delegation.create", "delegation.revoke", "delegation.reissue"]


def test_staff_see_delegations_and_their_members_states_but_change_nothing(client, summit):
    issued = make(summit)
    delegations.add_member(issued.delegation, {**member_form(), "route": None})
    sign_in(client, "staff")
    assert client.get("/console/delegations").status_code == 200
    page = client.get(f"/console/delegations/{issued.delegation.id}").get_data(as_text=True)
    assert "Ama Owusu" in text(page) and "Approved" in text(page)
    assert "/reissue" not in page and "/revoke" not in page
    assert client.get("/console/delegations/new").status_code == 403
    token = csrf_token(page)
    for action in ("revoke", "reissue"):
        assert client.post(f"/console/delegations/{issued.delegation.id}/{action}",
                           data={"csrf_token": token}).status_code == 403
    assert client.get("/console/delegations/99999").status_code == 404


def test_the_console_asks_visitors_to_sign_in(client, summit):
    issued = make(summit)
    for url in ("/console/delegations", "/console/delegations/new", f"/console/delegations/{issued.delegation.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/console/login" in response.headers["Location"]


# ------------------------------------------------------------------ the focal point's page

def test_the_focal_point_adds_edits_routes_and_withdraws_members(client, summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    issued = make(summit, places=2)
    home = f"/delegation/{issued.token}"
    page = client.get(home)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Delegation of Ghana" in html and "delegation-import" in html  # the importer's place is marked
    assert 'value="R1"' not in html and f'value="{r1.id}"' in html  # the routes, with their places

    bad = post(client, f"{home}/members", member_form(given_name="王"), page=home)
    assert bad.status_code == 422 and 'value="ama@example.gh"' in bad.get_data(as_text=True)
    added = post(client, f"{home}/members", member_form(route=str(r1.id)), page=home)
    assert added.status_code == 302
    ama = db.session.scalars(select(Delegate).where(Delegate.email == "ama@example.gh")).one()
    assert ama.delegation_id == issued.delegation.id and ama.booking.status == "confirmed"
    full_route = post(client, f"{home}/members", member_form(email="kwame@example.gh", given_name="Kwame",
                                                             route=str(r1.id)), page=home)
    assert full_route.status_code == 409  # the route is full and they would not wait
    waiting = post(client, f"{home}/members", member_form(email="kwame@example.gh", given_name="Kwame",
                                                          route=str(r1.id), join_waitlist="y"), page=home)
    assert waiting.status_code == 302
    listed = text(client.get(home).get_data(as_text=True))
    assert "Ama Owusu" in listed and "Kwame Owusu" in listed and "waiting list, number 1" in listed
    over = post(client, f"{home}/members", member_form(email="esi@example.gh", given_name="Esi"), page=home)
    assert over.status_code == 409 and "Every place of your delegation is taken" in over.get_data(as_text=True)

    edit = f"{home}/members/{ama.id}"
    assert 'value="Ama"' in client.get(edit).get_data(as_text=True)
    saved = post(client, edit, {**member_form(), "organisation": "Embassy of Ghana"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Delegate, ama.id).organisation == "Embassy of Ghana"
    moved = post(client, f"{edit}/route", {"route": ""}, page=edit)
    assert moved.status_code == 302
    kwame = db.session.scalars(select(Delegate).where(Delegate.email == "kwame@example.gh")).one()
    assert kwame.booking.status == "confirmed"  # promoted into the seat Ama gave up

    assert "Yes, withdraw them" in client.get(f"{home}/members/{ama.id}/withdraw").get_data(as_text=True)
    withdrawn = post(client, f"{home}/members/{ama.id}/withdraw", {})
    assert withdrawn.status_code == 302
    db.session.expire_all()
    assert db.session.get(Delegate, ama.id).status == "cancelled"
    assert db.session.get(Delegation, issued.delegation.id).members_live == 1
    assert client.get(edit).status_code == 404  # a withdrawn member is no longer on the page


def test_the_focal_point_resends_a_members_link(client, summit, caplog):
    caplog.set_level("INFO", logger="summit.mail")
    issued = make(summit)
    added = delegations.add_member(issued.delegation, {**member_form(), "route": None})
    home = f"/delegation/{issued.token}"
    sent = post(client, f"{home}/members/{added.delegate.id}/link", {}, page=home)
    assert sent.status_code == 302
    assert "A new personal link is on its way to ama@example.gh" in client.get(home).get_data(as_text=True)
    from summit.plumbing.mail_transport import wait_for_pending_mail
    wait_for_pending_mail()
    mailed = [r.getMessage() for r in caplog.records if r.name == "summit.mail" and r.args and r.args[0] == "ama@example.gh"]
    assert any("Here is the new personal link" in m for m in mailed)


def test_a_revoked_or_unknown_link_is_a_friendly_page(client, summit):
    issued = make(summit)
    added = delegations.add_member(issued.delegation, {**member_form(), "route": None})
    unknown = client.get("/delegation/not-a-real-link")
    assert unknown.status_code == 404 and "This delegation link does not work" in unknown.get_data(as_text=True)
    delegations.revoke_link(summit, issued.delegation.id, None)
    for url in (f"/delegation/{issued.token}", f"/delegation/{issued.token}/members/{added.delegate.id}"):
        gone = client.get(url)
        assert gone.status_code == 410 and "ask them for a new one" in gone.get_data(as_text=True)
        assert gone.headers["Referrer-Policy"] == "no-referrer"
    refused = client.post(f"/delegation/{issued.token}/members", data=member_form())
    assert refused.status_code == 410
    zh = client.get("/delegation/not-a-real-link?lang=zh").get_data(as_text=True)
    assert "This delegation link does not work" not in zh


def test_another_delegations_member_is_not_found_on_my_page(client, summit):
    mine, theirs = make(summit), make(summit)
    other = delegations.add_member(theirs.delegation, {**member_form(), "route": None})
    home = f"/delegation/{mine.token}"
    assert client.get(f"{home}/members/{other.delegate.id}").status_code == 404
    assert post(client, f"{home}/members/{other.delegate.id}/withdraw", {}, page=home).status_code == 404
    db.session.expire_all()
    assert db.session.get(Delegate, other.delegate.id).status == "registered"
