"""The door's amber state: a genuine badge whose holder the organisers have not admitted (pending) or have
refused (rejected, even after the badge was printed) is neither green nor red, says which in the staff
member's language, and is not checked in."""
from __future__ import annotations

import pytest

from support.app import csrf_token
from support.badge_helpers import login, staff_user
from support.console_support import text
from support.factories import make_delegate
from summit.models import Delegate
from summit.plumbing.extensions import db
from summit.services.accreditation import decisions
from summit.services.checkin.codes import checkin_code

REFERER = {"Referer": "https://summit.test/desk/"}


def scan(client, code: str, language: str = "en"):
    page = client.get(f"/desk/checkin?lang={language}")
    return client.post("/desk/checkin.json", json={"code": code},
                       headers={**REFERER, "X-CSRFToken": csrf_token(page.text)})


def never_checked_in(delegate) -> bool:
    db.session.expire_all()
    return db.session.get(Delegate, delegate.id).checked_in_at is None


@pytest.mark.parametrize("state, words", [
    ("pending", "Pending: the organisers have not decided on this registration yet."),
    ("rejected", "Rejected: the organisers did not accept this registration."),
])
def test_a_delegate_not_accredited_is_amber_and_says_why(summit, client, state, words):
    delegate = make_delegate(summit, "Wei", "Zhang", "张伟", country="CN", accreditation=state)
    login(client, staff_user())
    answer = scan(client, checkin_code(delegate))
    assert answer.status_code == 409 and answer.json["result"] == "not_accredited"
    html = answer.json["html"]
    assert "verdict-amber" in html and f"verdict-{state}" in html
    assert "verdict-ok" not in html and "verdict-unknown" not in html
    assert "⚠" in html and "Not accredited: do not admit." in text(html) and words in text(html)
    assert "ZHANG" in html  # the holder's name, so the staff can send them on
    assert never_checked_in(delegate)


def test_amber_in_the_staff_members_language_without_a_script(summit, client):
    delegate = make_delegate(summit, "Wei", "Zhang", accreditation="pending")
    login(client, staff_user())
    page = client.get("/desk/checkin?lang=zh")
    answer = client.post("/desk/checkin?lang=zh", data={"csrf_token": csrf_token(page.text),
                                                          "code": checkin_code(delegate)}, headers=REFERER)
    assert answer.status_code == 409 and "verdict-amber" in answer.text
    assert "未获认证：请勿放行。" in text(answer.text) and "待审核" in text(answer.text)
    assert never_checked_in(delegate)


def test_a_delegate_rejected_after_their_badge_was_printed_is_refused_amber(summit, client):
    delegate = make_delegate(summit, "Layla", "Haddad", country="JO")
    login(client, staff_user())
    badges = client.get("/desk/badges?lang=en")
    printed = client.post("/desk/badges/print", data={"csrf_token": csrf_token(badges.text), "print": str(delegate.id),
                                                      "layout": "a6"}, headers=REFERER)
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    code = checkin_code(delegate)  # the code the printed badge carries
    decisions.decide(summit, delegate.id, {"decision": "reject", "reason": "Withdrawn by the ministry."}, None)
    answer = scan(client, code)
    assert answer.status_code == 409 and "verdict-amber" in answer.json["html"]
    assert "verdict-rejected" in answer.json["html"] and "A badge printed before stays invalid." in answer.json["html"]
    assert never_checked_in(delegate)
    # approved after all: the same badge admits them (green), once
    decisions.decide(summit, delegate.id, {"decision": "approve"}, None)
    again = scan(client, code)
    assert again.status_code == 200 and "verdict-ok" in again.json["html"]
