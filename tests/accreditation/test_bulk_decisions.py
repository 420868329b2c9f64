"""Many decisions at once: decisions.decide_many and POST /api/v1/accreditation/decisions (an addition to
the contract's "Accreditation: who may come"): all or none, audited per delegate, mailed per delegate
in their language after the commit, a rejection through the capacity rule and with a reason."""
from __future__ import annotations

import re

import pytest

from support.console_support import api_token
from support.mail_inbox import app_with_inbox, mails_to
from support.factories import make_delegate, register, route, set_capacity
from summit.models import AuditEntry, Delegate, RouteBooking
from summit.plumbing.errors import NotFound, ValidationFailed
from summit.plumbing.extensions import db
from summit.plumbing.mail_transport import wait_for_pending_mail
from summit.services.accreditation import decisions, modes

URL = "/api/v1/accreditation/decisions"


def pending(summit, n: int, **fields) -> list[Delegate]:
    modes.set_mode(summit, "approval", None)
    made = [register(summit, **fields).delegate for _ in range(n)]
    modes.set_mode(summit, "open", None)
    return made


def states(ids) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(db.select(Delegate.id, Delegate.accreditation).where(Delegate.id.in_(ids))).all())


def test_bulk_approval_decides_each_and_audits_each(app, summit):
    people = pending(summit, 3)
    ids = [d.id for d in people]
    decided = decisions.decide_many(summit, ids + ids[:1], {"decision": "approve"}, None)
    assert [d.delegate.id for d in decided] == ids and {d.previous for d in decided} == {"pending"}
    assert set(states(ids).values()) == {"approved"}
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "delegate.approve")).all()
    assert sorted(e.entity_id for e in entries) == sorted(ids)
    assert all(e.changes == {"accreditation": ["pending", "approved"], "reason": [None, None]} and e.at
               for e in entries)


def test_all_or_none_an_unknown_or_cancelled_delegate_decides_no_one(app, summit):
    people = pending(summit, 2)
    gone = make_delegate(summit, accreditation="pending", status="cancelled")
    with pytest.raises(decisions.Cancelled) as refused:
        decisions.decide_many(summit, [people[0].id, gone.id, people[1].id], {"decision": "approve"}, None)
    assert refused.value.details["ids"] == [gone.id]
    with pytest.raises(NotFound) as unknown:
        decisions.decide_many(summit, [people[0].id, 999_999], {"decision": "approve"}, None)
    assert unknown.value.details["ids"] == [999_999]
    assert set(states([d.id for d in people]).values()) == {"pending"}
    assert db.session.query(AuditEntry).filter(AuditEntry.action == "delegate.approve").count() == 0


def test_a_bulk_rejection_needs_a_reason_and_hands_seats_on_through_the_capacity_rule(app, summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 2)
    holders = pending(summit, 2, route_id=r1.id)
    waiting = pending(summit, 2, route_id=r1.id, join_waitlist=True)
    with pytest.raises(decisions.ReasonRequired) as refused:
        decisions.decide_many(summit, [d.id for d in holders], {"decision": "reject", "reason": "   "}, None)
    assert refused.value.code == "reason_required" and "reason" in refused.value.errors
    decided = decisions.decide_many(summit, [d.id for d in holders], {"decision": "reject",
                                                                       "reason": "Places are for delegations."}, None)
    assert sorted(b.delegate_id for d in decided for b in d.promoted) == sorted(d.id for d in waiting)
    db.session.expire_all()
    assert db.session.get(type(r1), r1.id).confirmed == 2
    assert set(db.session.scalars(db.select(RouteBooking.status).where(
        RouteBooking.delegate_id.in_([d.id for d in waiting])))) == {"confirmed"}
    reasons = {e.changes["reason"][1] for e in db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "delegate.reject"))}
    assert reasons == {"Places are for delegations."}
    assert db.session.query(AuditEntry).filter(AuditEntry.action == "delegate.promoted").count() == 2


def test_five_hundred_approvals_in_one_go_each_audited(app, summit):
    """Its speed is bench/bulk_approval.py's to measure (a timed test fails on a loaded machine)."""
    from support.bulk_delegates import insert_delegates
    insert_delegates(summit.id, 500)
    db.session.execute(db.update(Delegate).values(accreditation="pending"))
    db.session.commit()
    ids = list(db.session.scalars(db.select(Delegate.id).where(Delegate.status == "registered")))
    decided = decisions.decide_many(summit, ids, {"decision": "approve"}, None)
    assert len(decided) == len(ids) and set(states(ids).values()) == {"approved"}
    assert db.session.query(AuditEntry).filter(AuditEntry.action == "delegate.approve").count() == len(ids)


# ------------------------------------------------------------------ the API

def test_the_api_decides_many_and_says_what_changed(client, summit):
    people = pending(summit, 2)
    already = register(summit).delegate  # open mode: approved
    organiser = api_token("organiser")
    answer = client.post(URL, json={"ids": [people[0].id, already.id, people[1].id], "decision": "approve"},
                         headers=organiser)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["decision"] == "approve" and body["decided"] == 3 and body["changed"] == 2
    assert [d["id"] for d in body["delegates"]] == [people[0].id, already.id, people[1].id]
    assert body["delegates"][1] == {"id": already.id, "accreditation": "approved", "previous": "approved"}
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.entity_id == people[0].id,
                                                           AuditEntry.action == "delegate.approve")).one()
    assert entry.user_id is not None


@pytest.mark.parametrize("body, status, error", [
    ({"ids": [], "decision": "approve"}, 422, "validation_failed"),
    ({"ids": ["1"], "decision": "approve"}, 422, "validation_failed"),
    ({"ids": [1], "decision": "perhaps"}, 422, "validation_failed"),
    ({"decision": "approve"}, 422, "validation_failed"),
    ({"ids": list(range(1, decisions.BULK_MAX + 2)), "decision": "approve"}, 422, "validation_failed"),
    ({"ids": [999_999], "decision": "approve"}, 404, "unknown_delegate"),
])
def test_the_api_refuses_bad_bodies_with_a_4xx(client, summit, body, status, error):
    answer = client.post(URL, json=body, headers=api_token("organiser"))
    assert answer.status_code == status and answer.get_json()["error"] == error, answer.get_json()


def test_the_api_refuses_a_rejection_without_reason(client, summit):
    people = pending(summit, 1)
    answer = client.post(URL, json={"ids": [people[0].id], "decision": "reject"}, headers=api_token("organiser"))
    assert answer.status_code == 422 and answer.get_json()["error"] == "reason_required"
    assert "reason" in answer.get_json()["errors"]
    assert states([people[0].id]) == {people[0].id: "pending"}


def test_authorisation_no_token_staff_and_a_delegates_token_are_refused(client, summit):
    person = pending(summit, 1)[0]
    other = register(summit)  # another party: a delegate's own token
    body = {"ids": [person.id], "decision": "approve"}
    assert client.post(URL, json=body).status_code == 401
    assert client.post(URL, json=body, headers=api_token("staff")).status_code == 403
    assert client.post(URL, json=body, headers={"Authorization": f"Bearer {other.manage_token}"}).status_code == 401
    assert states([person.id]) == {person.id: "pending"}
    assert client.post(URL, json=body, headers=api_token("organiser")).status_code == 200  # the control


@pytest.fixture
def mail_app(database_url):
    with app_with_inbox(database_url) as world:
        yield world


def test_each_delegate_is_mailed_in_their_language_after_the_commit(mail_app):
    app, summit, inbox = mail_app
    r1 = route(summit, "R1")
    zh = pending(summit, 1, language="zh", route_id=r1.id)[0]
    en = pending(summit, 1, language="en")[0]
    wait_for_pending_mail()
    inbox.clear()
    client = app.test_client()
    organiser = api_token("organiser")
    answer = client.post(URL, json={"ids": [zh.id, en.id], "decision": "approve"}, headers=organiser)
    assert answer.status_code == 200
    wait_for_pending_mail()
    (to_zh,), (to_en,) = mails_to(inbox, zh.email), mails_to(inbox, en.email)
    assert to_zh["Subject"].strip().startswith("您的报名已获批准")
    text_zh = to_zh.get_body(("plain",)).get_content()
    assert "R1" in text_zh and "/manage/lost-link" in text_zh and "日历" in text_zh
    assert re.search(r"https://\S+/calendar/\S+\.ics", text_zh)  # the personal feed, signed afresh
    assert to_en["Subject"].strip().startswith("Your registration is approved")
    assert "calendar" in to_en.get_body(("plain",)).get_content()
    inbox.clear()
    answer = client.post(URL, json={"ids": [zh.id, en.id], "decision": "reject",
                                    "reason": "Seats are for the invited delegations."}, headers=organiser)
    assert answer.status_code == 200
    wait_for_pending_mail()
    for person, words in ((zh, "很遗憾"), (en, "We regret")):
        (message,) = mails_to(inbox, person.email)
        text = message.get_body(("plain",)).get_content()
        assert words in text and "Seats are for the invited delegations." in text
        assert "accreditation@gstf2024.example.org" in text
