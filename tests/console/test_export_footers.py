"""Exports say who downloaded them and when (issue 17, item 7): the CSV's last line, the XLSX's second
sheet, the manifest's footer, the badge PDFs' metadata; and each matches its audit entry."""
from __future__ import annotations

import csv
import io

import pikepdf
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from summit.models import AuditEntry
from summit.plumbing.extensions import db
from summit.services.console.exports import ABOUT_SHEET, HEADERS

from support.console_support import api_token, csv_rows, sign_in, text
from support.factories import make_delegate, register, route


@pytest.fixture
def people(summit):
    r1 = route(summit, "R1")
    register(summit, given_name="Xiaoming", family_name="Wang", native_name="王小明", route_id=r1.id)
    register(summit, given_name="Élodie", family_name="Dubois", country="FR", category="media")
    return r1


def _last_download():
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "download")
                              .order_by(AuditEntry.id.desc())).first()


def test_the_csv_ends_with_one_comment_line_naming_the_downloader_and_the_filter(client, summit, people):
    sign_in(client, "organiser", "olga@example.org")
    export = client.get("/console/exports/delegates.csv?category=media&q=Du,b\"o").data.decode("utf-8-sig")
    lines = export.splitlines()
    assert lines[0].split(",")[:3] == HEADERS[:3]  # line 1 is still the header
    footer = lines[-1]
    # a comma and a quote in the search text: the line still starts with the mark readers skip
    assert footer.startswith("# Downloaded by olga@example.org at ")
    assert "category=media" in footer and 'q=Du,b"o' in footer and "0 delegates" in footer
    entry = _last_download()
    assert entry.entity == "delegates.csv" and entry.changes == {
        "filters": {"category": "media", "q": 'Du,b"o'}, "count": 0}
    stamp = entry.at.astimezone(summit.zone).strftime("%Y-%m-%d %H:%M")
    assert stamp in footer  # the file and the audit say the same moment

    export = client.get("/console/exports/delegates.csv?category=media").data.decode("utf-8-sig")
    assert [row["family_name"] for row in csv_rows(export)] == ["Dubois"]
    # what a script on csv.DictReader sees without skipping: one last row, its id the comment
    plain = list(csv.DictReader(io.StringIO(export)))
    assert len(plain) == 2 and plain[-1]["id"].startswith("# Downloaded by") and "1 delegate" in plain[-1]["id"]


def test_the_xlsx_has_an_about_sheet_after_the_data(client, summit, people):
    sign_in(client, "organiser", "olga@example.org")
    book = load_workbook(io.BytesIO(client.get("/console/exports/delegates.xlsx?route=none").data))
    assert book.sheetnames == ["Delegates", ABOUT_SHEET]
    assert book.active.title == "Delegates"  # what a script opens first
    about = {row[0]: row[1] for row in book[ABOUT_SHEET].iter_rows(values_only=True)}
    assert about["Downloaded by / 下载人"] == "olga@example.org"
    assert about["Filter / 筛选条件"] == "route=none" and about["Delegates / 代表人数"] == 1
    entry = _last_download()
    assert about["Downloaded at / 下载时间"] == entry.at.astimezone(summit.zone).strftime("%Y-%m-%d %H:%M +08:00")
    assert entry.entity == "delegates.xlsx" and entry.changes["count"] == 1


def test_the_manifest_page_and_csv_say_who_downloaded_them(client, summit, people):
    sign_in(client, "staff", "sam@example.org")
    page = client.get(f"/console/routes/{people.id}/manifest")
    assert page.headers["Cache-Control"] == "no-store"
    assert "Downloaded by sam@example.org at" in text(page.get_data(as_text=True))
    assert _last_download().entity == "manifest"
    manifest = client.get(f"/console/routes/{people.id}/manifest.csv").data.decode("utf-8-sig")
    assert manifest.splitlines()[-1].startswith("# Downloaded by sam@example.org at ")
    assert "route=R1" in manifest.splitlines()[-1] and "1 delegate" in manifest.splitlines()[-1]


def test_badge_pdfs_name_the_downloader_in_their_metadata_not_on_the_badge(client, summit):
    d = make_delegate(summit, "Ada", "Lovelace")
    headers = api_token("staff", "desk@example.org")
    response = client.get(f"/api/v1/badges.pdf?ids={d.id}", headers=headers)
    assert response.status_code == 200
    with pikepdf.open(io.BytesIO(response.data)) as pdf:
        info = {str(k): str(v) for k, v in pdf.docinfo.items()}
    page_text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert info["/DownloadedBy"] == "desk@example.org"
    assert info["/Subject"].startswith("Downloaded by desk@example.org at ") and "1 delegate" in info["/Subject"]
    entry = _last_download()
    assert entry.entity == "badges.pdf" and entry.entity_id == d.id
    assert entry.changes["filters"]["ids"] == [d.id]
    assert info["/DownloadedAt"] == entry.at.astimezone(summit.zone).strftime("%Y-%m-%d %H:%M +08:00")
    assert "LOVELACE" in page_text.upper() and "desk@example.org" not in page_text
