"""Visa invitation letters through the API: asking, approval, the PDF (its text and QR read back), the
verify page, revocation and reissue, the deadline, and who may download what."""
from __future__ import annotations

import pytest

from support.badge_helpers import decode_qr_codes
from support.console_support import api_token
from support.visa_letters import PASSPORT, bearer, body, open_requests, pdf_text
from summit.models import AuditEntry, Passport, VisaLetter
from summit.plumbing.database import checkpoint_wal
from summit.plumbing.extensions import db
from summit.services.accreditation import modes
from summit.services.travel import letters
from summit.services.travel.letter_settings import change_settings

LETTER = "/api/v1/registrations/self/visa-letter.pdf"


def register(client, n=1, **overrides):
    response = client.post("/api/v1/registrations", json=body(n, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def approve(client, delegate_id, decision="approve"):
    response = client.post(f"/api/v1/delegates/{delegate_id}/accreditation", json={"decision": decision},
                           headers=api_token("organiser", "org@example.org"))
    assert response.status_code == 200, response.get_json()


def test_letter_text_and_qr_from_the_pdf(client, summit, tmp_path):
    open_requests(summit)
    registered = register(client, job_title="Director")
    assert registered["passport"]["number"] == "****5678"
    assert registered["visa_letter"]["status"] == "issued"  # open mode: approved at once
    response = client.get(LETTER, headers=bearer(registered["token"]))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    serial = registered["visa_letter"]["serial"]
    assert serial.startswith("GSTF24-") and serial in text
    for words in ("AMINA DIALLO", "X 1234-5678", "Senegal", "塞内加尔", "1980-02-03", "2030-01-01",
                  "邀", "Letter of Invitation", "To the Embassy/Consulate of the People's Republic of China",
                  "中华人民共和国驻外使（领）馆", "23 September 2024", "28 September 2024",
                  "bears their international travel", "LI Ming", "Secretary-General", "Verify this letter at"):
        assert words in text, words
    assert decode_qr_codes(response.data, tmp_path) == [f"https://summit.test/verify/{serial}"]
    # the download is in the audit trail, as the delegate's own
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "download")).all()
    assert [(e.entity, e.entity_id) for e in entries] == [("visa_letter.pdf", registered["id"])]


def test_not_accredited_before_approval_and_404_when_none_asked(client, summit):
    open_requests(summit)
    modes.set_mode(summit, "approval", None)
    pending = register(client, 1)
    response = client.get(LETTER, headers=bearer(pending["token"]))
    assert response.status_code == 409 and response.get_json()["error"] == "not_accredited"
    assert pending["visa_letter"]["status"] == "requested" and pending["visa_letter"]["serial"] is None
    approve(client, pending["id"])
    response = client.get(LETTER, headers=bearer(pending["token"]))
    assert response.status_code == 200
    no_letter = register(client, 2, visa_letter=False, passport=None)  # None: left out (body())
    response = client.get(LETTER, headers=bearer(no_letter["token"]))
    assert response.status_code == 404


def test_letter_endpoint_authorisation(client, summit):
    open_requests(summit)
    alice = register(client, 1)
    bob = register(client, 2, visa_letter=False, passport=None)
    assert client.get(LETTER).status_code == 401
    assert client.get(LETTER, headers=bearer("not-a-token")).status_code == 401
    # a staff API token is no delegate's
    assert client.get(LETTER, headers=api_token("organiser", "org@example.org")).status_code == 401
    # another delegate's token gives that delegate's answer, never alice's letter
    response = client.get(LETTER, headers=bearer(bob["token"]))
    assert response.status_code == 404 and b"AMINA" not in response.data
    # a token revoked by cancelling
    assert client.delete("/api/v1/registrations/self", headers=bearer(alice["token"])).status_code == 204
    assert client.get(LETTER, headers=bearer(alice["token"])).status_code == 401


def test_missing_and_bad_passport_fields_are_422_per_field(client, summit):
    open_requests(summit)
    response = client.post("/api/v1/registrations", json=body(passport=None))
    assert response.status_code == 422 and "passport" in response.get_json()["errors"]
    response = client.post("/api/v1/registrations", json={**body(), "passport": None})
    assert response.status_code == 422 and "passport" in response.get_json()["errors"]
    bad = {"number": "AB\u202e12", "nationality": "XX", "date_of_birth": "03/02/1980",
           "expires_on": "2025-01-01", "name": "Амина"}
    errors = client.post("/api/v1/registrations", json=body(passport=bad)).get_json()["errors"]
    assert set(errors) >= {"passport.number", "passport.nationality", "passport.date_of_birth",
                           "passport.expires_on", "passport.name"}
    assert "2025-03-26" in errors["passport.expires_on"][0]  # the summit's end + six months
    for wrong in ({"visa_letter": "yes"}, {"passport": "X123"}, {"passport": {**PASSPORT, "number": ["a"]}},
                  {"passport": {**PASSPORT, "number": "ABC"}}, {"passport": {**PASSPORT, "number": "A" * 25}}):
        response = client.post("/api/v1/registrations", json=body(**wrong))
        assert response.status_code == 422, wrong
    # the last day allowed is taken; odd formats are kept as typed
    ok = register(client, 3, passport={**PASSPORT, "number": "ab-12 34/5", "expires_on": "2025-03-26"})
    assert db.session.get(Passport, ok["id"]).number == "ab-12 34/5"


def test_a_request_after_the_deadline_names_whom_to_contact(client, summit):
    change_settings(summit, request_deadline="2024-09-04")
    response = client.post("/api/v1/registrations", json=body())
    assert response.status_code == 422
    assert response.get_json()["error"] == "letter_deadline_passed"
    message = response.get_json()["errors"]["visa_letter"][0]
    assert "2024-09-04" in message and "visa@gstf2024.example.org" in message
    # nobody was registered; without a letter the registration goes through
    assert client.post("/api/v1/registrations", json=body(visa_letter=False, passport=None)).status_code == 201


def test_passport_change_revokes_and_reissues(client, summit):
    open_requests(summit)
    registered = register(client)
    first = registered["visa_letter"]["serial"]
    headers = bearer(registered["token"])
    # the same passport again changes nothing
    same = client.put("/api/v1/registrations/self/passport", json={"visa_letter": True, "passport": PASSPORT},
                      headers=headers)
    assert same.status_code == 200 and same.get_json()["visa_letter"]["serial"] == first
    changed = client.put("/api/v1/registrations/self/passport",
                         json={"visa_letter": True, "passport": {**PASSPORT, "number": "Y9876543"}}, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    letter = changed.get_json()["visa_letter"]
    assert letter["status"] == "reissued" and letter["serial"] != first
    assert changed.get_json()["passport"]["number"] == "****6543"
    old = db.session.scalars(db.select(VisaLetter).where(VisaLetter.serial == first)).one()
    assert old.status == "revoked" and old.revoked_reason == "passport_changed"
    assert "Y9876543" in pdf_text(client.get(LETTER, headers=headers).data)
    assert "revoked" in client.get(f"/verify/{first}").get_data(as_text=True).lower()


def test_rejection_revokes_and_approval_after_all_reissues(client, summit):
    open_requests(summit)
    registered = register(client)
    first = registered["visa_letter"]["serial"]
    approve(client, registered["id"], "reject")
    assert letters.verify(first).status == "revoked"
    assert client.get(LETTER, headers=bearer(registered["token"])).status_code == 409
    approve(client, registered["id"])
    again = client.get("/api/v1/registrations/self", headers=bearer(registered["token"])).get_json()
    assert again["visa_letter"]["status"] == "reissued" and again["visa_letter"]["serial"] != first


def test_verify_page_genuine_revoked_unknown_forged(client, summit):
    open_requests(summit)
    registered = register(client)
    serial = registered["visa_letter"]["serial"]
    page = client.get(f"/verify/{serial}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "genuine" in html and "AMINA DIALLO" in html and "****5678" in html
    assert "X 1234-5678" not in html and "1980-02-03" not in html  # only what the contract allows
    assert page.headers["Cache-Control"] == "no-store"
    zh = client.get(f"/verify/{serial}?lang=zh").get_data(as_text=True)
    assert "塞内加尔" in zh
    unknown = client.get("/verify/GSTF24-AAAAA-BBBBB?lang=en")
    forged = client.get(f"/verify/{serial[:-1]}{'A' if serial[-1] != 'A' else 'B'}?lang=en")
    junk = client.get("/verify/" + "x" * 300 + "?lang=en")
    assert unknown.status_code == forged.status_code == junk.status_code == 404
    assert client.get("/verify/%00%27;drop").status_code == 400  # a NUL is refused before any look-up
    strip = lambda r: r.get_data(as_text=True).replace(r.request.path, "")  # noqa: E731
    assert strip(unknown) == strip(forged)
    client.delete("/api/v1/registrations/self", headers=bearer(registered["token"]))
    revoked = client.get(f"/verify/{serial}?lang=en").get_data(as_text=True)
    assert "REVOKED" in revoked and "genuine" not in revoked


def test_passport_number_never_in_plain_text_in_the_database_file(client, summit, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite file is read directly")
    open_requests(summit)
    register(client, passport={**PASSPORT, "number": "ZQ7781234"})
    # everything written into the file itself (closing the last connection would, but an earlier test's
    # connection may still be open)
    assert checkpoint_wal()
    db.session.remove()
    db.engine.dispose()
    raw = open(database_url.removeprefix("sqlite:///"), "rb").read()
    assert b"ZQ7781234" not in raw and b"AMINA DIALLO" in raw  # the control: the file is the one written


def test_focal_point_gives_a_members_passport(client, summit):
    open_requests(summit)
    created = client.post("/api/v1/delegations", headers=api_token("organiser", "org@example.org"), json={
        "name": {"zh": "塞内加尔代表团", "en": "Senegal delegation"}, "country": "SN",
        "focal_point": {"name": "Awa Ndiaye", "email": "focal@example.org"}, "places": 3}).get_json()
    member = body(7)
    member.pop("consent")
    response = client.post("/api/v1/delegations/self/members", json=member, headers=bearer(created["token"]))
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Passport, response.get_json()["id"]).nationality == "SN"
