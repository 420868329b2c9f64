"""Messages to delegates: an organiser writes in zh and en, sees who will receive it, and sends.

Through the console's pages, as an organiser does: the recipient count for each filter combination is
the one the delegates' own data gives, each recipient reads their own language only (subject, text and
HTML), once; the send is audited and its delivery log shows sent, failed and retried mails.  Staff are
refused, a post without its CSRF token changes nothing, and bad input keeps what was typed.
"""
from __future__ import annotations

import email
import itertools
import re
import socket
import time
from dataclasses import dataclass
from email import policy

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from support.app import _empty_tables, csrf_token, make_app
from support.console_support import same_origin, sign_in, text
from support.factories import register, route
from support.smtp_sink import smtp_sink
from summit.models import AuditEntry, Delegate, Message, OutboxMail
from summit.plumbing import mail_transport
from summit.plumbing.extensions import db
from summit.services import messages, outbox
from summit.services.accreditation import decisions, delegations, levels, modes
from summit.services.registration import delegates as registration
from summit.services.summits.current import current_summit
from summit.services.summits.seeding import seed_summit

NEW = "/console/messages/new"


@dataclass(frozen=True)
class Person:
    given: str
    language: str
    category: str
    banquet: bool
    route: str | None
    level: str
    accreditation: str
    live: bool = True


PEOPLE = [
    Person("Wei", "zh", "government", True, "R1", "vip", "approved"),
    Person("Amina", "en", "enterprise", False, "R1", "delegate", "approved"),
    Person("Carlos", "en", "government", True, None, "delegate", "pending"),
    Person("Li", "zh", "media", False, "R2", "media", "rejected"),
    Person("Sara", "en", "academia", True, "R2", "vip", "approved"),
    Person("Ming", "zh", "government", False, None, "delegate", "approved"),
    Person("Olga", "en", "government", True, "R1", "vip", "approved", live=False),  # cancelled: never a recipient
]


def populate(summit) -> dict[str, Delegate]:
    """The people above, registered and decided through the services."""
    made = {}
    modes.set_mode(summit, "approval", None)
    for n, person in enumerate(PEOPLE):
        fields = {"given_name": person.given, "family_name": "Test", "email": f"{person.given.lower()}@example.org",
                  "language": person.language, "category": person.category, "banquet": person.banquet}
        if person.route:
            fields["route_id"] = route(summit, person.route).id
        delegate = register(summit, **fields).delegate
        if person.level != "delegate":
            levels.set_protocol(delegate, {"protocol_level": person.level}, None)
        if person.accreditation != "pending":
            decisions.decide(summit, delegate.id,
                             {"decision": "approve" if person.accreditation == "approved" else "reject",
                              "reason": "Not on the list."}, None)
        if not person.live:
            registration.cancel(db.session.get(Delegate, delegate.id))
        made[person.given] = delegate
    modes.set_mode(summit, "open", None)
    return made


def expected(audience: dict, route_ids: dict[str, int]) -> set[str]:
    """Whom the filter means, worked out from PEOPLE, not from the database."""
    def matches(p: Person) -> bool:
        if not p.live:
            return False
        if "protocol_level" in audience and p.level != audience["protocol_level"]:
            return False
        if "category" in audience and p.category != audience["category"]:
            return False
        if "accreditation" in audience and p.accreditation != audience["accreditation"]:
            return False
        if "banquet" in audience and p.banquet != (audience["banquet"] == "yes"):
            return False
        if "route" in audience:
            held = None if p.accreditation == "rejected" else p.route  # a rejection gives the place up
            if audience["route"] == "none" and held is not None:
                return False
            if audience["route"] != "none" and route_ids.get(held) != int(audience["route"]):
                return False
        return True
    return {p.given for p in PEOPLE if matches(p)}


@pytest.fixture
def world(database_url):
    """An organiser signed in to the console, the people above, and an SMTP server that keeps what it gets."""
    with smtp_sink() as (host, port, inbox):
        app = make_app(database_url, MAIL_SERVER=host, MAIL_PORT=port, MAIL_USE_TLS=False)
        with app.app_context():
            seed_summit()
            summit = current_summit()
            people = populate(summit)
            inbox.clear()
            client = sign_in(app.test_client(), "organiser")
            yield app, client, summit, people, inbox
            db.session.remove()
            db.engine.dispose()
    _empty_tables(database_url)


WORDS = {"subject_zh": "会议通知：交通安排", "subject_en": "Notice: transport",
         "body_zh": "各位代表：\n大巴八点出发。\n\n请准时到达。", "body_en": "Dear all,\nThe bus leaves at eight.\n\nPlease be on time."}


def post(client, action="preview", expected_count=None, **fields):
    page = client.get(NEW).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "action": action, **WORDS, **fields}
    if expected_count is not None:
        data["expected"] = str(expected_count)
    return client.post(NEW, data=data)


def preview_count(html: str) -> int:
    match = re.search(r"(\d+) (?:delegates? will receive it|位代表将收到)", text(html))
    assert match, text(html)[:2000]
    return int(match.group(1))


# ------------------------------------------------------------------ who receives it

def test_the_recipient_count_matches_the_delegates_for_every_combination_of_filters(world):
    app, client, summit, people, _inbox = world
    route_ids = {code: route(summit, code).id for code in ("R1", "R2")}
    choices = {
        "protocol_level": [None, "vip", "delegate", "media"],
        "accreditation": [None, "approved", "pending", "rejected"],
        "banquet": [None, "yes", "no"],
        "route": [None, "none", str(route_ids["R1"]), str(route_ids["R2"])],
        "category": [None, "government", "media"],
    }
    names = list(choices)
    checked = 0
    for values in itertools.product(*choices.values()):
        audience = {name: value for name, value in zip(names, values) if value is not None}
        want = expected(audience, route_ids)
        got = messages.preview(summit, messages.parse_audience(summit, audience))
        assert got.count == len(want), audience
        assert {name.split()[0] for name in got.names} == want, audience
        checked += 1
    assert checked == 4 * 4 * 3 * 4 * 3
    # and through the page, for a few of them
    for audience in ({}, {"banquet": "yes"}, {"protocol_level": "vip", "route": str(route_ids["R1"])},
                     {"accreditation": "pending", "category": "government"}, {"route": "none", "banquet": "no"}):
        answer = post(client, **audience)
        assert answer.status_code == 200
        assert preview_count(answer.get_data(as_text=True)) == len(expected(audience, route_ids)), audience


def test_a_delegation_is_a_filter_and_its_focal_point_gets_one_copy_in_their_language(world):
    _app, client, summit, _people, inbox = world
    issued = delegations.create_delegation(summit, {
        "name_zh": "肯尼亚代表团", "name_en": "Kenya", "country": "KE", "focal_name": "Grace Focal",
        "focal_email": "focal@example.ke", "places": 5, "focal_language": "zh"}, None)
    for given, language in (("Kamau", "en"), ("Wanjiru", "zh")):
        delegations.add_member(issued.delegation, {
            "given_name": given, "family_name": "Test", "email": f"{given.lower()}@example.ke", "organisation": "Ministry",
            "country": "KE", "category": "government", "language": language, "consent": True, "route_id": None})
    mail_transport.wait_for_pending_mail()  # the invitation and the members' confirmations
    inbox.clear()
    delegation_id = str(issued.delegation.id)
    assert messages.preview(summit, messages.parse_audience(summit, {"delegation_id": delegation_id})).count == 2
    assert preview_count(post(client, delegation_id=delegation_id, category="government").get_data(as_text=True)) == 2
    assert preview_count(post(client, delegation_id=delegation_id, category="media").get_data(as_text=True)) == 0
    assert post(client, delegation_id="999999").status_code == 422

    sent = post(client, action="send", expected_count=2, delegation_id=delegation_id, copy_focal_point="y")
    assert sent.status_code == 303
    message = db.session.scalars(select(Message)).one()
    assert message.recipients == 2 and message.copy_focal_point
    got = {}
    for raw in inbox:
        mail = email.message_from_bytes(raw.encode(), policy=policy.default)
        got[mail["To"]] = got.get(mail["To"], 0) + 1
        if mail["To"] == "focal@example.ke":
            assert mail["Subject"] == WORDS["subject_zh"] and "Grace Focal" in mail.get_body(("plain",)).get_content()
    assert got == {"kamau@example.ke": 1, "wanjiru@example.ke": 1, "focal@example.ke": 1}


# ------------------------------------------------------------------ sending

def test_an_organiser_previews_sends_and_each_delegate_reads_their_own_language_once(world):
    app, client, summit, people, inbox = world
    audience = {"banquet": "yes"}  # Wei (zh), Carlos, Sara (en); Olga cancelled
    shown = post(client, **audience)
    page = shown.get_data(as_text=True)
    assert preview_count(page) == 3 and "Carlos TEST" in text(page) and "Olga" not in text(page)
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)
                             .where(OutboxMail.message_id.is_not(None))) == 0  # a preview sends nothing

    sent = post(client, action="send", expected_count=3, **audience)
    assert sent.status_code == 303
    message = db.session.scalars(select(Message)).one()
    assert sent.headers["Location"].endswith(f"/console/messages/{message.id}")
    assert message.recipients == 3 and message.audience == audience

    by_to = {}
    for raw in inbox:
        # as bytes: an 8bit part parsed from a str comes back with its non-ASCII letters escaped
        mail = email.message_from_bytes(raw.encode(), policy=policy.default)
        assert mail["To"] not in by_to, "a recipient got the message twice"
        by_to[mail["To"]] = mail
    assert set(by_to) == {"wei@example.org", "carlos@example.org", "sara@example.org"}
    for to, mail in by_to.items():
        plain, rich = mail.iter_parts()
        body, html = plain.get_content(), rich.get_content()
        if to == "wei@example.org":
            assert mail["Subject"] == WORDS["subject_zh"]
            assert "大巴八点出发。" in body and "请准时到达。" in body and "bus" not in body + html
            assert "Wei Test" in body and '<html lang="zh-Hans">' in html and "各位代表：<br>大巴八点出发。" in html
        else:
            assert mail["Subject"] == WORDS["subject_en"]
            assert "The bus leaves at eight." in body and "大巴" not in body + html
            assert not re.search(r"[\u3000-\u9fff]", body.replace(summit.name_zh, ""))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "message.send")).one()
    assert entry.entity_id == message.id and entry.changes["recipients"] == [None, 3]

    log = client.get(f"/console/messages/{message.id}").get_data(as_text=True)
    assert "3 sent, 0 waiting, 0 failed" in text(log) and "wei@example.org" in log
    assert WORDS["subject_en"] in client.get("/console/messages").get_data(as_text=True)


def test_the_unique_row_keeps_a_message_to_one_copy_per_recipient(world):
    _app, client, summit, people, _inbox = world
    post(client, action="send", expected_count=1, category="academia")
    message = db.session.scalars(select(Message)).one()
    with pytest.raises(IntegrityError):
        db.session.execute(insert(OutboxMail), [outbox.row("message", "sara@example.org", "en", {},
                                                           delegate_id=people["Sara"].id, message_id=message.id)])
        db.session.commit()
    db.session.rollback()


def test_a_count_that_changed_since_the_preview_sends_nothing_and_shows_the_new_count(world):
    _app, client, summit, _people, _inbox = world
    answer = post(client, action="send", expected_count=99, banquet="yes")
    assert answer.status_code == 409 and preview_count(answer.get_data(as_text=True)) == 3
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    nobody = post(client, action="send", expected_count=0, category="other")
    assert nobody.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def _refusing_port() -> int:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        return unused.getsockname()[1]


def test_the_delivery_log_shows_failed_and_retried_mail_with_their_tries(world):
    app, client, summit, _people, inbox = world
    good_port = app.config["MAIL_PORT"]
    app.config.update(MAIL_PORT=_refusing_port(), MAIL_OUTBOX_RETRY_DELAYS=(0.1, 0.1, 0.1))
    post(client, action="send", expected_count=2, protocol_level="vip")  # Wei, Sara: both refused once
    message = db.session.scalars(select(Message)).one()
    log = text(client.get(f"/console/messages/{message.id}").get_data(as_text=True))
    assert "0 sent, 2 waiting, 0 failed" in log and "ConnectionRefusedError" in log
    # Sara's mail gets through on the next try; Wei's is refused until it is given up
    sara, wei = (db.session.scalars(select(OutboxMail).where(OutboxMail.to == to,
                                                             OutboxMail.message_id == message.id)).one()
                 for to in ("sara@example.org", "wei@example.org"))
    wei.next_attempt_at = sara.next_attempt_at.replace(year=2100)
    db.session.commit()
    app.config["MAIL_PORT"] = good_port
    time.sleep(0.15)
    assert outbox.drain(app) == 1
    app.config["MAIL_PORT"] = _refusing_port()
    wei = db.session.get(OutboxMail, wei.id)
    wei.next_attempt_at = sara.created_at
    db.session.commit()
    for _ in range(3):
        outbox.drain(app)
        time.sleep(0.15)
        db.session.rollback()
        row = db.session.get(OutboxMail, wei.id, populate_existing=True)
        if row.status == "failed":
            break
        row.next_attempt_at = sara.created_at
        db.session.commit()
    log = text(client.get(f"/console/messages/{message.id}").get_data(as_text=True))
    assert "1 sent, 0 waiting, 1 failed; 2 needed more than one try." in log, log
    assert "retried" in log and "failed" in log
    assert [m for m in inbox if "sara@example.org" in m]


# ------------------------------------------------------------------ who may, and bad input

def test_staff_cannot_see_or_send_messages(world, database_url):
    app, _client, summit, _people, _inbox = world
    staff = sign_in(app.test_client(), "staff", "staff-messages@example.org")
    for path in ("/console/messages", NEW, "/console/messages/1"):
        assert staff.get(path).status_code == 403, path
    assert staff.post(NEW, data={**WORDS, "action": "send"}).status_code in (400, 403)
    anonymous = same_origin(app.test_client())
    assert anonymous.get(NEW).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_post_without_its_csrf_token_sends_nothing(world):
    _app, client, _summit, _people, inbox = world
    answer = client.post(NEW, data={**WORDS, "action": "send", "expected": "6"})
    assert answer.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0 and inbox == []


def test_bad_input_is_refused_with_its_reason_and_keeps_what_was_typed(world):
    _app, client, summit, _people, _inbox = world
    answer = post(client, action="send", expected_count=5, subject_en="",
                  body_zh="请注意\u202e反向文字", body_en="Kept as typed: <b>bold</b> & more", route="999999",
                  banquet="maybe")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "text-direction control" in page  # the text rule's own message
    assert "This field is required." in page
    assert "Choose one of the summit&#39;s routes" in page and "Choose banquet guests" in page
    assert "Kept as typed: &lt;b&gt;bold&lt;/b&gt; &amp; more" in page  # what was typed, safely back in the form
    assert WORDS["subject_zh"] in page
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_the_form_is_in_chinese_for_a_chinese_page(world):
    _app, client, _summit, _people, _inbox = world
    page = client.get(NEW + "?lang=zh").get_data(as_text=True)
    assert "主题（中文）" in page and "收件人范围" in page and "查看收件人" in page
