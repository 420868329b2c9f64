"""Issue 17, items 1–3: the versioned privacy notice, separate consents, the delegate's own data copy.

Through the doors delegates use: the API with their token, the form, the self-service page.
"""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from summit.models import AuditEntry, BookingEvent, Consent, Delegate, PrivacyNotice
from summit.plumbing.extensions import db
from summit.services import messages
from summit.services.checkin.arrivals import check_in
from summit.services.checkin.codes import checkin_code
from summit.services.privacy import consents, notices
from summit.services.summits.seeding import seed_summit, default_definition_path

from support.app import csrf_token
from support.console_support import api_token, make_user
from support.factories import delegate_data, route, set_capacity


def post(client, body):
    return client.post("/api/v1/registrations", data=json.dumps(body), content_type="application/json")


def auth(token):
    return {"Authorization": f"Bearer {token}"}


# --- 1. the notice -----------------------------------------------------------------------------------

def test_the_notice_is_public_in_both_languages_and_says_what_the_law_asks(client, summit):
    en = client.get("/privacy?lang=en")
    zh = client.get("/privacy?lang=zh")
    assert en.status_code == zh.status_code == 200
    english, chinese = en.get_data(as_text=True), zh.get_data(as_text=True)
    for words in ("Ministry of Transport of the People", "separate consent", "180 days after the forum ends",
                  "25 March 2025", "transferred to China", "withdraw", "privacy@gstf2024.example.org"):
        assert words in english, words
    for words in ("中华人民共和国交通运输部", "单独同意", "180天", "2025年3月25日", "跨境", "撤回"):
        assert words in chinese, words
    assert client.get("/privacy/1").status_code == 200
    assert client.get("/privacy/99").status_code == 404


def test_a_changed_text_is_a_new_version_and_the_old_one_stays(app, client, summit, tmp_path):
    first = notices.latest(summit.id)
    assert first.version == 1
    assert seed_summit().notice_version is None  # the same text: no new version
    changed = default_definition_path().read_text().replace("fifteen working days", "ten working days")
    path = tmp_path / "gstf.toml"
    path.write_text(changed)
    assert seed_summit(path).notice_version == 2
    assert "ten working days" in client.get("/privacy?lang=en").get_data(as_text=True)
    old = client.get("/privacy/1?lang=en").get_data(as_text=True)
    assert "fifteen working days" in old and "This is an earlier version." in old
    # A registration from now on consents under the new version, not the first.
    body = post(client, delegate_data()).get_json()
    consent = db.session.scalars(select(Consent).where(Consent.delegate_id == body["id"])).one()
    assert consent.notice.version == 2


def test_forms_and_mails_link_the_notice(client, summit):
    for url in ("/register", "/privacy", "/"):
        assert 'href="/privacy"' in client.get(url).get_data(as_text=True), url
    from summit.models import RouteBooking, VisitRoute
    from summit.plumbing.mail_templates import render_email
    someone = Delegate(given_name="Ada", family_name="Lovelace", language="zh")
    someone.booking = RouteBooking(status="confirmed", route=VisitRoute(code="R1", name_zh="线路", name_en="Route"))
    for name in ("registration_confirmation", "promotion_notice", "new_link"):
        for language in ("zh", "en"):
            mail = render_email(name, language, delegate=someone, booking=someone.booking, position=None,
                                summit_name="Summit", manage_url="https://summit.test/manage/x", hours=24)
            assert mail.text.endswith("https://summit.test/privacy"), (name, language)
            assert 'href="https://summit.test/privacy"' in mail.html, (name, language)


# --- 2. consents -------------------------------------------------------------------------------------

def test_registering_records_the_processing_consent_under_the_notice_version(client, summit):
    body = post(client, delegate_data()).get_json()
    rows = db.session.scalars(select(Consent).where(Consent.delegate_id == body["id"])).all()
    assert [(c.kind, c.notice.version, c.withdrawn_at) for c in rows] == [("processing", 1, None)]
    assert post(client, delegate_data(consent=False)).status_code == 422


def test_needs_without_the_sensitive_consent_are_refused_and_with_it_recorded(client, summit):
    refused = post(client, delegate_data(dietary_needs="Halal"))
    assert refused.status_code == 422
    assert "sensitive_consent" in refused.get_json()["errors"]
    assert post(client, delegate_data(accessibility_needs="Wheelchair", sensitive_consent="yes")).status_code == 422
    body = post(client, delegate_data(dietary_needs="Halal", sensitive_consent=True)).get_json()
    kinds = db.session.scalars(select(Consent.kind).where(Consent.delegate_id == body["id"]).order_by(Consent.kind))
    assert list(kinds) == ["processing", "sensitive"]
    # no needs: no sensitive consent asked, none recorded even if ticked
    plain = post(client, delegate_data(sensitive_consent=True)).get_json()
    assert list(db.session.scalars(select(Consent.kind).where(Consent.delegate_id == plain["id"]))) == ["processing"]


def test_the_rule_is_one_function_another_feature_extends():
    assert not consents.needs_sensitive_consent({"dietary_needs": "", "accessibility_needs": None})
    assert consents.needs_sensitive_consent({"accessibility_needs": "Step-free access"})
    consents.SENSITIVE_FIELDS["passport_number"] = None
    try:
        assert consents.needs_sensitive_consent({"passport_number": "X1234567"})
    finally:
        del consents.SENSITIVE_FIELDS["passport_number"]


def test_withdrawing_erases_the_needs_at_once(client, summit):
    body = post(client, delegate_data(dietary_needs="No pork", accessibility_needs="Hearing loop",
                                      sensitive_consent=True)).get_json()
    url = "/api/v1/registrations/self/consents/sensitive/withdraw"
    assert client.post(url).status_code == 401
    answer = client.post(url, headers=auth(body["token"]))
    assert answer.status_code == 200 and answer.get_json() == {"withdrawn": True}
    db.session.expire_all()
    delegate = db.session.get(Delegate, body["id"])
    assert (delegate.dietary_needs, delegate.accessibility_needs) == ("", "")
    consent = db.session.scalars(select(Consent).where(Consent.delegate_id == delegate.id,
                                                       Consent.kind == "sensitive")).one()
    assert consent.withdrawn_at is not None
    assert client.post(url, headers=auth(body["token"])).get_json() == {"withdrawn": False}  # a double click
    copy = client.get("/api/v1/registrations/self/data", headers=auth(body["token"])).get_json()
    assert [(c["kind"], c["withdrawn_at"] is not None) for c in copy["consents"]] == [
        ("processing", False), ("sensitive", True)]


def test_the_form_asks_the_sensitive_consent_beside_the_needs_and_keeps_what_was_typed(client, summit):
    page = client.get("/register?lang=en").get_data(as_text=True)
    assert 'name="sensitive_consent"' in page and "separate consent" in page
    form = {"csrf_token": csrf_token(client.get("/register").get_data(as_text=True)), "given_name": "Ada", "family_name": "Lovelace",
            "email": "ada-form@example.org", "organisation": "Analytical Engines", "country": "GB",
            "category": "academia", "language": "en", "consent": "y", "dietary_needs": "Vegetarian", "route": ""}
    refused = client.post("/register?lang=en", data=form)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "please tick the box that lets us use them" in text and "Vegetarian" in text
    done = client.post("/register?lang=en", data={**form, "sensitive_consent": "y"})
    assert done.status_code == 302
    delegate = db.session.scalars(select(Delegate).where(Delegate.email == "ada-form@example.org")).one()
    assert delegate.dietary_needs == "Vegetarian" and consents.in_force(delegate.id, "sensitive")


def test_self_service_withdraw_button(client, summit):
    body = post(client, delegate_data(dietary_needs="Halal", sensitive_consent=True)).get_json()
    manage = "/manage/" + body["token"]
    page = client.get(manage).get_data(as_text=True)
    assert "Withdraw my consent and erase my needs" in page
    answer = client.post(manage + "/consents/sensitive/withdraw", data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Delegate, body["id"]).dietary_needs == ""
    assert "Withdraw my consent" not in client.get(manage).get_data(as_text=True)


def test_delegation_members_are_covered_by_the_focal_point(client, summit):
    organiser = api_token("organiser")
    delegation = client.post("/api/v1/delegations", headers=organiser, json={
        "name": {"zh": "代表团", "en": "Delegation"}, "country": "KE",
        "focal_point": {"name": "Focal Point", "email": "focal-pd@example.org"}, "places": 5}).get_json()
    data = delegate_data()
    data.pop("consent")
    plain = client.post("/api/v1/delegations/self/members", headers=auth(delegation["token"]), json=data)
    assert plain.status_code == 201
    with_needs = {**delegate_data(dietary_needs="Kosher")}
    with_needs.pop("consent")
    needs = client.post("/api/v1/delegations/self/members", headers=auth(delegation["token"]), json=with_needs)
    assert needs.status_code == 201
    covered = db.session.scalars(select(Consent).where(Consent.delegate_id == needs.get_json()["id"])
                                 .order_by(Consent.kind)).all()
    assert [(c.kind, c.given_by) for c in covered] == [("processing", "focal_point"), ("sensitive", "focal_point")]
    rows = db.session.scalars(select(Consent).where(Consent.delegate_id == plain.get_json()["id"])).all()
    assert [(c.kind, c.given_by) for c in rows] == [("processing", "focal_point")]


# --- 3. the data copy --------------------------------------------------------------------------------

def test_the_copy_holds_everything_and_each_download_is_audited(client, summit):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r2, 1)
    first = post(client, delegate_data(route_id=r2.id)).get_json()  # holds R2's only place
    body = post(client, delegate_data(route_id=r1.id, dietary_needs="Halal", sensitive_consent=True,
                                      native_name="阿米娜")).get_json()
    token = body["token"]
    # moves to the full R2's line, then is promoted when the first delegate cancels
    moved = client.patch("/api/v1/registrations/self", headers=auth(token), json={"route_id": r2.id, "join_waitlist": True})
    assert moved.get_json()["route"]["status"] == "waitlisted"
    assert client.delete("/api/v1/registrations/self", headers=auth(first["token"])).status_code == 204
    staff = api_token("staff")
    delegate = db.session.get(Delegate, body["id"])
    assert client.post("/api/v1/checkins", headers=staff, json={"code": checkin_code(delegate)}).status_code == 200
    assert client.get(f"/api/v1/badges.pdf?ids={body['id']}", headers=staff).status_code == 200
    organiser = make_user("organiser", "pd-copy@example.org")
    messages.send_message(summit, {"subject_zh": "通知", "subject_en": "A notice", "body_zh": "正文",
                                   "body_en": "The coach leaves at 13:30."}, messages.Audience(), organiser)

    answer = client.get("/api/v1/registrations/self/data", headers=auth(token))
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    assert answer.get_data(as_text=True).startswith('{\n  "')  # indented, readable
    copy = answer.get_json()
    assert copy["details"]["native_name"] == "阿米娜" and copy["details"]["dietary_needs"] == "Halal"
    assert "manage_token_hash" not in copy["details"] and token not in answer.get_data(as_text=True)
    assert [c["kind"] for c in copy["consents"]] == ["processing", "sensitive"]
    assert all(c["notice_version"] == 1 and c["notice_url"] == "https://summit.test/privacy/1"
               for c in copy["consents"])
    assert [(e["event"], e["route"]["code"]) for e in copy["route_history"]] == [
        ("booked", "R1"), ("left", "R1"), ("waiting", "R2"), ("promoted", "R2")]
    assert copy["route"]["current"]["code"] == "R2" and copy["route"]["status"] == "confirmed"
    assert [c["zone"]["code"] for c in copy["checkins"]] == ["venue"]
    assert any(m.get("subject") == "A notice" for m in copy["messages"])
    assert any(m["kind"] == "promotion_notice" for m in copy["messages"])
    # the confirmation went past the outbox (it carries the manage link): it is listed, the link is not kept
    confirmation = [m for m in copy["messages"] if m["kind"] == "registration_confirmation"]
    assert [(m["status"], m["to"]) for m in confirmation] == [("sent", delegate.email)]
    assert copy["badge"]["print_count"] == 1 and copy["badge"]["printed_at"]
    assert copy["accreditation"]["status"] == "approved"
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "download",
                                                         AuditEntry.entity == "data_copy", AuditEntry.entity_id == body["id"])).all()
    assert len(audits) == 1


def test_the_copy_needs_the_delegates_own_live_token(client, summit):
    url = "/api/v1/registrations/self/data"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth("not-a-token")).status_code == 401
    assert client.get(url, headers=api_token("organiser")).status_code == 401  # a console token is no delegate's
    one, other = post(client, delegate_data()).get_json(), post(client, delegate_data()).get_json()
    assert client.get(url, headers=auth(other["token"])).get_json()["details"]["id"] == other["id"]
    assert client.delete("/api/v1/registrations/self", headers=auth(one["token"])).status_code == 204
    assert client.get(url, headers=auth(one["token"])).status_code == 401  # cancelled: the token is revoked
    assert client.get(f"/manage/{one['token']}/data").status_code == 404
    assert client.get("/manage/not-a-token/data.json").status_code == 404


def test_the_printable_page_in_both_languages_and_the_json_download(client, summit):
    body = post(client, delegate_data(route_id=route(summit, "R1").id)).get_json()
    base = f"/manage/{body['token']}"
    en = client.get(base + "/data?lang=en")
    zh = client.get(base + "/data?lang=zh")
    assert en.status_code == zh.status_code == 200
    assert "Route history" in en.get_data(as_text=True) and "Place confirmed" in en.get_data(as_text=True)
    # fields by their form's name (the JSON's name beside), the confirmation among the messages
    assert "Given name (Latin letters)" in en.get_data(as_text=True)
    assert "Confirmation of your registration" in en.get_data(as_text=True)
    assert "注册确认" in zh.get_data(as_text=True) and "注册编号" in zh.get_data(as_text=True)
    assert "Route history" not in zh.get_data(as_text=True)
    assert "data-copy.css" in en.get_data(as_text=True)
    download = client.get(base + "/data.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.get_json()["details"]["id"] == body["id"]
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "download", AuditEntry.entity == "data_copy", AuditEntry.entity_id == body["id"])) == 3  # two pages, one file
