"""Erasure on request (issue 17, item 4): through the API and the self-service page, and what it leaves.

Every door that showed the delegate is asked again afterwards: the console's search, the delegate list
API, the CSV export, the console's detail page, the calendar feed, the outbox, the audit log.
"""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from summit.models import AuditEntry, Delegate, OutboxMail
from summit.plumbing.extensions import db
from summit.services.privacy.erasure import erase_delegate, personal_columns
from summit.services.registration import admin as delegate_admin

from support.app import csrf_token
from support.console_support import api_token, make_user, sign_in, text
from support.factories import delegate_data, route, set_capacity

PLANTED = {"given_name": "Quintiliana", "family_name": "Vorhees-Brightwater", "native_name": "柯文思",
           "organisation": "Ministry of Xylophonic Transport", "job_title": "Deputy Xenarch",
           "phone": "+44 20 7946 0958", "title": "Dame", "dietary_needs": "no pistachio at all",
           "accessibility_needs": "step-free quokka access"}


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def _register(client, **overrides) -> dict:
    response = client.post("/api/v1/registrations", data=json.dumps(delegate_data(sensitive_consent=True, **overrides)),
                           content_type="application/json")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _line(client, summit):
    """A holder of R1's only place (with the planted values) and someone waiting for it."""
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    holder = _register(client, route_id=r1.id, email="quintiliana@example.org", **PLANTED)
    waiting = _register(client, route_id=r1.id, join_waitlist=True)
    return holder, waiting


def _row(delegate_id) -> Delegate:
    return db.session.get(Delegate, delegate_id, populate_existing=True)


def test_api_erasure_cancels_promotes_and_blanks_every_personal_field(client, summit):
    holder, waiting = _line(client, summit)
    assert client.get("/api/v1/registrations/self", headers=auth(waiting["token"])).get_json()["route"]["status"] \
        == "waitlisted"

    response = client.delete("/api/v1/registrations/self?erase=1", headers=auth(holder["token"]))
    assert response.status_code == 204 and response.data == b""

    # the place went to the next in line, through the waiting-list rule
    assert client.get("/api/v1/registrations/self", headers=auth(waiting["token"])).get_json()["route"]["status"] \
        == "confirmed"
    row = _row(holder["id"])
    assert row.status == "cancelled" and row.erased_at is not None and row.booking is None
    assert row.email == f"erased-{row.id}@invalid"
    for column in personal_columns(Delegate.__table__):
        if column.key != "email":
            assert getattr(row, column.key) in ("", None), column.key
    assert row.delegation_id is None
    # what anonymous counts need stays
    assert (row.country, row.category, row.summit_id) == ("SN", "government", summit.id)

    # the token died with the data: a second request (a double click) is 401, and changes nothing
    for method in ("delete", "get"):
        again = getattr(client, method)("/api/v1/registrations/self?erase=1", headers=auth(holder["token"]))
        assert again.status_code == 401
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erasure")).all().__len__() == 1


def test_plain_delete_still_only_cancels_and_a_bad_erase_value_is_400(client, summit):
    kept = _register(client, **PLANTED)
    bad = client.delete("/api/v1/registrations/self?erase=yes", headers=auth(kept["token"]))
    assert bad.status_code == 400 and bad.get_json()["error"] == "bad_request"
    assert _row(kept["id"]).status == "registered"
    assert client.delete("/api/v1/registrations/self?erase=0", headers=auth(kept["token"])).status_code == 204
    row = _row(kept["id"])
    assert row.status == "cancelled" and row.erased_at is None and row.family_name == PLANTED["family_name"]
    # without a token, whatever erase says: 401
    assert client.delete("/api/v1/registrations/self?erase=1").status_code == 401
    assert client.delete("/api/v1/registrations/self?erase=1", headers=auth("nonsense")).status_code == 401


def test_another_delegates_token_erases_only_its_owner(client, summit):
    mine, other = _register(client, **PLANTED), _register(client)
    assert client.delete("/api/v1/registrations/self?erase=1", headers=auth(other["token"])).status_code == 204
    assert _row(mine["id"]).family_name == PLANTED["family_name"] and _row(mine["id"]).erased_at is None
    assert _row(other["id"]).erased_at is not None


def test_search_list_export_detail_and_badge_doors_no_longer_find_them(client, summit):
    holder, _ = _line(client, summit)
    sign_in(client, "organiser")
    api = api_token("staff", "staff-api@example.org")
    before = client.get("/console/delegates?q=Vorhees&status=all").get_data(as_text=True)
    assert "VORHEES-BRIGHTWATER" in before

    client.delete("/api/v1/registrations/self?erase=1", headers=auth(holder["token"]))

    for q in ("Vorhees", "quintiliana@example.org", "柯文思", "Xylophonic", "erased-"):
        for status in ("all", "cancelled", "registered"):
            page = client.get(f"/console/delegates?q={q}&status={status}").get_data(as_text=True)
            # (the page says back what was searched for; the row's link and its name in capitals are the find)
            assert f'/console/delegates/{holder["id"]}"' not in page and "VORHEES" not in page, (q, status)
            listed = client.get(f"/api/v1/delegates?q={q}&status={status}", headers=api).get_json()
            assert listed["total"] == 0, (q, status)
    everyone = client.get("/api/v1/delegates?status=all&per_page=100", headers=api).get_json()
    assert holder["id"] not in [d["id"] for d in everyone["delegates"]]
    exported = client.get("/console/exports/delegates.csv?status=all").get_data(as_text=True)
    # the last line, "# Downloaded by …", names the organiser, not a delegate
    rows = [row for row in csv.reader(io.StringIO(exported.lstrip("\ufeff"))) if not row[0].startswith("#")]
    assert len(rows) == 2  # the header and the one who moved up
    assert not any(value in exported for value in PLANTED.values()) and "quintiliana" not in exported
    assert client.get(f"/console/delegates/{holder['id']}").status_code == 404
    reissue = client.post(f"/api/v1/delegates/{holder['id']}/badge/reissue", headers=api)
    assert reissue.status_code == 404


def test_their_calendar_feed_answers_with_the_same_events_cancelled(client, summit):
    holder, _ = _line(client, summit)
    feed = "/" + holder["calendar_url"].split("/", 3)[3]
    before = client.get(feed).get_data(as_text=True)
    uids = sorted(line for line in before.splitlines() if line.startswith("UID:"))
    assert "UID:visit-" in before and uids

    client.delete("/api/v1/registrations/self?erase=1", headers=auth(holder["token"]))

    response = client.get(feed)
    assert response.status_code == 200
    after = response.get_data(as_text=True)
    events = after.split("BEGIN:VEVENT")[1:]
    assert events and all("STATUS:CANCELLED" in event for event in events)
    assert sorted(line for line in after.splitlines() if line.startswith("UID:")) == uids
    assert not any(value in after for value in PLANTED.values())


def test_unsent_mail_to_them_is_dropped_and_sent_mail_loses_address_and_contents(client, summit):
    holder, waiting = _line(client, summit)
    base = {"template": "message", "language": "en", "delegate_id": holder["id"], "to": "quintiliana@example.org"}
    db.session.add_all([
        OutboxMail(**base, status="pending", context={"name": "Quintiliana Vorhees-Brightwater"}),
        OutboxMail(**base, status="sent", cc="focal@example.org", context={"name": "Quintiliana"}),
        # another delegate's mail is not theirs
        OutboxMail(template="message", language="en", delegate_id=waiting["id"], to="someone@example.org",
                   status="pending", context={"name": "Amina"}),
    ])
    db.session.commit()

    client.delete("/api/v1/registrations/self?erase=1", headers=auth(holder["token"]))

    theirs = db.session.scalars(select(OutboxMail).where(OutboxMail.delegate_id == holder["id"])
                                 .order_by(OutboxMail.id)).all()
    # the confirmation (recorded as sent) and the organisers' message: sent, neither keeps address or contents
    assert [(m.template, m.status, m.to, m.cc, m.context) for m in theirs] == [
        ("registration_confirmation", "sent", f"erased-{holder['id']}@invalid", None, {}),
        ("message", "sent", f"erased-{holder['id']}@invalid", None, {})]
    others = db.session.scalars(select(OutboxMail).where(OutboxMail.delegate_id == waiting["id"])).all()
    assert [m.context for m in others if m.template == "message"] == [{"name": "Amina"}]


def test_the_audit_log_says_an_erasure_happened_not_whose_and_forgets_their_values(client, summit):
    holder, waiting = _line(client, summit)
    organiser = make_user("organiser", "audit-organiser@example.org")
    row = _row(holder["id"])
    delegate_admin.correct_details(row, {"family_name": "Vorhees-Brightwater-Smith"}, organiser)
    other = _row(waiting["id"])
    delegate_admin.correct_details(other, {"job_title": "Deputy Xenarch"}, organiser)
    db.session.add(AuditEntry(action="download", entity="export.csv", entity_id=None,
                              changes={"filters": {"q": "Vorhees-Brightwater-Smith"}, "count": 1}))
    db.session.add(AuditEntry(action="download", entity="export.csv", entity_id=None,
                              changes={"filters": {"q": "Vorhees-Brightwater"}, "count": 1}))  # the name before
    db.session.add(AuditEntry(action="download", entity="export.csv", entity_id=None,
                              changes={"filters": {"q": "Lisbon"}, "count": 3}))
    db.session.commit()

    client.delete("/api/v1/registrations/self?erase=1", headers=auth(holder["token"]))

    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    dumped = json.dumps([e.changes for e in entries], ensure_ascii=False)
    assert "Vorhees" not in dumped and "quintiliana" not in dumped.casefold()
    erasure = [e for e in entries if e.action == "erasure"]
    assert [(e.entity, e.entity_id, e.user_id, e.changes) for e in erasure] == [
        ("delegate", None, None, {"reason": "request"})]
    theirs = next(e for e in entries if e.entity == "delegate" and e.entity_id == holder["id"])
    assert theirs.changes["family_name"] == ["[erased]", "[erased]"]
    # another delegate's history keeps its words, even where they are words the erased one used too
    others = next(e for e in entries if e.entity == "delegate" and e.entity_id == waiting["id"])
    assert others.changes["job_title"] == ["", "Deputy Xenarch"]
    assert {"filters": {"q": "Lisbon"}, "count": 3} in [e.changes for e in entries]
    # the console's audit page shows the erasure, and nothing of whose
    sign_in(client, "organiser")
    page = text(client.get("/console/audit").get_data(as_text=True))
    assert "erasure" in page and "Vorhees" not in page


def test_erasing_twice_or_an_already_cancelled_delegate(client, summit):
    gone = _register(client, **PLANTED)
    client.delete("/api/v1/registrations/self", headers=auth(gone["token"]))  # cancelled only
    row = _row(gone["id"])
    assert erase_delegate(row, reason="request") is True
    row = _row(gone["id"])
    assert row.erased_at is not None and row.given_name == ""
    assert erase_delegate(row, reason="request") is False
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erasure")).all()) == 1


# --- the self-service page ------------------------------------------------------------------------------

def _manage_path(registered: dict) -> str:
    return "/" + registered["manage_url"].split("/", 3)[3]


def test_the_page_asks_for_a_tick_says_it_cannot_be_undone_then_erases(client, summit):
    holder, waiting = _line(client, summit)
    manage = _manage_path(holder)
    page = client.get(manage).get_data(as_text=True)
    assert f"{manage}/erase" in page and "Erase my data" in page

    form = client.get(f"{manage}/erase")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "This cannot be undone." in html and 'type="checkbox"' in html
    token = csrf_token(html)

    unticked = client.post(f"{manage}/erase", data={"csrf_token": token})
    assert unticked.status_code == 400
    assert "Tick the box to confirm" in unticked.get_data(as_text=True)
    assert _row(holder["id"]).erased_at is None

    expired = client.post(f"{manage}/erase", data={"understood": "y"})
    assert expired.status_code == 400 and "The page had expired" in expired.get_data(as_text=True)
    assert _row(holder["id"]).erased_at is None

    done = client.post(f"{manage}/erase", data={"csrf_token": token, "understood": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/manage/erased")
    assert "Your data is erased" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert _row(holder["id"]).erased_at is not None
    assert client.get("/api/v1/registrations/self", headers=auth(waiting["token"])).get_json()["route"]["status"] \
        == "confirmed"

    # the double click: the second POST finds nothing left, and says so; the link opens nothing any more
    second = client.post(f"{manage}/erase", data={"csrf_token": token, "understood": "y"})
    assert second.status_code == 200 and "Your data is erased" in second.get_data(as_text=True)
    assert client.get(f"{manage}/erase").status_code == 404
    assert "Vorhees" not in client.get(manage).get_data(as_text=True)
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erasure")).all()) == 1


def test_the_page_in_chinese(client, summit):
    holder = _register(client, language="zh", **PLANTED)
    manage = _manage_path(holder)
    html = client.get(f"{manage}/erase?lang=zh", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "无法撤销" in html
    token = csrf_token(html)
    unticked = client.post(f"{manage}/erase", data={"csrf_token": token}, headers={"Accept-Language": "zh"})
    assert "请勾选" in unticked.get_data(as_text=True)


def test_a_confirmation_that_goes_out_after_the_erasure_leaves_no_row(client, summit):
    """The mail thread records the confirmation once the mail has gone (outbox.record_sent); a delegate
    erased in between gets no row, another delegate gets theirs, with no address kept from the erased one."""
    from summit.services import outbox
    gone = _register(client, email="gone@example.org")
    kept = _register(client, email="kept@example.org")
    client.delete("/api/v1/registrations/self?erase=1", headers=auth(gone["token"]))

    def rows(delegate_id):
        return db.session.scalars(select(OutboxMail).where(OutboxMail.delegate_id == delegate_id)
                                  .order_by(OutboxMail.id)).all()
    before = len(rows(gone["id"]))
    outbox.record_sent("registration_confirmation", "gone@example.org", "en", gone["id"])
    outbox.record_sent("registration_confirmation", "kept@example.org", "zh", kept["id"])

    assert len(rows(gone["id"])) == before
    assert all(m.to != "gone@example.org" for m in rows(gone["id"]))
    late = rows(kept["id"])[-1]
    assert (late.template, late.to, late.language, late.status, late.context, late.attempts) == (
        "registration_confirmation", "kept@example.org", "zh", "sent", {}, 1)
    assert late.sent_at is not None and late.created_at is not None
