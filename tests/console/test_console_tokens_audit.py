"""API tokens from the console (shown once, stored hashed, revocable) and the audit log page."""
from __future__ import annotations

import re

from summit.plumbing.extensions import db
from summit.models import ApiToken

from support.app import csrf_token
from support.console_support import api_token, page_csrf, sign_in, text
from support.factories import route


def test_a_token_is_shown_once_stored_hashed_works_and_can_be_revoked(client, summit):
    sign_in(client, "staff")
    response = client.post("/console/tokens", data={"csrf_token": page_csrf(client, "/console/tokens"),
                                                    "label": "door scanner 2"})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    token = re.search(r"<code>([A-Za-z0-9_-]{40,})</code>", response.get_data(as_text=True)).group(1)
    row = db.session.scalars(db.select(ApiToken).where(ApiToken.label == "door scanner 2")).one()
    assert row.token_hash != token and token not in row.token_hash
    assert client.get("/api/v1/delegates", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # Shown once: the list page never carries it again.
    assert token not in client.get("/console/tokens").get_data(as_text=True)
    page = client.get("/console/tokens").get_data(as_text=True)
    response = client.post(f"/console/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(page)},
                           follow_redirects=True)
    assert "stops working at once" in text(response.get_data(as_text=True))
    assert client.get("/api/v1/delegates", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_staff_cannot_revoke_someone_elses_token_but_an_organiser_can(app, client, summit):
    api_token("staff", "scanner-owner@example.org")
    other = db.session.scalars(db.select(ApiToken)).one()
    sign_in(client, "staff")
    assert "scanner-owner@example.org" not in client.get("/console/tokens").get_data(as_text=True)
    csrf = page_csrf(client, "/console/tokens")
    assert client.post(f"/console/tokens/{other.id}/revoke", data={"csrf_token": csrf}).status_code == 404
    client = sign_in(app.test_client(), "organiser")
    assert "scanner-owner@example.org" in client.get("/console/tokens").get_data(as_text=True)
    csrf = page_csrf(client, "/console/tokens")
    assert client.post(f"/console/tokens/{other.id}/revoke", data={"csrf_token": csrf}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, other.id).revoked_at is not None


def test_audit_log_shows_who_changed_what(client, summit):
    sign_in(client, "organiser")
    r = route(summit, "R4")
    url = f"/console/routes/{r.id}/edit"
    stops = "\n".join(f"{s['zh']} | {s['en']}" for s in r.stops)
    client.post(url, data={"csrf_token": page_csrf(client, url), "name_zh": r.name_zh, "name_en": "Route 4 (new)",
                           "stops": stops, "capacity": str(r.capacity), "departs_at": "", "returns_at": ""})
    page = text(client.get("/console/audit").get_data(as_text=True))
    assert "organiser@example.org" in page and "visit_route.update" in page and "Route 4 (new)" in page
    assert "1 entry" in page
    assert "visit_route.update" not in text(client.get("/console/audit?entity=delegate").get_data(as_text=True))
