"""The console's review queue (/console/accreditation/queue) through the test client, as organisers and staff
use it: filters and counts, one-click approval, approval of the ticked rows or a whole page, rejection with
a required reason, audited decisions, and the delegates' mails in their own language."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from support.app import csrf_token
from support.console_support import sign_in, text
from support.factories import make_delegate, route
from support.mail_inbox import app_with_inbox, mails_to, plain_text
from summit.models import AuditEntry, ConsoleUser, Delegate, RouteBooking, utcnow
from summit.plumbing.extensions import db
from summit.services.accreditation import levels

QUEUE = "/console/accreditation/queue"


def reject_url(delegate_id: int) -> str:
    return f"/console/accreditation/{delegate_id}/reject"


def state_of(delegate) -> str:
    db.session.expire_all()
    return db.session.get(Delegate, delegate.id).accreditation


def applicants(summit):
    """Four pending (two from Senegal, one VIP from China, one academic from France), one approved, one rejected."""
    people = {
        "sn1": make_delegate(summit, "Amina", "Diallo", country="SN", accreditation="pending"),
        "sn2": make_delegate(summit, "Moussa", "Ndiaye", country="SN", category="enterprise", accreditation="pending"),
        "cn": make_delegate(summit, "Wei", "Zhang", "张伟", country="CN", accreditation="pending"),
        "fr": make_delegate(summit, "Claire", "Martin", country="FR", category="academia", accreditation="pending"),
        "ok": make_delegate(summit, "Olga", "Petrova", country="RU"),
        "no": make_delegate(summit, "Ivan", "Petrov", country="RU", accreditation="rejected"),
    }
    levels.set_protocol(people["cn"], {"protocol_level": "vip"}, None)
    return people


def names_listed(html: str) -> set[str]:
    """The family names of the listed delegates (written in capitals, in protocol order)."""
    return {re.search(r"\b[A-Z][A-Z'-]+\b", name).group().title()
            for name in re.findall(r'<td><a href="/console/delegates/\d+"><bdi>([^<]+)</bdi>', html)}


def form_token(client, url: str = QUEUE) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


# ------------------------------------------------------------------ what everyone sees

def test_the_queue_lists_the_pending_oldest_first_with_counts_per_state(client, summit):
    applicants(summit)
    sign_in(client, "organiser")
    html = client.get(QUEUE).get_data(as_text=True)
    assert names_listed(html) == {"Diallo", "Ndiaye", "Zhang", "Martin"}
    assert html.index("Diallo") < html.index("Ndiaye") < html.index("Zhang") < html.index("Martin")
    page = text(html)
    for label, n in (("Pending", 4), ("Approved", 1), ("Rejected", 1), ("All", 6)):
        assert f"{label} {n}" in page, label
    assert names_listed(client.get(QUEUE + "?state=rejected").get_data(as_text=True)) == {"Petrov"}
    assert names_listed(client.get(QUEUE + "?state=all").get_data(as_text=True)) == {
        "Diallo", "Ndiaye", "Zhang", "Martin", "Petrova", "Petrov"}


def test_filters_narrow_the_queue_and_each_option_counts_what_it_would_show(client, summit):
    applicants(summit)
    sign_in(client, "organiser")
    html = client.get(QUEUE + "?country=SN").get_data(as_text=True)
    assert names_listed(html) == {"Diallo", "Ndiaye"}
    page = text(html)
    assert "Pending 2" in page and "Approved 0" in page  # the state counts follow the other filters
    assert "Government (1)" in page and "Enterprise (1)" in page  # a facet's counts, under the other filters
    assert "Senegal (2)" in page and "China (1)" in page  # the country's own counts ignore the country chosen
    assert names_listed(client.get(QUEUE + "?level=vip").get_data(as_text=True)) == {"Zhang"}
    assert names_listed(client.get(QUEUE + "?category=academia").get_data(as_text=True)) == {"Martin"}
    assert names_listed(client.get(QUEUE + "?country=SN&category=enterprise").get_data(as_text=True)) == {"Ndiaye"}
    today = utcnow().astimezone(summit.zone).date()
    assert len(names_listed(client.get(f"{QUEUE}?from={today}&to={today}").get_data(as_text=True))) == 4
    assert names_listed(client.get(f"{QUEUE}?from={today + timedelta(days=1)}").get_data(as_text=True)) == set()
    assert names_listed(client.get(f"{QUEUE}?to={today - timedelta(days=1)}").get_data(as_text=True)) == set()
    assert "0 delegates match" in text(client.get(f"{QUEUE}?to={today - timedelta(days=1)}").get_data(as_text=True))


@pytest.mark.parametrize("query", ["level=emperor", "country=XX", "category=royalty", "from=2024-13-01",
                                   "state=maybe", "to=yesterday"])
def test_a_filter_not_understood_is_said_so_and_reset(client, summit, query):
    applicants(summit)
    sign_in(client, "organiser")
    response = client.get(f"{QUEUE}?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "were not understood" in html and len(names_listed(html)) == 4


def test_staff_see_the_states_but_no_way_to_decide_and_their_posts_are_refused(client, summit):
    people = applicants(summit)
    sign_in(client, "staff")
    response = client.get(QUEUE + "?state=all")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(names_listed(html)) == 6
    assert "Pending" in text(html) and "Rejected" in text(html)
    assert "<button" not in html.split('<main', 1)[1].split("</main>")[0].replace(
        '<button class="button primary small" type="submit">Filter</button>', "")
    assert 'method="post"' not in html.split('<main', 1)[1].replace('class="nav-user"', "")
    token = csrf_token(client.get("/console/").get_data(as_text=True))
    assert client.post(QUEUE, data={"csrf_token": token, "approve_one": people["sn1"].id}).status_code == 403
    assert client.post(QUEUE, data={"csrf_token": token, "ids": people["sn1"].id,
                                    "decision": "approve"}).status_code == 403
    assert client.get(reject_url(people["sn1"].id)).status_code == 403
    assert client.post(reject_url(people["sn1"].id), data={"csrf_token": token,
                                                           "reason": "no"}).status_code == 403
    assert state_of(people["sn1"]) == "pending"


# ------------------------------------------------------------------ organisers decide

def test_one_click_approves_that_delegate_only_and_audits_who_when_and_what(client, summit):
    people = applicants(summit)
    sign_in(client, "organiser", "decider@example.org")
    response = client.post(QUEUE + "", data={"csrf_token": form_token(client), "approve_one": people["sn2"].id,
                                             "ids": [people["sn1"].id], "country": "SN"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/console/accreditation/queue?country=SN")
    assert state_of(people["sn2"]) == "approved" and state_of(people["sn1"]) == "pending"
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 delegate approved" in text(follow) and names_listed(follow) == {"Diallo"}
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.entity_id == people["sn2"].id,
                                                           AuditEntry.action == "delegate.approve")).one()
    decider = db.session.scalars(db.select(ConsoleUser).where(ConsoleUser.email == "decider@example.org")).one()
    assert entry.user_id == decider.id and entry.at is not None
    assert entry.changes == {"accreditation": ["pending", "approved"], "reason": [None, None]}


def test_the_ticked_rows_are_approved_together(client, summit):
    people = applicants(summit)
    sign_in(client, "organiser")
    chosen = [people["sn1"].id, people["fr"].id]
    response = client.post(QUEUE, data={"csrf_token": form_token(client), "ids": chosen, "decision": "approve"})
    assert response.status_code == 303
    assert [state_of(people[k]) for k in ("sn1", "fr", "sn2", "cn")] == ["approved", "approved", "pending", "pending"]
    assert db.session.query(AuditEntry).filter(AuditEntry.action == "delegate.approve").count() == 2


def test_select_all_on_this_page_works_without_a_script(client, summit):
    people = applicants(summit)
    sign_in(client, "organiser")
    page = client.get(QUEUE + "?country=SN").get_data(as_text=True)
    page_ids = re.findall(r'name="page_ids" value="(\d+)"', page)
    assert sorted(map(int, page_ids)) == sorted([people["sn1"].id, people["sn2"].id])
    assert 'name="all_on_page"' in page and "Select all on this page" in page
    response = client.post(QUEUE, data={"csrf_token": csrf_token(page), "all_on_page": "1", "page_ids": page_ids,
                                        "decision": "approve", "country": "SN"})
    assert response.status_code == 303
    assert [state_of(people[k]) for k in ("sn1", "sn2", "cn", "fr")] == ["approved", "approved", "pending", "pending"]


def test_the_page_is_keyboard_friendly(client, summit):
    applicants(summit)
    sign_in(client, "organiser")
    html = client.get(QUEUE).get_data(as_text=True)
    # real buttons, each row's box labelled with the delegate's name, no inline script or style (CSP)
    assert re.search(r'<button class="button small primary" type="submit" name="approve_one" value="\d+"', html)
    for box in re.findall(r'id="(pick-\d+)"', html):
        assert f'<label for="{box}"' in html
    assert '<label class="label" for="reason">' in html and 'name="decision" value="reject"' in html
    assert "onclick" not in html and "<script>" not in html and 'style="' not in html
    assert "tabindex=\"1" not in html  # the order is the page's own
    # Enter in a checkbox submits the form's default button: a disabled one, so nothing is decided by accident
    form = html.split('class="review-form"', 1)[1]
    assert re.match(r'[^>]*>\s*(\{#.*?#\}\s*)?<button type="submit" class="visually-hidden" disabled', form, re.S)


def test_rejecting_the_ticked_rows_needs_a_reason_and_keeps_the_selection(client, summit):
    people = applicants(summit)
    sign_in(client, "organiser")
    chosen = [people["sn1"].id, people["cn"].id]
    response = client.post(QUEUE, data={"csrf_token": form_token(client), "ids": chosen, "decision": "reject",
                                        "reason": "   "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the reason for the rejection: the delegate receives it." in html
    assert 'aria-invalid="true"' in html
    for delegate_id in chosen:
        assert f'value="{delegate_id}" id="pick-{delegate_id}" data-pick checked' in html
    assert f'id="pick-{people["fr"].id}" data-pick checked' not in html
    assert {state_of(people["sn1"]), state_of(people["cn"])} == {"pending"}
    # a reason the text rules refuse is kept as typed, with the rule's own message
    typed = "Not on the list " + "x" * 500
    response = client.post(QUEUE, data={"csrf_token": form_token(client), "ids": chosen, "decision": "reject",
                                        "reason": typed})
    assert response.status_code == 422 and typed in response.get_data(as_text=True)
    response = client.post(QUEUE, data={"csrf_token": form_token(client), "ids": chosen, "decision": "reject",
                                        "reason": "Seats are for invited delegations."})
    assert response.status_code == 303
    assert {state_of(people["sn1"]), state_of(people["cn"])} == {"rejected"}
    reasons = [e.changes["reason"][1] for e in db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "delegate.reject", AuditEntry.user_id.is_not(None)))]
    assert reasons == ["Seats are for invited delegations."] * 2


def test_the_error_is_in_the_organisers_language(client, summit):
    people = applicants(summit)
    sign_in(client, "organiser")
    client.get("/language/zh")
    response = client.post(reject_url(people["fr"].id), data={"csrf_token": form_token(client, reject_url(people["fr"].id)),
                                                              "reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写拒绝的理由" in html and "审核队列" in html


def test_one_rejection_has_its_page_the_reason_required_and_kept(client, summit):
    people = applicants(summit)
    r1 = route(summit, "R1")
    holder = make_delegate(summit, "Seat", "Holder", route=r1, accreditation="pending")
    waiting = make_delegate(summit, "Next", "Inline", route=r1, route_status="waitlisted", accreditation="pending")
    sign_in(client, "organiser")
    queue_html = client.get(QUEUE + "?country=GB").get_data(as_text=True)
    assert f'href="/console/accreditation/{holder.id}/reject?country=GB"' in queue_html
    page = client.get(reject_url(holder.id) + "?country=GB")
    assert page.status_code == 200 and "Reject the registration of Seat Holder?" in text(page.get_data(as_text=True))
    token = csrf_token(page.get_data(as_text=True))
    refused = client.post(reject_url(holder.id) + "?country=GB", data={"csrf_token": token, "reason": " \n "})
    assert refused.status_code == 422
    assert "Give the reason for the rejection" in refused.get_data(as_text=True)
    assert state_of(holder) == "pending"
    done = client.post(reject_url(holder.id) + "?country=GB", data={"csrf_token": token,
                                                                   "reason": "Not on the invited list."})
    assert done.status_code == 303 and done.headers["Location"].endswith("/console/accreditation/queue?country=GB")
    assert state_of(holder) == "rejected"
    # the seat it held went to the first in line, through the capacity rule
    db.session.expire_all()
    assert db.session.scalars(db.select(RouteBooking.status).where(RouteBooking.delegate_id == waiting.id)).one() \
        == "confirmed"
    assert people  # the others are untouched
    assert state_of(people["sn1"]) == "pending"


def test_a_rejected_delegate_can_be_approved_after_all(client, summit):
    people = applicants(summit)
    sign_in(client, "organiser")
    html = client.get(QUEUE + "?state=rejected").get_data(as_text=True)
    assert f'name="approve_one" value="{people["no"].id}"' in html
    assert reject_url(people["no"].id) not in html  # already rejected: no Reject…
    response = client.post(QUEUE, data={"csrf_token": csrf_token(html), "approve_one": people["no"].id,
                                        "state": "rejected"})
    assert response.status_code == 303 and state_of(people["no"]) == "approved"


def test_a_post_without_a_decision_or_a_selection_decides_nothing(client, summit):
    people = applicants(summit)
    sign_in(client, "organiser")
    token = form_token(client)
    assert client.post(QUEUE, data={"csrf_token": token, "ids": people["sn1"].id}).status_code == 422
    assert client.post(QUEUE, data={"csrf_token": token, "decision": "approve"}).status_code == 422
    assert client.post(QUEUE, data={"ids": people["sn1"].id, "decision": "approve"}).status_code == 400  # no CSRF
    assert state_of(people["sn1"]) == "pending"


def test_a_delegate_who_cancelled_meanwhile_stops_the_bulk_and_says_so(client, summit):
    from summit.services.registration import delegates as registration
    people = applicants(summit)
    sign_in(client, "organiser")
    token = form_token(client)
    registration.cancel(db.session.get(Delegate, people["sn2"].id))
    response = client.post(QUEUE, data={"csrf_token": token, "ids": [people["sn1"].id, people["sn2"].id],
                                        "decision": "approve"})
    assert response.status_code == 409 and "cancelled meanwhile" in response.get_data(as_text=True)
    assert state_of(people["sn1"]) == "pending"


# ------------------------------------------------------------------ the mails

@pytest.fixture
def mail_world(database_url):
    with app_with_inbox(database_url) as world:
        yield world


def test_each_delegate_decided_in_the_console_is_mailed_in_their_language(mail_world):
    app, summit, inbox = mail_world
    zh = make_delegate(summit, "Wei", "Zhang", country="CN", route="R2", accreditation="pending")
    en = make_delegate(summit, "Amina", "Diallo", country="SN", accreditation="pending")
    db.session.get(Delegate, zh.id).language = "zh"
    db.session.commit()  # the delegate chose Chinese (the language is the delegate's own choice)
    client = app.test_client()
    sign_in(client, "organiser")
    mails_to(inbox, zh.email)
    inbox.clear()
    response = client.post(QUEUE, data={"csrf_token": form_token(client), "ids": [zh.id, en.id],
                                        "decision": "approve"})
    assert response.status_code == 303
    (approved_zh,), (approved_en,) = mails_to(inbox, zh.email), mails_to(inbox, en.email)
    assert approved_zh["Subject"].strip().startswith("您的报名已获批准")
    assert "R2" in plain_text(approved_zh) and "/manage/lost-link" in plain_text(approved_zh)
    assert "approved your registration" in plain_text(approved_en)
    calendar = re.search(r"https://\S+/calendar/(\S+)\.ics", plain_text(approved_en))
    assert calendar and client.get(f"/calendar/{calendar.group(1)}.ics").status_code == 200  # it works
    inbox.clear()
    token = form_token(client, reject_url(en.id))
    client.post(reject_url(en.id), data={"csrf_token": token, "reason": "Places are for invited delegations."})
    (rejected,) = mails_to(inbox, en.email)
    body = plain_text(rejected)
    assert "We regret" in body and "Places are for invited delegations." in body
    assert "accreditation@gstf2024.example.org" in body
