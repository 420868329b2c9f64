"""Titles and name order (issue 14, item 4): ZHANG Wei, not Wei ZHANG, wherever the name is written.

The order defaults from the country or the native name's script (services/registration/names.py),
the delegate changes it on the form or their own page, an organiser in the console or the API; the
badge, the console, the desk, the mails and the exports then all write the same "ZHANG Wei".
"""
from __future__ import annotations

import pytest

from support.app import csrf_token
from support.badge_helpers import in_text, pdf_text
from support.console_support import api_token, csv_rows, same_origin, sign_in, text
from support.factories import delegate_data, make_delegate, register
from summit.models import Delegate
from summit.plumbing.extensions import db
from summit.services.accreditation import levels
from summit.services.badges import documents as badges
from summit.services.checkin.codes import checkin_code
from summit.services.registration.names import FAMILY_FIRST_COUNTRIES, default_name_order


def fresh(delegate_id: int) -> Delegate:
    db.session.expire_all()
    return db.session.get(Delegate, delegate_id)


# ---------------------------------------------------------------- the default rule

@pytest.mark.parametrize("country", sorted(FAMILY_FIRST_COUNTRIES))
def test_countries_whose_names_are_written_family_first(country):
    assert default_name_order(country, "") == "family_first"


@pytest.mark.parametrize("country", ["GB", "FR", "US", "SG", "IN", "TH", "RU", "SN", "BR", "DE"])
def test_other_countries_write_the_given_name_first(country):
    assert default_name_order(country, "") == "given_first"


@pytest.mark.parametrize("native, order", [
    ("张伟", "family_first"), ("張偉", "family_first"), ("山田太郎", "family_first"), ("やまだ たろう", "family_first"),
    ("ヤマダ", "family_first"), ("김지우", "family_first"), ("𠀋仔", "family_first"),
    ("Иван Петров", "given_first"), ("ليلى حداد", "given_first"), ("สมชาย", "given_first"), ("", "given_first"),
])
def test_the_native_script_decides_for_a_country_that_does_not(native, order):
    assert default_name_order("US", native) == order


def test_registration_takes_the_default_and_a_choice_overrides_it(summit):
    cn = register(summit, given_name="Wei", family_name="Zhang", country="CN").delegate
    gb = register(summit, given_name="Ada", family_name="Lovelace", country="GB").delegate
    by_script = register(summit, given_name="Taro", family_name="Yamada", native_name="山田太郎", country="US").delegate
    chose = register(summit, given_name="Wei", family_name="Zhang", country="CN", name_order="given_first").delegate
    assert [d.name_order for d in (cn, gb, by_script, chose)] == ["family_first", "given_first", "family_first",
                                                                   "given_first"]
    assert (cn.display_name, gb.display_name, by_script.display_name, chose.display_name) == \
           ("ZHANG Wei", "Ada LOVELACE", "YAMADA Taro", "Wei ZHANG")


def test_the_formal_name_puts_the_title_first(summit):
    d = register(summit, given_name="Wei", family_name="Zhang", country="CN", title="H.E.").delegate
    assert d.formal_name == "H.E. ZHANG Wei"
    assert register(summit, given_name="Ada", family_name="Lovelace", country="GB").delegate.formal_name == "Ada LOVELACE"


# ---------------------------------------------------------------- the API

def test_the_api_registers_with_the_default_or_the_choice_and_says_so(client, summit):
    body = client.post("/api/v1/registrations", json=delegate_data(given_name="Wei", family_name="Zhang",
                                                                   country="CN", title="H.E.")).get_json()
    assert (body["name_order"], body["display_name"], body["title"]) == ("family_first", "ZHANG Wei", "H.E.")
    chose = client.post("/api/v1/registrations", json=delegate_data(given_name="Wei", family_name="Zhang",
                                                                    country="CN", name_order="given_first"))
    assert chose.status_code == 201 and chose.get_json()["display_name"] == "Wei ZHANG"
    mine = client.get("/api/v1/registrations/self", headers={"Authorization": f"Bearer {body['token']}"}).get_json()
    assert mine["name_order"] == "family_first" and mine["display_name"] == "ZHANG Wei"


@pytest.mark.parametrize("bad", ["surname_first", 1, True, "FAMILY_FIRST"])
def test_an_unknown_name_order_is_422_naming_the_field(client, summit, bad):
    answer = client.post("/api/v1/registrations", json=delegate_data(name_order=bad))
    assert answer.status_code == 422 and "name_order" in answer.get_json()["errors"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Delegate)) == 0


def test_an_organiser_changes_the_order_over_the_api(client, summit):
    d = make_delegate(summit, "Wei", "Zhang", country="CN")
    organiser = api_token("organiser")
    answer = client.patch(f"/api/v1/delegates/{d.id}", json={"name_order": "given_first"}, headers=organiser)
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["name_order"], answer.get_json()["display_name"]) == ("given_first", "Wei ZHANG")
    assert fresh(d.id).name_order == "given_first"
    listed = client.get("/api/v1/delegates", headers=organiser).get_json()["delegates"]
    assert [(x["name_order"], x["display_name"]) for x in listed] == [("given_first", "Wei ZHANG")]
    bad = client.patch(f"/api/v1/delegates/{d.id}", json={"name_order": "backwards"}, headers=organiser)
    assert bad.status_code == 422 and "name_order" in bad.get_json()["errors"]
    # only organisers: no token, a staff token, a delegate's own token
    assert client.patch(f"/api/v1/delegates/{d.id}", json={"name_order": "family_first"}).status_code == 401
    assert client.patch(f"/api/v1/delegates/{d.id}", json={"name_order": "family_first"},
                        headers=api_token("staff")).status_code == 403
    own = register(summit).manage_token
    assert client.patch(f"/api/v1/delegates/{d.id}", json={"name_order": "family_first"},
                        headers={"Authorization": f"Bearer {own}"}).status_code == 401
    assert fresh(d.id).name_order == "given_first"
    # audited with the other protocol changes
    audit = client.get("/api/v1/audit", headers=organiser)
    if audit.status_code == 200:
        assert any("name_order" in str(entry.get("detail")) for entry in audit.get_json()["entries"])


# ---------------------------------------------------------------- the delegate's own pages

def _form_fields(page: str, **fields) -> dict:
    data = {"csrf_token": csrf_token(page), "given_name": "Wei", "family_name": "Zhang", "email": "wei@example.cn",
            "organisation": "Ministry of Transport", "country": "CN", "category": "government", "language": "en",
            "consent": "y"}
    data.update(fields)
    return data


def test_the_form_offers_both_orders_and_a_title_and_the_default_applies_when_none_is_chosen(client, summit):
    page = client.get("/register?lang=en").get_data(as_text=True)
    assert 'name="title"' in page and "H.E., Dr, Prof." in page
    assert 'value="given_first"' in page and 'value="family_first"' in page and 'name="name_order" type="radio" value=""' in page.replace('checked ', '')
    answer = client.post("/register", data=_form_fields(page, title="H.E."))
    assert answer.status_code == 302
    d = db.session.scalar(db.select(Delegate).where(Delegate.email == "wei@example.cn"))
    assert (d.title, d.name_order, d.formal_name) == ("H.E.", "family_first", "H.E. ZHANG Wei")
    manage = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "H.E. ZHANG Wei" in text(manage)


def test_the_form_shows_the_delegates_own_name_both_ways_and_keeps_their_choice(client, summit):
    page = client.get("/register?lang=en").get_data(as_text=True)
    # a required field missing: the page comes back with the name written both ways round
    again = client.post("/register", data=_form_fields(page, organisation="", given_name="Ji-woo", family_name="Kim",
                                                      name_order="given_first"))
    assert again.status_code == 422
    shown = text(again.get_data(as_text=True))
    assert "Ji-woo KIM · Given name first" in shown and "KIM Ji-woo · Family name first" in shown
    assert client.post("/register", data=_form_fields(page, name_order="given_first", title="Dr")).status_code == 302
    d = db.session.scalar(db.select(Delegate).where(Delegate.email == "wei@example.cn"))
    assert (d.name_order, d.formal_name) == ("given_first", "Dr Wei ZHANG")


def test_a_title_the_text_rules_refuse_is_shown_beside_the_field(client, summit):
    page = client.get("/register?lang=en").get_data(as_text=True)
    answer = client.post("/register", data=_form_fields(page, title="H" * 41))
    assert answer.status_code == 422 and 'id="title-error"' in answer.get_data(as_text=True)


def test_the_delegate_changes_their_order_and_title_on_their_own_page(client, summit):
    result = register(summit, given_name="Wei", family_name="Zhang", country="CN")
    url = f"/manage/{result.manage_token}/details?lang=en"
    page = client.get(url).get_data(as_text=True)
    shown = text(page)
    assert "Wei ZHANG · Given name first" in shown and "ZHANG Wei · Family name first" in shown
    assert 'value="family_first" checked' in page or 'checked id="name_order-1"' in page or \
        'checked type="radio" value="family_first"' in page
    data = {"csrf_token": csrf_token(page), "title": "Prof.", "given_name": "Wei", "family_name": "Zhang",
            "name_order": "given_first", "email": result.delegate.email, "organisation": "Ministry of Transport",
            "country": "CN", "category": "government", "language": "en"}
    assert client.post(url, data=data).status_code == 302
    d = fresh(result.delegate.id)
    assert (d.name_order, d.title, d.formal_name) == ("given_first", "Prof.", "Prof. Wei ZHANG")


def test_an_organiser_changes_the_order_in_the_console(client, summit):
    d = make_delegate(summit, "Wei", "Zhang", country="CN")
    sign_in(client, "organiser")
    url = f"/console/delegates/{d.id}/edit?lang=en"
    page = client.get(url).get_data(as_text=True)
    assert "ZHANG Wei · Family name first" in text(page)
    data = {"csrf_token": csrf_token(page), "title": "H.E.", "given_name": "Wei", "family_name": "Zhang",
            "name_order": "given_first", "email": d.email, "organisation": d.organisation, "country": "CN",
            "category": "government", "language": "en"}
    assert client.post(url, data=data).status_code == 302
    changed = fresh(d.id)
    assert (changed.name_order, changed.formal_name) == ("given_first", "H.E. Wei ZHANG")
    detail = text(client.get(f"/console/delegates/{d.id}?lang=en").get_data(as_text=True))
    assert "H.E. Wei ZHANG" in detail and "name_order" in detail  # the audit history names the change


# ---------------------------------------------------------------- the same order everywhere

def test_badge_console_desk_and_export_write_the_same_order(client, summit, tmp_path):
    zhang = make_delegate(summit, "Wei", "Zhang", "张伟", country="CN")
    lovelace = make_delegate(summit, "Ada", "Lovelace", country="GB")
    levels.set_protocol(zhang, {"title": "H.E."}, None)
    zhang, lovelace = fresh(zhang.id), fresh(lovelace.id)

    badge_text = pdf_text(badges.render_badges([zhang, lovelace], "a6"), tmp_path)
    assert in_text("H.E. ZHANG Wei", badge_text) and in_text("Ada LOVELACE", badge_text)
    assert not in_text("Wei ZHANG", badge_text)

    sign_in(client, "organiser")
    listing = text(client.get("/console/delegates?lang=en").get_data(as_text=True))
    assert "H.E. ZHANG Wei" in listing and "Ada LOVELACE" in listing
    assert "H.E. ZHANG Wei" in text(client.get(f"/console/delegates/{zhang.id}?lang=en").get_data(as_text=True))

    desk = text(client.get("/desk/badges?lang=en").get_data(as_text=True))
    assert "H.E. ZHANG Wei" in desk and "Ada LOVELACE" in desk
    page = client.get("/desk/checkin?lang=en").get_data(as_text=True)
    verdict = client.post("/desk/checkin.json", json={"code": checkin_code(zhang)},
                          headers={"X-CSRFToken": csrf_token(page), "Referer": "https://summit.test/desk/"})
    assert "H.E. ZHANG Wei" in text(verdict.get_json()["html"])

    export = client.get("/console/exports/delegates.csv").get_data().decode("utf-8-sig")
    rows = csv_rows(export)
    by_email = {row["email"]: row for row in rows}
    assert by_email[zhang.email]["display_name"] == "ZHANG Wei"
    assert by_email[zhang.email]["title"] == "H.E." and by_email[zhang.email]["name_order"] == "family_first"
    assert by_email[lovelace.email]["display_name"] == "Ada LOVELACE"
    # additions only: the columns scripts already read keep their names and places
    assert list(rows[0])[:3] == ["id", "family_name", "given_name"]


def test_the_mails_address_the_delegate_by_title_and_name_in_their_order(summit):
    # a letter writes the name as the delegate does (capitals mark the family name in lists and on badges)
    from summit.plumbing.mail_templates import render_email

    d = make_delegate(summit, "Wei", "Zhang", country="CN")
    levels.set_protocol(d, {"title": "H.E."}, None)
    d = fresh(d.id)
    for language in ("en", "zh"):
        mail = render_email("new_link", language, delegate=d, summit_name="GSTF", manage_url="https://x.test/m",
                            hours=24)
        body = str(mail)
        assert "H.E. Zhang Wei" in body and "Wei Zhang" not in body, body[:500]
