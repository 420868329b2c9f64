"""Hostile input to every rule of the URL map: never a 5xx, always a 4xx that says what is wrong.

The rules are not listed by hand, so a new endpoint cannot be forgotten:
- a body of JSON nested 1,000 deep (2 KB: a RecursionError in Python's parser) to every rule that
  takes a body;
- NUL in the query string (a value and a name) of every rule, NUL in each string segment of a path;
- NUL in each field of every form, as the pages offer them, and in JSON strings and keys at any depth.

PostgreSQL refuses NUL in text, so on PostgreSQL (SUMMIT_TEST_DATABASE_URL) any of these that
reached a query would be a 500; on SQLite they would pass silently. Run both.
"""
from __future__ import annotations

import json
import re

import pytest
from flask import url_for
from sqlalchemy import select

from support.app import csrf_token
from support.console_support import api_token, make_user, sign_in
from support.factories import delegate_data, register
from support.visa_letters import PASSPORT, open_requests
from summit.plumbing.extensions import db
from summit.models import BadgeJob, Hotel, ProgrammeItem
from summit.services import messages
from summit.services.checkin.arrivals import check_in
from summit.services.checkin.codes import checkin_code
from summit.services.console import accounts
from summit.services.accreditation import delegations
from summit.services.registration import new_links
from support.badge_helpers import wait_for
from support.form_walk import TYPED, FormReader
from support.form_walk import snapshot as every_row

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
NESTED = "[" * 1000 + "]" * 1000
NUL = "a\x00b"
#: what the refusal page says, in each language
REFUSED_PAGE = {"en": "We could not accept what you sent.", "zh": "无法接受您发送的内容。"}


def snapshot() -> dict:
    """Every row, but an API token's last use, which each call moves on purpose."""
    rows = every_row()
    rows.pop("api_token", None)
    return rows


@pytest.fixture
def world(app, summit, client):
    """A delegate, a cancelled programme item, an organiser signed in (client), and every id a rule needs."""
    # needs with their consent: the page offers the withdrawal form too
    delegate = register(summit, route_id=summit.routes[0].id, dietary_needs="Halal", sensitive_consent=True)
    # a visa letter asked for: the console's letters page offers its batch form for that country
    open_requests(summit)
    register(summit, email="visa-bad-input@example.org", visa_letter=True, passport=dict(PASSPORT),
             sensitive_consent=True)
    item, cancelled = db.session.scalars(select(ProgrammeItem).where(ProgrammeItem.summit_id == summit.id)).all()[:2]
    cancelled.cancelled = True
    db.session.commit()
    organiser = make_user("organiser", "bad-input-organiser@example.org")
    token_row, _ = accounts.issue_token(organiser.email, "for the revoke form")
    sign_in(client, "organiser", organiser.email)
    _, new_token = new_links.request_new_link(summit.id, register(summit).delegate.email)
    message = messages.send_message(summit, {"subject_zh": "通知", "subject_en": "Notice", "body_zh": "正文",
                                             "body_en": "Body"}, messages.Audience(), organiser)
    delegation = delegations.create_delegation(summit, {
        "name_zh": "代表团", "name_en": "A delegation", "country": "KE", "focal_name": "Focal Point",
        "focal_email": "focal@example.org", "places": 50}, None)
    member = delegations.add_member(delegation.delegation, {**delegate_data(), "route_id": None})
    # The delegate is in (venue): the desk offers a supervisor's undo of that entry.
    entry_id = check_in(checkin_code(delegate.delegate), organiser).entry.id
    values = {"token": delegate.manage_token, "new_token": new_token, "delegate_id": delegate.delegate.id, "route_id": summit.routes[0].id,
              "item_id": item.id, "token_id": token_row.id, "job_id": 1, "code": "zh", "version": 1, "filename": "css/summit.css",
              "secret": delegation.token, "member_id": member.delegate.id, "delegation_id": delegation.delegation.id,
              "kind": "csv", "message_id": message.id, "entry_id": entry_id,
              # travel: a hotel's rooming list, a letter's serial (an unknown one: its page, formless, answers 404)
              "hotel_id": db.session.scalars(db.select(Hotel.id).order_by(Hotel.id)).first(), "serial": "GSTF-0000"}
    return {"values": values, "delegate_token": delegate.manage_token, "cancelled_item_id": cancelled.id,
            "delegation_token": delegation.token,
            "organiser_api": api_token("organiser", "bad-input-api@example.org")}


def path_of(rule, world, **override) -> str:
    values = {**world["values"]}
    if rule.endpoint == "console.programme_restore":
        values["item_id"] = world["cancelled_item_id"]  # only a cancelled item offers Restore
    values.update(override)
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def api_headers(rule, world) -> dict:
    """The credential the rule needs: the delegate's own token, or an organiser's API token."""
    if rule.rule.startswith("/api/v1/registrations/self"):
        return {"Authorization": f"Bearer {world['delegate_token']}"}
    if rule.rule.startswith("/api/v1/delegations/self"):
        return {"Authorization": f"Bearer {world['delegation_token']}"}
    return dict(world["organiser_api"])


def write_rules(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.methods & WRITES]
    # Signing out, and the delegate cancelling themselves, last: the others need the session and the token.
    return sorted(rules, key=lambda rule: (rule.endpoint == "console.logout",
                                           rule.rule.endswith("/self") and "DELETE" in rule.methods))


def takes_a_body(client, rule, method) -> bool:
    """The API's operations with a requestBody in the OpenAPI document, and the views outside it marked
    ``takes_json`` (the door scanner's); the pages' forms take no JSON at all."""
    if not rule.rule.startswith("/api/"):
        return getattr(client.application.view_functions[rule.endpoint], "takes_json", False)
    document = client.get("/api/v1/openapi.json").get_json()
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
    return "requestBody" in document["paths"][path][method.lower()]


def assert_error_body(response, where):
    body = response.get_json(silent=True)
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str), \
        (where, response.status_code, response.get_data(as_text=True)[:300])
    for field, messages in body.get("errors", {}).items():
        assert isinstance(messages, list) and all(isinstance(m, str) and m for m in messages), (where, field)
    return body


def test_json_nested_a_thousand_deep_is_a_4xx_with_the_error_body_on_every_rule(app, client, world):
    page_token = csrf_token(client.get("/console/").get_data(as_text=True))
    answered = {}
    for rule in write_rules(app):
        for method in sorted(rule.methods & WRITES):
            path = path_of(rule, world)
            headers = api_headers(rule, world) if rule.rule.startswith("/api/") else {"X-CSRFToken": page_token}
            response = client.open(path, method=method, data=NESTED, content_type="application/json", headers=headers)
            answered[(method, rule.rule)] = response.status_code
            assert response.status_code < 500, (method, path, response.get_data(as_text=True)[:300])
            if takes_a_body(client, rule, method):
                assert response.status_code == 422, (method, path, response.status_code)
                assert "body" in assert_error_body(response, (method, path)).get("errors", {}), (method, path)
            elif not rule.rule.startswith("/api/"):
                assert response.status_code == 415, (method, path, response.status_code)
                assert assert_error_body(response, (method, path))["error"] == "unsupported_media_type"
    # The five the issue found are among them, and the walk reached the console's forms too.
    for call in [("POST", "/api/v1/registrations"), ("POST", "/api/v1/checkins"), ("PATCH", "/api/v1/routes/<int:route_id>"),
                 ("PATCH", "/api/v1/registrations/self"), ("POST", "/desk/checkin.json")]:
        assert answered[call] == 422, (call, answered.get(call))
    assert len(answered) >= 25
    # The desk's batch form reads no JSON: with its CSRF header, an empty form starts a batch of every badge.
    # Let it finish, so its thread does not still write while the next test sets up.
    for job in db.session.scalars(select(BadgeJob)).all():
        wait_for(job.id)


def is_object(raw: str) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


@pytest.mark.parametrize("raw", ["[1, 2]", '"x"', "1", "null", "true", "{}", '{"a": {"b": [1, {"c": null}]}}',
                                 '[["a", "b"]]', "{not json", ""])
def test_json_of_any_shape_is_never_a_5xx_on_any_rule(app, client, world, raw):
    """Flask-WTF reads a JSON body as a form's data, and [1, 2] there was a 500: the forms take no JSON now."""
    page_token = csrf_token(client.get("/console/").get_data(as_text=True))
    for rule in write_rules(app):
        for method in sorted(rule.methods & WRITES):
            path = path_of(rule, world)
            headers = api_headers(rule, world) if rule.rule.startswith("/api/") else {"X-CSRFToken": page_token}
            before = snapshot()
            response = client.open(path, method=method, data=raw, content_type="application/json", headers=headers)
            where = (method, path, raw)
            assert response.status_code < 500, (where, response.get_data(as_text=True)[:300])
            if takes_a_body(client, rule, method) or not rule.rule.startswith("/api/"):
                assert 400 <= response.status_code < 500, (where, response.status_code)
                if rule.rule.startswith("/api/") or not is_object(raw) or not takes_a_body(client, rule, method):
                    assert_error_body(response, where)  # (an object to the door scanner's gets its own verdict)
                if not rule.rule.endswith("/self"):  # a delegate's PATCH locks (and so touches) their row first
                    assert snapshot() == before, where


def test_the_depth_limit_says_so_in_the_askers_language_and_a_shallow_body_still_works(client, summit):
    deep = json.dumps({"given_name": [[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]})
    for language, words in (("en", "nested more than 20 levels"), ("zh", "嵌套超过 20 层")):
        response = client.post("/api/v1/registrations", data=deep, content_type="application/json",
                               headers={"Accept-Language": language})
        assert response.status_code == 422 and words in response.get_json()["errors"]["body"][0], response.get_json()
    assert client.post("/api/v1/registrations", json=delegate_data()).status_code == 201


def test_nul_in_the_query_string_is_refused_on_every_rule(app, client, world):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"OPTIONS", "HEAD"}):
            path = path_of(rule, world)
            headers = api_headers(rule, world) if rule.rule.startswith("/api/") else {}
            for query in ({"q": NUL}, {"x\x00": "1"}):
                response = client.open(path, method=method, query_string=query, headers=headers)
                where = (method, path, query)
                if rule.rule.startswith("/api/"):
                    assert response.status_code == 422, where
                    body = assert_error_body(response, where)
                    assert list(body["errors"]) == [next(iter(query)).replace("\x00", "\ufffd")], body
                else:
                    assert response.status_code == 400, (where, response.status_code)
                    assert REFUSED_PAGE["en"] in response.get_data(as_text=True), where


def test_the_refusal_page_is_in_the_visitors_language(client, summit):
    for language, words in REFUSED_PAGE.items():
        response = client.get("/agenda", query_string={"q": NUL}, headers={"Accept-Language": language})
        assert response.status_code == 400 and words in response.get_data(as_text=True)


def test_the_issues_search_with_nul_is_a_422_not_a_500(client, summit):
    headers = api_token("staff")
    response = client.get("/api/v1/delegates?q=%00", headers=headers)
    assert response.status_code == 422 and "q" in response.get_json()["errors"]
    assert client.get("/api/v1/delegates?q=Diallo", headers=headers).status_code == 200


def string_arguments(rule) -> list[str]:
    """The rule's arguments that take text (no converter, string or path), not numbers."""
    return [name for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule)
            if converter in ("", "string", "path")]


def test_nul_in_a_path_segment_is_refused(app, client, world):
    rules = [rule for rule in app.url_map.iter_rules() if string_arguments(rule)]
    assert {rule.endpoint for rule in rules} >= {"selfservice.manage", "calendar.personal_ics", "public.switch_language"}
    for rule in rules:
        for method in sorted(rule.methods - {"OPTIONS", "HEAD"}):
            path = path_of(rule, world, **{name: "a%00b" for name in string_arguments(rule)})
            response = client.open(path, method=method)
            assert response.status_code == 400, (method, path, response.status_code)


class TypedFormReader(FormReader):
    """FormReader that also notes which fields take typed text (text-like inputs and textareas)."""

    TEXT_TYPES = {"text", "email", "search", "tel", "url", "password"}

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        a = dict(attrs)
        if self._form is not None and a.get("name") and (
                tag == "textarea" or (tag == "input" and (a.get("type") or "text").lower() in self.TEXT_TYPES)):
            self._form.setdefault("text", set()).add(a["name"])


def offered_forms(client, url: str) -> dict[str, tuple[dict, set]]:
    """{action path: (fields, names of the text fields)} of the post forms on the page at url."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    reader = TypedFormReader(url)
    reader.feed(response.get_data(as_text=True))
    found = {}
    for form in reader.forms:
        fields = {name: value or TYPED.get(name, "") for name, value in form["fields"].items()}
        found[form["action"].split("?")[0]] = (fields, form.get("text", set()))
        for action, extra in form["buttons"]:
            found[action.split("?")[0]] = ({**fields, **extra}, form.get("text", set()))
    return found


def test_nul_in_any_field_of_any_form_is_a_4xx_and_never_stored(app, client, world):
    """Each field of each form, as the pages offer them, posted with NUL and a valid CSRF token.

    A form whose view sends every field through the text rules (``form_text_checked``) answers a
    text field with a 422, the message beside the field; its checkboxes, radios and selects only
    ever become booleans or fixed choices. Any other form is refused before its view runs (400).
    Either way nothing with NUL in it is stored.
    """
    values = {**world["values"], "cancelled_item_id": world["cancelled_item_id"]}
    offered: dict[str, tuple[dict, set]] = {}
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.rule.startswith(("/api/", "/static")) and \
                not rule.rule.endswith((".ics", ".csv", ".xlsx", ".pdf", ".json")) and \
                rule.endpoint not in ("public.switch_language", "console.login", "desk.index", "letters.verify") and \
                "job_id" not in rule.arguments and set(rule.arguments) <= set(values):
            offered.update(offered_forms(client, path_of(rule, world)))
    offered["/console/login"] = ({"email": "someone@example.org", "password": "a long enough password"},
                                 {"email", "password"})
    # the language switch's post is built by static/js/language-draft.js from the page's form, with its address
    offered["/language/zh"] = ({"back": "/register", "given_name": "Fatima"}, {"back", "given_name"})
    page_token = csrf_token(client.get("/console/").get_data(as_text=True))
    posted = 0
    for rule in write_rules(app):
        if rule.rule.startswith("/api/") or rule.rule.endswith(".json"):
            continue  # JSON, not forms: see the JSON tests
        if rule.endpoint == "delegation_page.import_confirm":
            continue  # offered by the import's preview, a POST's answer: tests/accreditation/test_member_import_page.py
        path = path_of(rule, world)
        assert path in offered, f"no page offers a form for {rule.rule}"
        fields, text_fields = offered[path]
        fields = {k: v for k, v in fields.items() if k != "csrf_token"}
        checked_by_form = getattr(app.view_functions[rule.endpoint], "form_text_checked", False)
        method = sorted(rule.methods & WRITES)[0]
        names = [*fields] + ([] if checked_by_form else ["name\x00"])
        for name in names:
            data = {**fields, "csrf_token": page_token, name: NUL if name in fields else "x"}
            before = snapshot()
            response = client.open(path, method=method, data=data)
            html = response.get_data(as_text=True)
            where = (method, path, name)
            assert response.status_code < 500, (where, html[:500])
            assert "\\x00" not in repr(snapshot()), f"{where} stored a NUL"
            if not checked_by_form:
                assert response.status_code == 400 and REFUSED_PAGE["en"] in html, (where, response.status_code)
                assert snapshot() == before, f"{where} changed something"
            elif name in text_fields:
                assert response.status_code == 422, (where, response.status_code)
                assert snapshot() == before, f"{where} changed something"
            posted += 1
    assert posted >= 60


def test_a_form_that_checks_its_own_text_keeps_what_was_typed(client, summit):
    page = client.get("/register?lang=zh").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "given_name": "Fatima", "family_name": "Al-Sayed",
            "native_name": "فاطمة\x00السيد", "email": "fatima@example.ae", "organisation": "Roads Authority",
            "country": "AE", "category": "government", "language": "zh", "route": "", "consent": "y"}
    response = client.post("/register", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "包含不允许的字符（控制字符）。" in html
    for kept in ('value="Fatima"', 'value="Al-Sayed"', 'value="fatima@example.ae"', 'value="Roads Authority"'):
        assert kept in html, kept


@pytest.mark.parametrize("body, field", [
    ({"organisation": NUL}, "organisation"),
    ({"passport": {"number": NUL}}, "passport.number"),
    ({"arrival": {"flight": ["ok", {"deep": NUL}]}}, "arrival.flight[1].deep"),
    ({"giv\x00en_name": "Amina"}, "giv\ufffden_name"),
    ({"native_name": "abc\ud800"}, "native_name"),
])
def test_unstorable_json_text_at_any_depth_is_a_422_naming_where(client, summit, body, field):
    raw = json.dumps({**delegate_data(), **body})  # \u0000 and \ud800 as JSON escapes, as a client sends them
    response = client.post("/api/v1/registrations", data=raw, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in assert_error_body(response, body)["errors"]


def test_unstorable_json_text_is_refused_on_every_json_rule(app, client, world):
    page_token = csrf_token(client.get("/console/").get_data(as_text=True))
    for rule in write_rules(app):
        for method in sorted(rule.methods & WRITES):
            if not takes_a_body(client, rule, method):
                continue
            path = path_of(rule, world)
            headers = api_headers(rule, world) if rule.rule.startswith("/api/") else {"X-CSRFToken": page_token}
            before = snapshot()
            response = client.open(path, method=method, data=json.dumps({"code": NUL, "k\x00": [NUL]}),
                                   content_type="application/json", headers=headers)
            assert response.status_code == 422, (method, path, response.status_code)
            assert set(assert_error_body(response, path)["errors"]) == {"code", "k\ufffd", "k\ufffd[0]"}
            assert snapshot() == before, path


def test_the_url_map_still_has_the_rules_these_tests_rely_on(app):
    with app.test_request_context():
        assert url_for("desk.checkin_json") == "/desk/checkin.json"
        assert url_for("api.list_delegates") == "/api/v1/delegates"


def test_a_json_body_sent_as_a_form_still_reaches_the_api(client, summit):
    """`curl -d '{…}'` says application/x-www-form-urlencoded: the API reads its body as JSON all the same."""
    response = client.post("/api/v1/registrations", data=json.dumps(delegate_data()),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201, response.get_json()
