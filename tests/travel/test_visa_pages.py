"""The visa-letter block of the registration form and the self-service page (no script needed)."""
from __future__ import annotations

import re
from html import unescape

from support.app import csrf_token
from support.visa_letters import open_requests, pdf_text
from summit.models import Passport, VisaLetter
from summit.plumbing.extensions import db
from summit.services.travel.letter_settings import change_settings

PASSPORT_FORM = {"visa_letter": "y", "passport_name": "FATIMA AL-SAYED", "passport_number": "P<1234 567",
                 "passport_nationality": "AE", "passport_date_of_birth": "1979-05-06",
                 "passport_expires_on": "2031-02-03", "passport_consent": "y"}


def form_data(client, url="/register", **fields):
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "given_name": "Fatima", "family_name": "Al-Sayed", "email": "fatima@example.ae",
            "organisation": "Roads and Transport Authority", "country": "AE", "category": "government",
            "language": "en", "route": "", "consent": "y", **PASSPORT_FORM}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def errors(html: str) -> list[str]:
    return [unescape(e) for e in re.findall(r'<p class="error"[^>]*>([^<]+)</p>', html)]


def test_the_form_asks_for_a_letter_and_keeps_what_was_typed_on_an_error(client, summit):
    open_requests(summit)
    page = client.get("/register?lang=en").get_data(as_text=True)
    assert "I need a visa invitation letter" in page and 'class="visa-passport"' in page
    response = client.post("/register", data=form_data(client, passport_expires_on="2024-12-31",
                                                       passport_nationality="QQ"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert any("2025-03-26" in e for e in errors(html)) and any("ISO 3166-1" in e for e in errors(html))
    assert 'value="P&lt;1234 567"' in html and 'value="FATIMA AL-SAYED"' in html  # nothing lost
    assert 'href="#passport_expires_on"' in html  # the error summary links the field
    response = client.post("/register", data=form_data(client))
    assert response.status_code == 302
    passport = db.session.scalars(db.select(Passport)).one()
    assert passport.number == "P<1234 567" and passport.nationality == "AE"


def test_an_unticked_box_asks_for_nothing(client, summit):
    open_requests(summit)
    response = client.post("/register", data=form_data(client, visa_letter=None))
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(VisaLetter)) == 0


def test_the_deadline_on_the_form_names_whom_to_contact(client, summit):
    change_settings(summit, request_deadline="2024-09-04")
    html = client.post("/register", data=form_data(client)).get_data(as_text=True)
    assert any("visa@gstf2024.example.org" in e for e in errors(html))


def test_completed_later_from_the_self_service_page_and_downloaded(client, summit):
    open_requests(summit)
    response = client.post("/register", data=form_data(client, visa_letter=None, passport_number=None))
    manage = response.headers["Location"].split("?")[0]
    page = client.get(manage + "?lang=en").get_data(as_text=True)
    assert "Ask for a visa invitation letter" in page
    url = manage + "/visa-letter"
    response = client.post(url, data={"csrf_token": csrf_token(client.get(url).get_data(as_text=True)),
                                      **PASSPORT_FORM})
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    page = client.get(manage + "?lang=en").get_data(as_text=True)
    assert "Download the letter (PDF)" in page
    pdf = client.get(manage + "/visa-letter.pdf")
    assert pdf.status_code == 200 and "P<1234 567" in pdf_text(pdf.data)
    # the page shows the number masked, never whole, and leaving it blank keeps it
    visa_page = client.get(url).get_data(as_text=True)
    assert "**** 567" in visa_page and "P&lt;1234 567" not in visa_page
    response = client.post(url, data={"csrf_token": csrf_token(visa_page), **PASSPORT_FORM, "passport_number": ""})
    assert response.status_code == 302
    assert db.session.scalars(db.select(VisaLetter)).one().status == "issued"  # unchanged: not reissued


def test_the_focal_point_completes_a_members_passport(client, summit):
    from support.factories import delegate_data
    from summit.services.accreditation import delegations

    open_requests(summit)
    delegation = delegations.create_delegation(summit, {
        "name_zh": "代表团", "name_en": "A delegation", "country": "AE", "focal_name": "Focal Point",
        "focal_email": "focal@example.org", "places": 5}, None)
    member = delegations.add_member(delegation.delegation, {k: v for k, v in delegate_data().items() if k != "consent"})
    home = client.get(f"/delegation/{delegation.token}?lang=en").get_data(as_text=True)
    url = f"/delegation/{delegation.token}/members/{member.delegate.id}/visa-letter"
    assert url in home
    response = client.post(url, data={"csrf_token": csrf_token(client.get(url).get_data(as_text=True)),
                                      **PASSPORT_FORM})
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    assert db.session.get(Passport, member.delegate.id).name == "FATIMA AL-SAYED"
    # another delegation's secret cannot reach the member
    other = delegations.create_delegation(summit, {
        "name_zh": "另一代表团", "name_en": "Another", "country": "KE", "focal_name": "Other Focal",
        "focal_email": "other@example.org", "places": 5}, None)
    assert client.get(f"/delegation/{other.token}/members/{member.delegate.id}/visa-letter").status_code == 404
    assert client.get(f"/delegation/{other.token}/members/{member.delegate.id}/visa-letter.pdf").status_code == 404
    # the focal point's consent covers the member (no box on their page), and they download the letter, audited
    from summit.models import AuditEntry, Consent
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert 'name="passport_consent"' not in page
    given = db.session.scalars(db.select(Consent).where(Consent.delegate_id == member.delegate.id,
                                                        Consent.kind == "sensitive")).one()
    assert given.given_by == "focal_point"
    pdf = client.get(url + ".pdf")
    assert pdf.status_code == 200 and "P<1234 567" in pdf_text(pdf.data)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "download")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.entity == "visa_letter.pdf" and entry.entity_id == member.delegate.id
    assert entry.changes["filters"]["by"] == "focal_point"


def test_the_delegates_own_page_asks_the_passport_consent(client, summit):
    open_requests(summit)
    response = client.post("/register", data=form_data(client, passport_consent=None))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "sensitive personal information" in html and 'name="passport_consent"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Passport)) == 0
