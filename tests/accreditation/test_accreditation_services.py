"""Accreditation's rules as services (summit/services/accreditation/), and the mails its decisions send."""
from __future__ import annotations

import email
from email import policy

import pytest

from support.app import _empty_tables, make_app
from support.factories import register, route, set_capacity
from support.smtp_sink import smtp_sink
from summit.models import AuditEntry, Delegate, ProtocolLevel, RouteBooking, Summit
from summit.plumbing.errors import NotFound, ValidationFailed
from summit.plumbing.extensions import db
from summit.services.accreditation import decisions, levels, modes
from summit.services.accreditation.gates import NotAccredited, refuse_unless_approved
from summit.services.registration import delegates as registration
from summit.services.summits.current import current_summit
from summit.services.summits.seeding import seed_summit


def in_mode(summit, mode: str) -> Summit:
    return modes.set_mode(summit, mode, None)


def test_the_mode_decides_how_a_registration_starts(app, summit):
    assert register(summit).delegate.accreditation == "approved"
    in_mode(summit, "approval")
    assert register(summit).delegate.accreditation == "pending"
    in_mode(summit, "invitation")
    with pytest.raises(modes.RegistrationClosed) as refused:
        register(summit)
    assert refused.value.status == 403 and "accreditation@gstf2024.example.org" in str(refused.value)
    with pytest.raises(ValidationFailed):
        modes.set_mode(summit, "lottery", None)
    assert db.session.query(Delegate).count() == 2


def test_a_rejection_hands_the_seat_to_the_first_in_line_through_the_capacity_rule(app, summit):
    in_mode(summit, "approval")
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    holder = register(summit, route_id=r1.id).delegate
    waiting = register(summit, route_id=r1.id, join_waitlist=True).delegate
    decision = decisions.decide(summit, holder.id, {"decision": "reject", "reason": "no invitation"}, None)
    assert [b.delegate_id for b in decision.promoted] == [waiting.id]
    assert decision.previous == "pending" and decision.delegate.accreditation == "rejected"
    db.session.expire_all()
    assert db.session.get(RouteBooking, decision.promoted[0].id).status == "confirmed"
    assert db.session.scalars(db.select(RouteBooking).where(RouteBooking.delegate_id == holder.id)).first() is None
    assert db.session.get(type(r1), r1.id).confirmed == 1
    # approved after all: admitted again, but the seat it gave up stays with whoever has it now
    again = decisions.decide(summit, holder.id, {"decision": "approve"}, None)
    assert again.delegate.accreditation == "approved" and again.promoted == []
    assert db.session.get(type(r1), r1.id).confirmed == 1


def test_rejecting_someone_who_only_waits_promotes_no_one(app, summit):
    in_mode(summit, "approval")
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    register(summit, route_id=r1.id)
    waiting = register(summit, route_id=r1.id, join_waitlist=True).delegate
    third = register(summit, route_id=r1.id, join_waitlist=True).delegate
    assert decisions.decide(summit, waiting.id, {"decision": "reject"}, None).promoted == []
    db.session.expire_all()
    assert db.session.scalars(db.select(RouteBooking.status).where(RouteBooking.delegate_id == third.id)).one() \
        == "waitlisted"


def test_a_cancelled_delegate_cannot_be_decided_on(app, summit):
    delegate = register(summit).delegate
    registration.cancel(delegate)
    with pytest.raises(decisions.Cancelled):
        decisions.decide(summit, delegate.id, {"decision": "approve"}, None)
    with pytest.raises(NotFound):
        decisions.decide(summit, delegate.id + 1000, {"decision": "approve"}, None)
    with pytest.raises(ValidationFailed):
        decisions.decide(summit, delegate.id, {"decision": "perhaps"}, None)


def test_levels_and_titles_follow_the_text_rules_and_the_summits_levels(app, summit):
    delegate = register(summit, title="  Prof.  ").delegate
    assert delegate.title == "Prof."
    changed = levels.set_protocol(delegate, {"protocol_level": "media", "title": "Dr"}, None)
    assert (changed.protocol_level, changed.title) == ("media", "Dr")
    with pytest.raises(ValidationFailed) as refused:
        levels.set_protocol(changed, {"protocol_level": "emperor", "title": "a\x07b"}, None)
    assert set(refused.value.errors) == {"protocol_level", "title"}
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "delegate.protocol")).one()
    assert entry.changes == {"protocol_level": ["delegate", "media"], "title": ["Prof.", "Dr"]}


def test_the_gate_names_every_delegate_not_approved(app, summit):
    in_mode(summit, "approval")
    pending = register(summit).delegate
    with pytest.raises(NotAccredited) as refused:
        refuse_unless_approved([pending])
    assert refused.value.errors == {str(pending.id): ["pending"]} and refused.value.details["ids"] == [pending.id]


def test_seeding_loads_the_levels_once_and_keeps_an_organisers_mode(app, summit):
    codes = {level.code: level.rank for level in levels.levels(summit)}
    assert codes["vip"] == 1 and {"delegate", "media", "staff"} <= set(codes)
    in_mode(summit, "approval")
    report = seed_summit()
    assert report.access.created == [] and report.access.updated == []
    assert "summit:access" in report.access.kept_edited
    assert db.session.get(Summit, summit.id).registration_mode == "approval"
    assert db.session.query(ProtocolLevel).count() == len(codes)


def test_a_summit_file_without_levels_still_has_the_default_one(app, tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text('[summit]\nslug = "tiny"\nname_zh = "小会"\nname_en = "Tiny"\n'
                    'starts_on = 2025-01-01\nends_on = 2025-01-02\n')
    seed_summit(path)
    summit = current_summit()
    assert [level.code for level in levels.levels(summit)] == ["delegate"]
    assert summit.registration_mode == "open"
    broken = tmp_path / "broken.toml"
    broken.write_text(path.read_text().replace('slug = "tiny"', 'slug = "tiny2"\nregistration_mode = "maybe"')
                      + '[[protocol_levels]]\ncode = "vip"\nname_zh = "贵宾"\nname_en = "VIP"\nrank = 1\n')
    with pytest.raises(ValidationFailed) as refused:
        seed_summit(broken)
    assert any("registration_mode" in p for p in refused.value.errors["file"])
    assert any("must include 'delegate'" in p for p in refused.value.errors["file"])


# ------------------------------------------------------------------ the decision mails

@pytest.fixture
def mail_app(database_url):
    with smtp_sink() as (host, port, inbox):
        app = make_app(database_url, MAIL_SERVER=host, MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_DELIVERY="inline")
        with app.app_context():
            seed_summit()
            yield app, current_summit(), inbox
            db.session.remove()
            db.engine.dispose()
    _empty_tables(database_url)


def last_mail(inbox, to: str):
    for raw in reversed(inbox):
        # as bytes: a short mail goes 8bit, and a str parse would hand its UTF-8 back escaped
        message = email.message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=policy.default)
        if message["To"] == to:
            return message
    raise AssertionError(f"no mail to {to}")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_decision_mails_the_delegate_in_their_language(mail_app, language):
    from support.console_support import api_token
    app, summit, inbox = mail_app
    modes.set_mode(summit, "approval", None)
    client = app.test_client()
    organiser = api_token("organiser")
    r1 = route(summit, "R1")
    to = f"{language}@example.org"
    body = client.post("/api/v1/registrations", json={
        "given_name": "Amina", "family_name": "Diallo", "email": to, "organisation": "Ministry", "country": "SN",
        "category": "government", "consent": True, "language": language, "route_id": r1.id}).get_json()
    waiting = last_mail(inbox, to).get_body(("plain",)).get_content()
    assert ("等待主办方审核" if language == "zh" else "awaits the organisers' decision") in waiting
    approved = client.post(f"/api/v1/delegates/{body['id']}/accreditation", json={"decision": "approve"},
                           headers=organiser)
    assert approved.status_code == 200
    message = last_mail(inbox, to)
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"].strip().startswith("您的报名已获批准" if language == "zh" else "Your registration is approved")
    assert "R1" in text and "/manage/lost-link" in text
    assert ("主办方已批准您的报名" if language == "zh" else "approved your registration") in text
    assert message.get_body(("html",)) is not None

    client.post(f"/api/v1/delegates/{body['id']}/accreditation",
                json={"decision": "reject", "reason": "Places are for invited <b>delegations</b>"}, headers=organiser)
    message = last_mail(inbox, to)
    text = message.get_body(("plain",)).get_content()
    assert ("很遗憾" if language == "zh" else "We regret") in text
    assert "Places are for invited <b>delegations</b>" in text
    assert "accreditation@gstf2024.example.org" in text
    assert "&lt;b&gt;" in message.get_body(("html",)).get_content()
    count = len(inbox)
    # the same decision again changes nothing and says nothing
    client.post(f"/api/v1/delegates/{body['id']}/accreditation", json={"decision": "reject"}, headers=organiser)
    assert len(inbox) == count
