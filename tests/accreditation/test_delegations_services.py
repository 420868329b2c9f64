"""Delegations' rules, through the service (services/accreditation/delegations.py): places that hold,
members checked by the registration rules, links that are secret, revocable and reissued."""
from __future__ import annotations


import pytest
from sqlalchemy import select, text as sql
from sqlalchemy.exc import IntegrityError

from support.factories import delegate_data, register, route, set_capacity
from summit.models import AuditEntry, Delegate, Delegation, Summit
from summit.plumbing.errors import NotFound, ValidationFailed
from summit.plumbing.extensions import db
from summit.plumbing.secrets import token_hash
from summit.services.accreditation import delegations
from summit.services.registration import delegates as registration
from summit.services.registration.delegates import EmailTaken
from summit.services.visits.capacity import RouteFull


def delegation_data(**overrides) -> dict:
    data = {"name_zh": "塞内加尔代表团", "name_en": "Delegation of Senegal", "country": "SN",
            "focal_name": "Awa Ndiaye", "focal_email": "Focal@Example.SN", "places": 3}
    data.update(overrides)
    return data


def make(summit, **overrides) -> delegations.Issued:
    return delegations.create_delegation(summit, delegation_data(**overrides), None)


def set_mode(summit, mode: str) -> None:
    db.session.get(Summit, summit.id).registration_mode = mode
    db.session.commit()


def member_data(**overrides) -> dict:
    data = delegate_data(**overrides)
    data.pop("consent")
    return data


def live_count(delegation_id: int) -> tuple[int, int]:
    """(members_live as counted, live member rows)."""
    db.session.rollback()
    counter = db.session.get(Delegation, delegation_id, populate_existing=True).members_live
    rows = db.session.scalar(select(db.func.count()).select_from(Delegate).where(
        Delegate.delegation_id == delegation_id, Delegate.status == "registered"))
    return counter, rows


# ------------------------------------------------------------------ creating, and the link

def test_a_delegation_is_created_audited_and_its_secret_is_stored_hashed(summit):
    issued = make(summit)
    row = db.session.get(Delegation, issued.delegation.id)
    assert row.token_hash == token_hash(issued.token) and issued.token not in row.token_hash
    assert (row.focal_email, row.places, row.members_live, row.focal_language) == ("focal@example.sn", 3, 0, "en")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "delegation.create")).one()
    assert entry.entity == "delegation" and entry.entity_id == row.id
    assert delegations.delegation_for_token(issued.token).id == row.id
    assert make(summit, country="CN", focal_email="zhang@example.cn").delegation.focal_language == "zh"


@pytest.mark.parametrize("field, value", [("name_zh", ""), ("name_en", " "), ("country", "XX"), ("country", None),
                                          ("focal_email", "not an email"), ("focal_name", "\u202eNIMDA"),
                                          ("places", -1), ("places", "many"), ("places", True),
                                          ("places", 10_001), ("focal_language", "fr")])
def test_a_bad_field_is_named_and_nothing_is_created(summit, field, value):
    with pytest.raises(ValidationFailed) as refused:
        make(summit, **{field: value})
    assert field in refused.value.errors
    assert db.session.scalar(select(db.func.count()).select_from(Delegation)) == 0


def test_unknown_and_revoked_links_are_typed_errors_and_a_reissue_replaces_the_link(summit):
    issued = make(summit)
    for bad in ("", "x" * 500, "not-a-token", None):
        with pytest.raises(delegations.UnknownDelegationLink):
            delegations.delegation_for_token(bad)
    delegations.revoke_link(summit, issued.delegation.id, None)
    with pytest.raises(delegations.DelegationRevoked) as revoked:
        delegations.delegation_for_token(issued.token)
    assert revoked.value.status == 410 and revoked.value.code == "delegation_revoked"
    again = delegations.reissue_link(summit, issued.delegation.id, None)
    assert again.token != issued.token
    assert delegations.delegation_for_token(again.token).id == issued.delegation.id
    with pytest.raises(delegations.UnknownDelegationLink):
        delegations.delegation_for_token(issued.token)  # the old secret is no one's now
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["delegation.create", "delegation.revoke", "delegation.reissue"]


def test_delegate_tokens_and_delegation_tokens_open_only_their_own_doors(summit):
    issued = make(summit)
    member = delegations.add_member(issued.delegation, member_data())
    with pytest.raises(delegations.UnknownDelegationLink):
        delegations.delegation_for_token(member.manage_token)
    with pytest.raises(NotFound):
        registration.delegate_for_manage_token(issued.token)


# ------------------------------------------------------------------ members

def test_a_member_is_a_delegate_with_their_own_link_consent_and_the_summits_starting_state(summit):
    issued = make(summit)
    added = delegations.add_member(issued.delegation, member_data(email="Moussa@Example.SN"))
    member = db.session.get(Delegate, added.delegate.id)
    assert member.delegation_id == issued.delegation.id and member.consent_at is not None
    assert member.email == "moussa@example.sn" and member.accreditation == "approved"  # open mode
    assert registration.delegate_for_manage_token(added.manage_token).id == member.id
    for mode in ("approval", "invitation"):  # invitation included: delegations are its only door
        set_mode(summit, mode)
        assert delegations.add_member(issued.delegation, member_data()).delegate.accreditation == "pending"
    assert live_count(issued.delegation.id) == (3, 3)


def test_a_member_is_checked_by_the_registration_rules(summit):
    issued = make(summit)
    with pytest.raises(ValidationFailed) as refused:
        delegations.add_member(issued.delegation, member_data(given_name="王", email="nope", country="ZZ"))
    assert {"given_name", "email", "country"} <= set(refused.value.errors)
    with pytest.raises(ValidationFailed) as refused:
        delegations.add_member(issued.delegation, member_data(protocol_level="vip"))
    assert "protocol_level" in refused.value.errors
    register(summit, email="taken@example.org")
    with pytest.raises(EmailTaken):
        delegations.add_member(issued.delegation, member_data(email="TAKEN@example.org"))
    assert live_count(issued.delegation.id) == (0, 0)  # no place was kept by a refused member


def test_places_run_out_with_delegation_full_and_a_withdrawn_member_frees_one(summit):
    issued = make(summit, places=2)
    first = delegations.add_member(issued.delegation, member_data())
    delegations.add_member(issued.delegation, member_data())
    with pytest.raises(delegations.DelegationFull) as full:
        delegations.add_member(issued.delegation, member_data())
    assert full.value.status == 409 and full.value.code == "delegation_full"
    delegations.withdraw_member(issued.delegation, first.delegate.id)
    assert live_count(issued.delegation.id) == (1, 1)
    delegations.add_member(issued.delegation, member_data())
    assert live_count(issued.delegation.id) == (2, 2)


def test_a_member_cancelling_themselves_frees_the_delegations_place_too(summit):
    issued = make(summit, places=1)
    added = delegations.add_member(issued.delegation, member_data())
    registration.cancel(registration.delegate_for_manage_token(added.manage_token))
    assert live_count(issued.delegation.id) == (0, 0)
    delegations.add_member(issued.delegation, member_data())


def test_a_rejected_member_still_holds_the_delegations_place(summit):
    from summit.services.accreditation import decisions
    issued = make(summit, places=1)
    added = delegations.add_member(issued.delegation, member_data())
    decisions.decide(summit, added.delegate.id, {"decision": "reject", "reason": "no"}, None)
    with pytest.raises(delegations.DelegationFull):
        delegations.add_member(issued.delegation, member_data())


def test_a_revoked_delegation_takes_no_member(summit):
    issued = make(summit)
    delegations.revoke_link(summit, issued.delegation.id, None)
    with pytest.raises(delegations.DelegationRevoked):
        delegations.add_member(db.session.get(Delegation, issued.delegation.id), member_data())


def test_the_database_refuses_more_members_than_places(summit):
    issued = make(summit, places=1)
    with pytest.raises(IntegrityError):
        db.session.execute(sql("UPDATE delegation SET members_live = 2 WHERE id = :id"), {"id": issued.delegation.id})
        db.session.commit()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(sql("UPDATE delegation SET members_live = -1 WHERE id = :id"), {"id": issued.delegation.id})
        db.session.commit()
    db.session.rollback()


def test_members_routes_follow_the_capacity_rule_and_withdrawing_promotes(summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    issued = make(summit, places=3)
    seated = delegations.add_member(issued.delegation, member_data(route_id=r1.id))
    assert seated.delegate.booking.status == "confirmed"
    with pytest.raises(RouteFull):
        delegations.add_member(issued.delegation, member_data(route_id=r1.id))
    assert live_count(issued.delegation.id) == (1, 1)
    waiting = delegations.add_member(issued.delegation, member_data(route_id=r1.id, join_waitlist=True))
    assert waiting.delegate.booking.status == "waitlisted"
    delegations.withdraw_member(issued.delegation, seated.delegate.id)
    db.session.rollback()
    assert db.session.get(Delegate, waiting.delegate.id).booking.status == "confirmed"
    change = delegations.choose_member_route(issued.delegation, waiting.delegate.id, {"route_id": None})
    assert change.booking is None


def test_members_are_edited_listed_and_only_this_delegations(summit):
    issued, other = make(summit), make(summit, focal_email="other@example.org")
    mine = delegations.add_member(issued.delegation, member_data(given_name="Awa"))
    theirs = delegations.add_member(other.delegation, member_data())
    delegations.update_member(issued.delegation, mine.delegate.id, {"organisation": "Embassy of Senegal"})
    assert db.session.get(Delegate, mine.delegate.id).organisation == "Embassy of Senegal"
    assert [m.id for m in delegations.members(issued.delegation)] == [mine.delegate.id]
    for call in (lambda: delegations.update_member(issued.delegation, theirs.delegate.id, {"organisation": "x"}),
                 lambda: delegations.withdraw_member(issued.delegation, theirs.delegate.id),
                 lambda: delegations.resend_member_link(issued.delegation, theirs.delegate.id),
                 lambda: delegations.member(issued.delegation, 10**12)):
        with pytest.raises(NotFound):
            call()
    listed = {d.id: d.members_live for d in delegations.list_delegations(summit)}
    assert listed == {issued.delegation.id: 1, other.delegation.id: 1}


def test_resending_a_members_link_gives_them_a_new_pending_link(summit):
    issued = make(summit)
    added = delegations.add_member(issued.delegation, member_data())
    delegations.resend_member_link(issued.delegation, added.delegate.id)
    member = db.session.get(Delegate, added.delegate.id)
    assert member.pending_manage_token_hash is not None
    assert registration.delegate_for_manage_token(added.manage_token).id == member.id  # the old one still works


# ------------------------------------------------------------------ many at once (the importer's interface)

def test_bulk_rows_are_all_or_nothing_with_errors_by_row(summit):
    issued = make(summit, places=10)
    register(summit, email="already@example.org")
    rows = [member_data(email="a@example.org"), member_data(given_name="李"), member_data(email="A@example.org"),
            member_data(email="already@example.org"), member_data(route_id=99999), member_data()]
    with pytest.raises(delegations.MemberRowsInvalid) as refused:
        delegations.add_members(issued.delegation.id, rows)
    errors = refused.value.row_errors
    assert set(errors) == {1, 2, 3, 4}
    assert "given_name" in errors[1] and "email" in errors[2] and "email" in errors[3] and "route_id" in errors[4]
    assert isinstance(refused.value, ValidationFailed) and refused.value.status == 422
    assert live_count(issued.delegation.id) == (0, 0)

    good = [rows[0], rows[5], member_data()]
    assert delegations.add_members(issued.delegation.id, good, dry_run=True) == 3
    assert live_count(issued.delegation.id) == (0, 0)
    assert delegations.add_members(issued.delegation.id, good) == 3
    assert live_count(issued.delegation.id) == (3, 3)


def test_bulk_rows_beyond_the_free_places_are_delegation_full(summit):
    issued = make(summit, places=2)
    with pytest.raises(delegations.DelegationFull):
        delegations.add_members(issued.delegation.id, [member_data() for _ in range(3)], dry_run=True)
    with pytest.raises(delegations.DelegationFull):
        delegations.add_members(issued.delegation.id, [member_data() for _ in range(3)])
    assert live_count(issued.delegation.id) == (0, 0)


def test_bulk_rows_take_routes_by_the_capacity_rule_and_a_full_route_refuses_them_all(summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    issued = make(summit, places=5)
    rows = [member_data(route_id=r1.id), member_data(route_id=r1.id), member_data(route_id=r1.id, join_waitlist=True),
            member_data(route_id=r1.id)]
    with pytest.raises(delegations.MemberRowsInvalid) as refused:
        delegations.add_members(issued.delegation.id, rows)
    assert set(refused.value.row_errors) == {1, 3}  # every row that finds the route full, not only the first
    assert live_count(issued.delegation.id) == (0, 0)
    assert delegations.add_members(issued.delegation.id, [rows[0], rows[2]]) == 2
    db.session.rollback()
    statuses = sorted(m.booking.status for m in delegations.members(db.session.get(Delegation, issued.delegation.id)))
    assert statuses == ["confirmed", "waitlisted"]


def test_two_thousand_rows_go_in_with_their_seats_first_come_first_served(summit):
    """Their speed is bench/member_import.py's to measure (a timed test fails on a loaded machine)."""
    issued = make(summit, places=2000)
    r1 = route(summit, "R1")
    rows = [member_data(route_id=r1.id if i % 4 == 0 else None, join_waitlist=True) for i in range(2000)]
    assert delegations.add_members(issued.delegation.id, rows, dry_run=True) == 2000
    assert live_count(issued.delegation.id) == (0, 0)  # a dry run writes nothing
    assert delegations.add_members(issued.delegation.id, rows) == 2000
    assert live_count(issued.delegation.id) == (2000, 2000)
    # the route's counter and its bookings agree, and the seats went first come first served
    from summit.models import RouteBooking, VisitRoute
    seats = db.session.get(VisitRoute, r1.id, populate_existing=True)
    confirmed = db.session.scalars(select(RouteBooking.delegate_id).where(
        RouteBooking.route_id == r1.id, RouteBooking.status == "confirmed").order_by(RouteBooking.delegate_id)).all()
    waiting = db.session.scalars(select(RouteBooking.delegate_id).where(
        RouteBooking.route_id == r1.id, RouteBooking.status == "waitlisted").order_by(RouteBooking.id)).all()
    assert len(confirmed) == seats.confirmed == seats.capacity and len(confirmed) + len(waiting) == 500
    assert max(confirmed) < min(waiting) and waiting == sorted(waiting)


# ------------------------------------------------------------------ the mails

@pytest.fixture
def mail_app(database_url):
    from support.app import _empty_tables, make_app
    from support.smtp_sink import smtp_sink
    from summit.services.summits.current import current_summit
    from summit.services.summits.seeding import seed_summit
    with smtp_sink() as (host, port, inbox):
        app = make_app(database_url, MAIL_SERVER=host, MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_DELIVERY="inline")
        with app.app_context():
            seed_summit()
            yield app, current_summit(), inbox
            db.session.remove()
            db.engine.dispose()
    _empty_tables(database_url)


def mails_to(inbox, to: str) -> list:
    import email
    from email import policy
    found = [email.message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=policy.default) for raw in inbox]
    return [m for m in found if m["To"] == to]


def test_the_focal_point_is_invited_in_both_languages_and_each_member_gets_their_own_link(mail_app):
    _, summit, inbox = mail_app
    issued = make(summit, name_en="Delegation of <Senegal>")
    [invitation] = mails_to(inbox, "focal@example.sn")
    text = invitation.get_body(("plain",)).get_content()
    html = invitation.get_body(("html",)).get_content()
    link = f"https://summit.test/delegation/{issued.token}"
    assert "邀请" in invitation["Subject"] or "代表团" in invitation["Subject"]
    assert "Your delegation's link" in invitation["Subject"]
    for part in (text, html):
        assert part.count(link) >= 2  # once in each language
        assert "联络人" in part and "focal point" in part and "塞内加尔代表团" in part
    assert "Delegation of <Senegal>" in text and "Delegation of &lt;Senegal&gt;" in html
    assert "<Senegal>" not in html

    again = delegations.reissue_link(summit, issued.delegation.id, None)
    assert f"https://summit.test/delegation/{again.token}" in \
        mails_to(inbox, "focal@example.sn")[-1].get_body(("plain",)).get_content()

    added = delegations.add_member(issued.delegation, member_data(email="moussa@example.sn", language="en"))
    [confirmation] = mails_to(inbox, "moussa@example.sn")
    assert f"https://summit.test/manage/{added.manage_token}" in confirmation.get_body(("plain",)).get_content()
    delegations.resend_member_link(issued.delegation, added.delegate.id)
    new_link = mails_to(inbox, "moussa@example.sn")[-1].get_body(("plain",)).get_content()
    assert "https://summit.test/manage/" in new_link and added.manage_token not in new_link
