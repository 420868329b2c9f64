"""The focal point imports members on their delegation's page: templates, a dry run showing each row, a commit.

Through the page's forms with the test client (CSRF on, as in production), in both languages.
"""
from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from support.app import csrf_token
from support.console_support import same_origin, text
from support.factories import letters, register
from summit.models import Delegate
from summit.plumbing.extensions import db
from summit.services.accreditation import delegations, member_import

HEADER = ["given_name", "family_name", "email", "organisation", "country", "category"]


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def member(n: int, **overrides) -> list[str]:
    row = {"given_name": f"Given{letters(n)}", "family_name": "Diop", "email": f"member{n}@example.sn",
           "organisation": "Ministère des Transports", "country": "SN", "category": "government", **overrides}
    return [row[name] for name in HEADER]


def make_delegation(summit, places=10, **overrides) -> delegations.Issued:
    return delegations.create_delegation(summit, {
        "name_zh": "塞内加尔代表团", "name_en": "Delegation of Senegal", "country": "SN", "focal_name": "Awa Ndiaye",
        "focal_email": "focal@example.sn", "places": places, **overrides}, None)


def home(client, issued, language="en") -> str:
    same_origin(client)
    client.set_cookie("lang", language, domain="summit.test")
    response = client.get(f"/delegation/{issued.token}", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def upload(client, issued, data: bytes, filename="members.csv", language="en"):
    page = home(client, issued, language)
    return client.post(f"/delegation/{issued.token}/import", content_type="multipart/form-data",
                       headers={"Accept-Language": language},
                       data={"csrf_token": csrf_token(page), "file": (io.BytesIO(data), filename)})


def sealed_of(html: str) -> str:
    match = re.search(r'name="sealed" value="([^"]+)"', html)
    assert match, "no confirm button"
    return match.group(1)


def confirm(client, issued, html: str, sealed: str | None = None, language="en"):
    return client.post(f"/delegation/{issued.token}/import/confirm", headers={"Accept-Language": language},
                       data={"csrf_token": csrf_token(html),
                             "sealed": sealed if sealed is not None else sealed_of(html)})


def member_count(issued) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Delegate).where(
        Delegate.delegation_id == issued.delegation.id))


def test_the_page_offers_both_templates_and_they_download(client, summit):
    issued = make_delegation(summit)
    page = text(home(client, issued))
    assert "Import members from a file" in page and "Download the Excel template" in page
    response = client.get(f"/delegation/{issued.token}/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf") and "given_name / 名" in response.data.decode("utf-8-sig")
    assert response.headers["Referrer-Policy"] == "no-referrer"  # the page's privacy holds here too
    response = client.get(f"/delegation/{issued.token}/import/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.worksheets[0]["B1"].value == "given_name / 名"
    assert client.get("/delegation/not-a-link/import/template.csv").status_code == 404


def test_a_dry_run_shows_the_bad_row_then_the_fixed_file_is_confirmed_all_at_once(client, summit):
    issued = make_delegation(summit)
    response = upload(client, issued, csv_bytes([HEADER, member(1), member(2, email="not-an-email"), member(3)]))
    assert response.status_code == 422
    page = text(response.get_data(as_text=True))
    assert "1 row needs attention. Nobody was added" in page
    assert "column C · Email: This is not a valid email address." in page
    assert 'name="sealed"' not in response.get_data(as_text=True)  # nothing to confirm
    assert member_count(issued) == 0

    response = upload(client, issued, csv_bytes([HEADER, member(1), member(2), member(3)]))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Every row is correct: 3 members can be added." in text(html)
    assert "<td>Government</td>" in html and "<td>government</td>" not in html  # the label, as elsewhere
    assert member_count(issued) == 0  # a dry run only
    response = confirm(client, issued, html)
    assert response.status_code == 302 and response.headers["Location"].endswith("#members")
    assert member_count(issued) == 3
    assert "3 members are added to your delegation" in text(client.get(response.headers["Location"]).get_data(
        as_text=True))


def test_the_preview_speaks_chinese_to_a_chinese_focal_point(client, summit):
    issued = make_delegation(summit)
    response = upload(client, issued, csv_bytes([HEADER, member(1, email="bad")]), language="zh")
    page = text(response.get_data(as_text=True))
    assert "有 1 行需要修改" in page and "C 列 · 电子邮箱" in page


def test_a_file_that_cannot_be_read_says_why_on_the_page(client, summit):
    issued = make_delegation(summit)
    response = upload(client, issued, csv_bytes([HEADER[:-1], member(1)[:-1]]))
    assert response.status_code == 422
    assert "Row 1: The required column “category” is missing." in text(response.get_data(as_text=True))
    response = upload(client, issued, b"", filename="")
    assert response.status_code == 422 and "Choose a CSV or Excel file." in text(response.get_data(as_text=True))


def test_a_confirmation_checks_again_and_refuses_all_when_an_email_was_taken_meanwhile(client, summit):
    issued = make_delegation(summit)
    html = upload(client, issued, csv_bytes([HEADER, member(1), member(2)])).get_data(as_text=True)
    register(summit, email="member2@example.sn")  # someone registers one of them in between
    response = confirm(client, issued, html)
    assert response.status_code == 409
    assert "This email is already registered." in text(response.get_data(as_text=True))
    assert member_count(issued) == 0


def test_a_tampered_expired_or_other_delegations_seal_is_refused(client, summit, monkeypatch):
    ours, theirs = make_delegation(summit), make_delegation(summit, name_en="Delegation of Mali", country="ML")
    html = upload(client, ours, csv_bytes([HEADER, member(1)])).get_data(as_text=True)
    sealed = sealed_of(html)
    tampered = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")
    assert confirm(client, ours, html, tampered).status_code == 400
    other_page = home(client, theirs)
    assert confirm(client, theirs, other_page, sealed).status_code == 400  # sealed for another delegation
    monkeypatch.setattr(member_import, "SEAL_MAX_AGE", -1)
    response = confirm(client, ours, html)
    assert response.status_code == 400 and "expired" in text(response.get_data(as_text=True))
    assert (member_count(ours), member_count(theirs)) == (0, 0)


def test_a_reissued_link_voids_the_preview_made_with_the_old_one(client, summit):
    issued = make_delegation(summit)
    html = upload(client, issued, csv_bytes([HEADER, member(1)])).get_data(as_text=True)
    new = delegations.reissue_link(summit, issued.delegation.id, None)
    response = client.post(f"/delegation/{new.token}/import/confirm",
                           data={"csrf_token": csrf_token(html), "sealed": sealed_of(html)})
    assert response.status_code == 400 and member_count(issued) == 0


def test_a_revoked_link_gives_the_friendly_page(client, summit):
    issued = make_delegation(summit)
    html = home(client, issued)
    delegations.revoke_link(summit, issued.delegation.id, None)
    response = client.post(f"/delegation/{issued.token}/import", content_type="multipart/form-data",
                           data={"csrf_token": csrf_token(html), "file": (io.BytesIO(csv_bytes([HEADER])), "a.csv")})
    assert response.status_code == 410


def test_more_members_than_places_is_said_before_anything_is_added(client, summit):
    issued = make_delegation(summit, places=1)
    response = upload(client, issued, csv_bytes([HEADER, member(1), member(2)]))
    assert response.status_code == 409
    assert "The file lists 2 members, and your delegation has 1 places free." in text(response.get_data(as_text=True))


def test_an_expired_page_says_so(client, summit):
    issued = make_delegation(summit)
    home(client, issued)
    response = client.post(f"/delegation/{issued.token}/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv_bytes([HEADER, member(1)])), "a.csv")})
    assert response.status_code == 400 and "The page had expired" in text(response.get_data(as_text=True))


def test_nul_in_the_confirm_forms_field_is_refused_and_nothing_stored(client, summit):
    issued = make_delegation(summit)
    html = upload(client, issued, csv_bytes([HEADER, member(1)])).get_data(as_text=True)
    for sealed in ("a\x00b", sealed_of(html) + "\x00"):
        response = confirm(client, issued, html, sealed)
        assert response.status_code == 400
    assert member_count(issued) == 0


def test_a_file_past_the_limit_is_refused_with_a_page_not_a_500(client, summit):
    from summit.services.accreditation import member_files

    issued = make_delegation(summit)
    response = upload(client, issued, b"a," * (member_files.BYTES_MAX // 2 + 1000))  # just past the file limit
    assert response.status_code == 422 and "larger than 2 MB" in text(response.get_data(as_text=True))
    response = upload(client, issued, b"a," * member_files.BYTES_MAX)  # past the form's limit too
    assert response.status_code == 413 and "<html" in response.get_data(as_text=True)
    assert member_count(issued) == 0
