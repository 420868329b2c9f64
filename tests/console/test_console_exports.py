"""Exports: CSV that Excel reads in any script, XLSX, and the bus captains' manifests."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from summit.plumbing.extensions import db
from summit.models import Delegate
from summit.services.console.exports import HEADERS

from support.console_support import csv_rows, sign_in, text
from support.factories import register, route, set_capacity


@pytest.fixture
def delegates(summit):
    r1 = route(summit, "R1")
    set_capacity(r1, 2)
    made = [
        register(summit, given_name="Xiaoming", family_name="Wang", native_name="王小明", organisation="交通运输部",
                 country="CN", route_id=r1.id, phone="+86 138 0013 8000"),
        register(summit, given_name="Mohammed", family_name="Ali", native_name="محمد علي", country="AE",
                 organisation="=HYPERLINK(\"http://evil.example\",\"click\")", route_id=r1.id),
        register(summit, given_name="Olga", family_name="Petrova", native_name="Ольга Петрова", country="RU",
                 route_id=r1.id, join_waitlist=True),
        register(summit, given_name="Élodie", family_name="Dubois", country="FR", category="media"),
    ]
    return [m.delegate for m in made]


def test_csv_has_a_bom_the_columns_and_every_script_intact(client, summit, delegates):
    sign_in(client, "organiser")
    response = client.get("/console/exports/delegates.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="gstf-2024-delegates-')
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 BOM Excel needs
    rows = csv_rows(raw.decode("utf-8-sig"))
    assert list(rows[0]) == HEADERS
    assert HEADERS[:6] == ["id", "family_name", "given_name", "native_name", "email", "organisation"]
    by_name = {row["family_name"]: row for row in rows}
    assert set(by_name) == {"Wang", "Ali", "Petrova", "Dubois"}
    assert by_name["Wang"]["native_name"] == "王小明" and by_name["Wang"]["organisation"] == "交通运输部"
    assert by_name["Ali"]["native_name"] == "محمد علي" and by_name["Petrova"]["native_name"] == "Ольга Петрова"
    assert by_name["Dubois"]["given_name"] == "Élodie"
    assert (by_name["Wang"]["route"], by_name["Wang"]["route_status"]) == ("R1", "confirmed")
    assert by_name["Petrova"]["route_status"] == "waitlisted"
    assert by_name["Wang"]["phone"] == "+86 138 0013 8000"  # a phone number is left as it is
    assert by_name["Ali"]["organisation"].startswith("'=HYPERLINK")  # a formula is defused
    wang = db.session.get(Delegate, delegates[0].id)
    assert by_name["Wang"]["registered_at"] == wang.created_at.astimezone(summit.zone).strftime("%Y-%m-%d %H:%M +08:00")


def test_csv_follows_the_list_filters(client, summit, delegates):
    sign_in(client, "organiser")
    rows = csv_rows(client.get("/console/exports/delegates.csv?category=media").data.decode("utf-8-sig"))
    assert [row["family_name"] for row in rows] == ["Dubois"]
    rows = csv_rows(client.get("/console/exports/delegates.csv?q=王").data.decode("utf-8-sig"))
    assert [row["family_name"] for row in rows] == ["Wang"]


def test_xlsx_opens_with_the_same_rows_and_no_formulas(client, summit, delegates):
    sign_in(client, "organiser")
    response = client.get("/console/exports/delegates.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 5
    natives = {row[HEADERS.index("native_name")] for row in rows[1:]}
    assert {"王小明", "محمد علي", "Ольга Петрова"} <= natives
    organisation = next(c for c in sheet.iter_rows(min_row=2) if c[1].value == "Ali")[HEADERS.index("organisation")]
    assert organisation.data_type == "s" and organisation.value.startswith("=HYPERLINK")  # text, not a formula


def test_manifest_lists_the_confirmed_with_phone_and_the_queue_in_order(client, summit, delegates):
    sign_in(client, "staff")  # bus captains' lists are for the desk staff too
    r1 = route(summit, "R1")
    page = client.get(f"/console/routes/{r1.id}/manifest")
    assert page.status_code == 200
    body = text(page.get_data(as_text=True))
    # each name in its delegate's order, as the badge prints it (WANG Xiaoming is from China)
    assert "Mohammed ALI" in body and "WANG Xiaoming" in body and "王小明" in body and "+86 138 0013 8000" in body
    assert body.index("Mohammed ALI") < body.index("WANG Xiaoming")  # by family name
    assert "Waiting list, in order" in body and "Olga PETROVA" in body and "Dubois" not in body
    assert 'src="/static/js/print.js"' in page.get_data(as_text=True)
    manifest_csv = client.get(f"/console/routes/{r1.id}/manifest.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(line for line in io.StringIO(manifest_csv) if not line.startswith("#")))
    assert rows[0] == ["no", "family_name", "given_name", "native_name", "organisation", "country", "phone",
                       "display_name"]  # display_name added after the columns scripts already read
    assert [r[1] for r in rows[1:]] == ["Ali", "Wang"]
    assert [r[-1] for r in rows[1:]] == ["Mohammed ALI", "WANG Xiaoming"]
    assert client.get("/console/exports/delegates.csv").status_code == 403  # the full export is organisers'


def test_every_csv_download_names_its_charset_once(client, summit, delegates):
    """Content-Type: text/csv; charset=utf-8 (werkzeug used to append a second charset to ours)."""
    sign_in(client, "organiser")
    r1 = route(summit, "R1")
    for url in ("/console/exports/delegates.csv", f"/console/routes/{r1.id}/manifest.csv"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", url
