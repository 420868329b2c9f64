"""Every form of the app refuses a post without its CSRF token: 400, and nothing changes.

The forms are not listed by hand: every rule of the URL map that takes POST, PUT, PATCH or DELETE
outside /api/ is posted to, so a new form cannot be missed.  Each is posted with the very fields its
page offers (found by reading the pages), only the token left out, from a browser-like client
(HTTPS with a same-site Referer) that is signed in where it needs to be.  The control: the same
post with the token is not refused as a CSRF failure.
"""
from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import select

from support.app import csrf_token
from support.console_support import PASSWORD, make_user, same_origin, sign_in
from support.factories import delegate_data, register
from support.form_walk import post_forms, snapshot
from summit.plumbing.extensions import db
from summit.models import ProgrammeItem
from summit.services.checkin.arrivals import check_in
from summit.services.checkin.codes import checkin_code
from summit.services.console import accounts
from summit.services.accreditation import delegations, member_files, member_import
from summit.services.registration import new_links

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
EXPIRED = ("had expired", "已过期", "已失效")
#: JSON posted by the pages' scripts (the token in a header), and a body each takes
SCRIPT_POSTS = {
    "desk.checkin_json": {"code": "anything"},
    "door.sync_json": {"scans": [{"id": "0b5e3a1c-8a55-4b8e-9f43-2f0d0c0a9a11", "code": "anything", "zone": "venue",
                                  "scanned_at": "2024-09-25T09:00:00+08:00"}]},
}
def rule_path(rule, values: dict) -> str:
    if rule.endpoint == "console.programme_restore":
        values = {**values, "item_id": values["cancelled_item_id"]}
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_every_form_refuses_a_post_without_its_token(app, summit, client):
    assert app.config.get("WTF_CSRF_ENABLED", True) and app.config.get("WTF_CSRF_CHECK_DEFAULT", True)
    # needs with their consent: the page offers the withdrawal form too
    delegate = register(summit, route_id=summit.routes[0].id, dietary_needs="Halal", sensitive_consent=True)
    # a visa letter asked for: the console's letters page offers its batch form for that country
    from support.visa_letters import PASSPORT, open_requests
    open_requests(summit)
    register(summit, email="visa-csrf@example.org", visa_letter=True, passport=dict(PASSPORT), sensitive_consent=True)
    item, cancelled = db.session.scalars(select(ProgrammeItem).where(ProgrammeItem.summit_id == summit.id)).all()[:2]
    cancelled.cancelled = True  # so the programme page offers its Restore form
    db.session.commit()
    organiser = make_user("organiser", "csrf-organiser@example.org")
    token_row, _ = accounts.issue_token(organiser.email, "for the revoke form")
    # Another delegate asked for a new link (lost-link page) and has yet to open it.
    _, new_token = new_links.request_new_link(summit.id, register(summit).delegate.email)
    delegation = delegations.create_delegation(summit, {
        "name_zh": "代表团", "name_en": "A delegation", "country": "KE", "focal_name": "Focal Point",
        "focal_email": "focal@example.org", "places": 50}, None)
    member = delegations.add_member(delegation.delegation, {**delegate_data(), "route_id": None})
    # The delegate is in (venue): the desk offers a supervisor's undo of that entry.
    entry_id = check_in(checkin_code(delegate.delegate), organiser).entry.id
    values = {"token": delegate.manage_token, "delegate_id": delegate.delegate.id, "route_id": summit.routes[0].id,
              "item_id": item.id, "cancelled_item_id": cancelled.id, "token_id": token_row.id,
              "new_token": new_token, "secret": delegation.token, "member_id": member.delegate.id,
              "delegation_id": delegation.delegation.id, "code": "zh",
              "entry_id": entry_id}

    writes = sorted(
        (rule for rule in app.url_map.iter_rules() if rule.methods & WRITES and not rule.rule.startswith("/api/")),
        # signing out last keeps the session for the rest; the language switch just before, so the others
        # are posted in the language their fields were read in
        key=lambda rule: (rule.endpoint == "console.logout", rule.endpoint == "public.switch_language_keeping"))
    assert len(writes) >= 20

    # The forms as the pages offer them: every GET page with these ids, read signed in.
    sign_in(client, "organiser", organiser.email)
    offered: dict[str, dict] = {}
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.rule.startswith(("/api/", "/static")) and \
                not rule.rule.endswith((".ics", ".csv", ".xlsx", ".pdf", ".json")) and \
                rule.endpoint not in ("public.switch_language", "console.login", "desk.index"):
            if set(rule.arguments) <= set(values) | {"job_id"} and "job_id" not in rule.arguments:
                offered.update(post_forms(client, rule_path(rule, values)))

    # The import's confirm form is offered by its preview (a POST's answer): its one field, a previewed file.
    previewed = member_files.read_member_file(b"given_name,family_name,email,organisation,country,category\r\n"
                                              b"Amadou,Diallo,amadou@example.sn,Ministry,SN,government\r\n")
    offered[f"/delegation/{delegation.token}/import/confirm"] = {
        "sealed": member_import.seal(previewed, delegation.delegation.id, delegation.token)}

    anonymous = same_origin(app.test_client())
    login_page = anonymous.get("/console/login").get_data(as_text=True)
    offered["/console/login"] = {"email": organiser.email, "password": PASSWORD}
    # The language switch's post is built by static/js/language-draft.js from the page's form and address.
    offered["/language/zh"] = {"back": "/register", "given_name": "Fatima"}

    refused = {}
    for rule in writes:
        path = rule_path(rule, values)
        method = next(iter(sorted(rule.methods & WRITES)))
        asker = anonymous if rule.endpoint == "console.login" else client
        if rule.endpoint in SCRIPT_POSTS:
            # Posted by the door scanners' scripts, with the token in the X-CSRFToken header.
            kwargs = {"json": SCRIPT_POSTS[rule.endpoint]}
        else:
            assert path in offered, f"no page offers a form for {method} {path}"
            fields = {k: v for k, v in offered[path].items() if k != "csrf_token"}
            kwargs = {"data": fields}
        before = snapshot()
        response = asker.open(path, method=method, **kwargs)
        refused[path] = response.status_code
        assert response.status_code == 400, (method, path, response.status_code)
        assert snapshot() == before, f"{method} {path} changed something without a token"
        if rule.endpoint == "registration.register":
            # The delegate's typing survives the refusal: the form comes back filled in.
            assert fields["given_name"] and fields["given_name"] in response.get_data(as_text=True)

    # The control: with the token, none of these posts is refused as a CSRF failure.
    page_token = csrf_token(client.get("/console/").get_data(as_text=True))
    for rule in writes:
        path = rule_path(rule, values)
        method = next(iter(sorted(rule.methods & WRITES)))
        if rule.endpoint == "console.login":
            response = anonymous.post(path, data={**offered[path], "csrf_token": csrf_token(login_page)})
        elif rule.endpoint in SCRIPT_POSTS:
            response = client.post(path, json=SCRIPT_POSTS[rule.endpoint], headers={"X-CSRFToken": page_token})
        else:
            data = {k: v for k, v in offered[path].items() if k != "csrf_token"}
            response = client.open(path, method=method, data={**data, "csrf_token": page_token})
        text = response.get_data().decode("utf-8", "replace")  # a badge print answers with a PDF
        assert response.status_code != 400 and not any(e in text for e in EXPIRED), (method, path, response.status_code)
    assert set(refused.values()) == {400}


def test_the_login_form_refuses_a_post_without_its_token(app, summit):
    make_user("organiser", "login-csrf@example.org")
    anonymous = same_origin(app.test_client())
    response = anonymous.post("/console/login", data={"email": "login-csrf@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert anonymous.get("/console/").status_code == 302  # still signed out: sent to the login page
    with app.test_request_context():
        assert url_for("console.login") in anonymous.get("/console/").headers["Location"]
