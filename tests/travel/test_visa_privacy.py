"""A passport is sensitive personal information (issue 17 and 18): its own consent, withdrawn erases it and
revokes the letter, an erasure blanks it, it is encrypted at rest, and the delegate's data copy shows it
masked with the letters' history."""
from __future__ import annotations

from sqlalchemy import text

from support.visa_letters import PASSPORT, bearer, body, open_requests
from summit.models import Consent, Passport, VisaLetter
from summit.plumbing.extensions import db
from summit.services.privacy.consents import SENSITIVE_FIELDS, needs_sensitive_consent

PASSPORT_URL = "/api/v1/registrations/self/passport"
WITHDRAW = "/api/v1/registrations/self/consents/sensitive/withdraw"


def register(client, n=1, **overrides):
    response = client.post("/api/v1/registrations", json=body(n, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def kinds(delegate_id):
    return sorted(db.session.scalars(db.select(Consent.kind).where(
        Consent.delegate_id == delegate_id, Consent.withdrawn_at.is_(None))))


def test_the_passport_is_a_sensitive_field_and_asks_its_consent(client, summit):
    open_requests(summit)
    assert "passport" in SENSITIVE_FIELDS and needs_sensitive_consent({"passport": dict(PASSPORT)})
    refused = client.post("/api/v1/registrations", json=body(1, sensitive_consent=None))
    assert refused.status_code == 422
    assert "sensitive personal information" in refused.get_json()["errors"]["sensitive_consent"][0]
    assert db.session.scalar(db.select(db.func.count()).select_from(Passport)) == 0
    # in Chinese for a delegate who reads it
    zh = client.post("/api/v1/registrations", json=body(1, sensitive_consent=None),
                     headers={"Accept-Language": "zh"})
    assert zh.status_code == 422 and "敏感个人信息" in zh.get_json()["errors"]["sensitive_consent"][0]
    given = register(client, 1)
    assert kinds(given["id"]) == ["processing", "sensitive"]
    # a letter asked later, on an API edit, asks it too; once given it stands
    plain = register(client, 2, visa_letter=None, passport=None, sensitive_consent=None)
    assert kinds(plain["id"]) == ["processing"]
    response = client.put(PASSPORT_URL, json={"visa_letter": True, "passport": dict(PASSPORT)},
                          headers=bearer(plain["token"]))
    assert response.status_code == 422 and "sensitive_consent" in response.get_json()["errors"]
    response = client.put(PASSPORT_URL, json={"visa_letter": True, "passport": dict(PASSPORT),
                                              "sensitive_consent": True}, headers=bearer(plain["token"]))
    assert response.status_code == 200, response.get_json()
    assert kinds(plain["id"]) == ["processing", "sensitive"]
    changed = {**PASSPORT, "number": "Y9876543"}
    response = client.put(PASSPORT_URL, json={"visa_letter": True, "passport": changed},
                          headers=bearer(plain["token"]))
    assert response.status_code == 200, response.get_json()


def test_the_number_is_encrypted_at_rest_and_shown_masked(client, summit):
    open_requests(summit)
    registered = register(client, 1)
    assert registered["passport"]["number"] == "****5678"
    raw = db.session.execute(text("SELECT number FROM passport")).scalar_one()
    assert "1234" not in raw and "5678" not in raw
    assert db.session.get(Passport, registered["id"]).number == PASSPORT["number"]
    mine = client.get("/api/v1/registrations/self", headers=bearer(registered["token"])).get_data(as_text=True)
    assert "X 1234-5678" not in mine and "****5678" in mine


def test_withdrawing_the_consent_erases_the_passport_and_revokes_the_letter(client, summit):
    open_requests(summit)
    registered = register(client, 1)
    serial = registered["visa_letter"]["serial"]
    assert client.get(f"/verify/{serial}").status_code == 200
    response = client.post(WITHDRAW, headers=bearer(registered["token"]))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Passport, registered["id"]) is None
    letter = db.session.scalars(db.select(VisaLetter).where(VisaLetter.serial == serial)).one()
    assert letter.status == "revoked" and letter.revoked_reason == "consent_withdrawn"
    assert "REVOKED" in client.get(f"/verify/{serial}").get_data(as_text=True)
    assert client.get("/api/v1/registrations/self/visa-letter.pdf",
                      headers=bearer(registered["token"])).status_code == 404


def test_erasure_blanks_the_passport_and_the_letter_names_nobody(client, summit):
    open_requests(summit)
    registered = register(client, 1)
    serial = registered["visa_letter"]["serial"]
    assert client.delete("/api/v1/registrations/self?erase=1", headers=bearer(registered["token"])).status_code == 204
    db.session.expire_all()
    row = db.session.get(Passport, registered["id"])
    assert row is None or (row.number, row.name, row.nationality, row.date_of_birth) == (None, None, None, None)
    letter = db.session.scalars(db.select(VisaLetter).where(VisaLetter.serial == serial)).one()
    assert letter.status == "revoked" and (letter.name, letter.nationality, letter.number_last4) == ("", "", "")
    page = client.get(f"/verify/{serial}").get_data(as_text=True)
    assert "REVOKED" in page and "AMINA" not in page and "5678" not in page


def test_the_data_copy_holds_the_passport_masked_and_the_letters_history(client, summit):
    open_requests(summit)
    registered = register(client, 1)
    first = registered["visa_letter"]["serial"]
    changed = {**PASSPORT, "number": "Y9876543"}
    assert client.put(PASSPORT_URL, json={"visa_letter": True, "passport": changed},
                      headers=bearer(registered["token"])).status_code == 200
    response = client.get("/api/v1/registrations/self/data", headers=bearer(registered["token"]))
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    assert "Y9876543" not in raw and "X 1234-5678" not in raw
    visa = response.get_json()["visa"]
    assert visa["passport"]["number"] == "****6543" and visa["passport"]["name"] == "AMINA DIALLO"
    old, new = visa["letters"]
    assert old["serial"] == first and old["status"] == "revoked"
    assert [s["status"] for s in old["history"]] == ["requested", "issued", "revoked"]
    assert old["history"][-1]["reason"] == "passport_changed"
    assert new["status"] == "reissued" and new["replaces"] == first
    assert [s["status"] for s in new["history"]] == ["requested", "reissued"]


def test_the_printable_data_copy_shows_the_passport_masked(client, summit):
    open_requests(summit)
    registered = register(client, 1)
    path = registered["manage_url"].split("summit.test", 1)[1]
    page = client.get(path + "/data?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Passport and visa letters" in html and "****5678" in html and "X 1234-5678" not in html
    assert registered["visa_letter"]["serial"] in html
