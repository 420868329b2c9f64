"""The order of precedence (issue 14, item 3): lists, exports and badge batches sorted by protocol level.

`sort=precedence` is the level's rank from the summit file (1 first), then the family and given name.
"""
from __future__ import annotations

from support.console_support import api_token, csv_rows, sign_in, text
from support.factories import make_delegate
from summit.services.accreditation import levels
from summit.services.badges.selection import Selection, select_delegates

#: (given, family, country, level), registered in this (jumbled) order
PEOPLE = [
    ("Aaron", "Aalto", "FI", "staff"),
    ("Bea", "Baker", "GB", "media"),
    ("Wei", "Zhou", "CN", "vip"),
    ("Ann", "Adams", "US", "delegate"),
    ("Sam", "Abbott", "GB", "vip"),
    ("Sara", "Bell", "GB", "speaker"),  # shares rank 2 with delegate: then by family name
]
#: family names in order of precedence
EXPECTED = ["Abbott", "Zhou", "Adams", "Bell", "Baker", "Aalto"]


def people(summit):
    made = []
    for given, family, country, level in PEOPLE:
        d = make_delegate(summit, given, family, country=country)
        levels.set_protocol(d, {"protocol_level": level}, None)
        made.append(d)
    return made


def test_the_api_lists_delegates_by_precedence(client, summit):
    people(summit)
    token = api_token("staff")
    answer = client.get("/api/v1/delegates?sort=precedence", headers=token)
    assert answer.status_code == 200
    assert [d["family_name"] for d in answer.get_json()["delegates"]] == EXPECTED
    # the default order is still by family name
    by_name = client.get("/api/v1/delegates", headers=token).get_json()["delegates"]
    assert [d["family_name"] for d in by_name] == sorted(EXPECTED)
    bad = client.get("/api/v1/delegates?sort=rank", headers=token)
    assert bad.status_code == 422 and "precedence" in bad.get_json()["errors"]["sort"][0]


def test_precedence_pages_do_not_shuffle(client, summit):
    people(summit)
    token = api_token("staff")
    pages = [client.get(f"/api/v1/delegates?sort=precedence&per_page=4&page={n}", headers=token)
             .get_json()["delegates"] for n in (1, 2)]
    assert [d["family_name"] for page in pages for d in page] == EXPECTED


def test_the_console_list_and_its_export_sort_by_precedence(client, summit):
    people(summit)
    sign_in(client, "organiser")
    page = client.get("/console/delegates?sort=precedence&lang=en").get_data(as_text=True)
    shown = text(page)
    positions = [shown.index(family.upper()) for family in EXPECTED]
    assert positions == sorted(positions), shown
    assert 'href="/console/delegates?sort=precedence"' in page and "VIP" in shown and "Staff" in shown
    # the list's export links carry the sort, and the export follows it
    assert "delegates.csv?sort=precedence" in page
    export = client.get("/console/exports/delegates.csv?sort=precedence").get_data().decode("utf-8-sig")
    rows = csv_rows(export)
    assert [row["family_name"] for row in rows] == EXPECTED
    assert [row["protocol_level"] for row in rows] == ["vip", "vip", "delegate", "speaker", "media", "staff"]


def test_a_badge_batch_can_print_in_order_of_precedence(summit):
    people(summit)
    chosen = select_delegates(summit, Selection("all", sort="precedence"))
    assert [d.family_name for d in chosen] == EXPECTED


def test_the_document_offers_the_precedence_sort(client):
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = document["paths"]["/api/v1/delegates"]["get"]["parameters"]
    sort = next(p for p in parameters if p["name"] == "sort")
    assert "precedence" in sort["schema"]["enum"] and "rank" in sort["description"]
