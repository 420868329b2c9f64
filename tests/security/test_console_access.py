"""No console URL answers a user without the right role.

Walks every rule in the URL map whose blueprint is the console or the desk, and
every API view that states a role, and knocks on each with each method: as a
visitor (→ login page, or 401 for the API), with a role too low (→ 403), and
with the right role (→ not refused).
"""
from __future__ import annotations

import pytest
from werkzeug.routing.converters import NumberConverter

from summit.models import ROLES

from support.app import csrf_token
from support.console_support import api_token, same_origin, sign_in
from support.factories import register

#: The console part of the API contract: each of these, where it exists, must state a role.
CONTRACT_CONSOLE_API = {"/api/v1/delegates", "/api/v1/badges.pdf", "/api/v1/checkins", "/api/v1/routes/<int:route_id>",
                        "/api/v1/delegations"}
#: Pages that change the programme, routes or delegates, or expose every delegate at once: organisers only.
ORGANISER_ONLY = {
    "console.programme_list", "console.programme_new", "console.programme_edit", "console.programme_cancel", "console.programme_restore",
    "console.programme_delete", "console.route_edit", "console.delegate_edit", "console.delegate_move",
    "console.delegate_cancel", "console.exports_page", "console.export_delegates", "console.audit_log",
    "console.messages", "console.message_new", "console.message_detail",
    "console.delegation_new", "console.delegation_revoke", "console.delegation_reissue", "console.delegation_places",
}
PUBLIC = {"console.login"}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def guarded_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        blueprint = rule.endpoint.rpartition(".")[0]
        if blueprint in ("console", "desk") or hasattr(view, "required_role"):
            rules.append(rule)
    return rules


def url_for_rule(rule, ids):
    values = dict(rule.defaults or {})
    for name in rule.arguments - set(values):
        numeric = isinstance(rule._converters[name], NumberConverter)
        values[name] = ids.get(name, 1) if numeric else ids.get(name, "x")
    return rule.build(values, append_unknown=False)[1]


@pytest.fixture
def ids(app, summit):
    delegate = register(summit).delegate
    from summit.services.console import accounts
    user = accounts.save_user("owner@example.org", "staff", "a long enough password")
    token_row, _ = accounts.issue_token(user.email, "walk")
    return {"delegate_id": delegate.id, "item_id": summit.items[0].id, "route_id": summit.routes[0].id,
            "token_id": token_row.id, "id": delegate.id}


def test_every_console_page_states_a_role(app):
    rules = guarded_rules(app)
    endpoints = {rule.endpoint for rule in rules}
    assert "console.home" in endpoints and len(endpoints) >= 3
    for rule in rules:
        if rule.endpoint in PUBLIC:
            continue
        role = getattr(app.view_functions[rule.endpoint], "required_role", None)
        assert role in ROLES, f"{rule.rule} ({rule.endpoint}) states no role"
    for endpoint in ORGANISER_ONLY & set(app.view_functions):
        assert app.view_functions[endpoint].required_role == "organiser", endpoint
    api_rules = {rule.rule: rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    for path in CONTRACT_CONSOLE_API & set(api_rules):
        assert hasattr(app.view_functions[api_rules[path].endpoint], "required_role"), path


def knock(client, rule, url, method, headers=None, csrf=None):
    data = {"csrf_token": csrf} if csrf and not rule.rule.startswith("/api/") else None
    return client.open(url, method=method, data=data, headers=headers or {})


def test_visitors_are_sent_to_login_and_api_callers_get_401(app, client, ids):
    same_origin(client)
    csrf = csrf_token(client.get("/console/login").get_data(as_text=True))
    checked = 0
    for rule in guarded_rules(app):
        if rule.endpoint in PUBLIC:
            continue
        url = url_for_rule(rule, ids)
        for method in rule.methods - SKIPPED_METHODS:
            response = knock(client, rule, url, method, csrf=csrf)
            if rule.rule.startswith("/api/"):
                assert response.status_code == 401, (method, url)
                assert response.get_json()["error"] == "unauthorized"
            else:
                assert response.status_code == 302, (method, url, response.status_code)
                assert response.headers["Location"].startswith("/console/login"), (method, url)
            checked += 1
    assert checked >= 30  # every console page and call, each method (32 on this branch)


def test_staff_get_403_on_organiser_pages_and_calls(app, client, ids):
    sign_in(client, "staff")
    csrf = csrf_token(client.get("/console/").get_data(as_text=True))
    headers = api_token("staff", "staff-api@example.org")
    refused = 0
    for rule in guarded_rules(app):
        role = getattr(app.view_functions[rule.endpoint], "required_role", None)
        if role != "organiser":
            continue
        url = url_for_rule(rule, ids)
        for method in rule.methods - SKIPPED_METHODS:
            response = knock(client, rule, url, method, headers if rule.rule.startswith("/api/") else None, csrf)
            assert response.status_code == 403, (method, url, response.status_code)
            refused += 1
    assert refused >= len(ORGANISER_ONLY & set(app.view_functions))


@pytest.mark.parametrize("role", ROLES)
def test_the_right_role_is_let_in(app, client, ids, role):
    sign_in(client, role)
    headers = api_token(role, f"{role}-api@example.org")
    for rule in guarded_rules(app):
        needed = getattr(app.view_functions[rule.endpoint], "required_role", None)
        if needed is None or ROLES.index(role) < ROLES.index(needed) or "GET" not in rule.methods:
            continue
        url = url_for_rule(rule, ids)
        response = client.get(url, headers=headers if rule.rule.startswith("/api/") else {})
        assert response.status_code not in (401, 403) and response.status_code < 500, (url, response.status_code)
        if response.status_code in (301, 302, 303):
            # A redirect is fine (e.g. /desk/ → its badge list) as long as it is not to the login page.
            assert "/login" not in response.headers["Location"], (url, response.headers["Location"])
