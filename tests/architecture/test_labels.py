"""One home for every label (models/labels.py, services/registration/countries.py).

Walks the label tables and shows that the database's CHECK constraints, the forms' choice lists, the
pages, the calendar, the badge and the exports all take their values and words from the same enums,
and that a country or region is named the same on the form, the console, the desk, the badge and the
exports, in Chinese and in English.
"""
from __future__ import annotations

import json
import re
from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError

from summit.models import ConsoleUser, Delegate, ProgrammeItem, RouteBooking
from summit.models.labels import (ENUMS, MAX_CAPACITY, BookingStatus, DelegateCategory, DelegateStatus, NameOrder,
                                  ProgrammeKind, Role)
from summit.plumbing.extensions import db
from summit.services.badges import documents as badges
from summit.services.registration.countries import REGION_NAMES, country_name
from summit.web.console.forms import ProgrammeItemForm, RouteForm
from summit.web.forms import DetailsForm

from support.factories import make_delegate
from support.console_support import csv_rows, sign_in, text
from support.factories import register

#: (table, the CHECK constraint's name as the migrations made it, its column, the enum it must hold)
CHECKS = [
    ("delegate", "ck_delegate_status_known", "status", DelegateStatus),
    ("delegate", "ck_delegate_category_known", "category", DelegateCategory),
    ("delegate", "ck_delegate_name_order_known", "name_order", NameOrder),
    ("route_booking", "ck_route_booking_status_known", "status", BookingStatus),
    ("programme_item", "ck_programme_item_kind_known", "kind", ProgrammeKind),
    ("console_user", "ck_console_user_role_known", "role", Role),
]
MODELS = {"delegate": Delegate, "route_booking": RouteBooking, "programme_item": ProgrammeItem,
          "console_user": ConsoleUser}
LANGUAGES = ("zh", "en")


def _check_text(table: str, name: str) -> str:
    """The CHECK constraint as the migrated database holds it (not as the models say it)."""
    if db.engine.dialect.name == "postgresql":
        return db.session.execute(sql(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'c' AND c.conname = :name AND t.relname = :table"), {"name": name, "table": table}
        ).scalar_one()
    ddl = db.session.execute(sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :table"),
                             {"table": table}).scalar_one()
    match = re.search(rf"CONSTRAINT {name} CHECK \((.*?)\)\s*(?:,|\n|$)", ddl)
    assert match, f"{name} is not in the {table} table"
    return match.group(1)


@pytest.mark.parametrize("table, name, column, enum", CHECKS, ids=[c[1] for c in CHECKS])
def test_each_check_constraint_allows_exactly_its_enums_values(app, table, name, column, enum):
    check = _check_text(table, name)
    assert column in check
    assert set(re.findall(r"'([^']*)'", check)) == set(enum.values())
    # …and the models write that same constraint from the enum (what a new database would get).
    model_check = next(c for c in MODELS[table].__table__.constraints if c.name == name)
    assert str(model_check.sqltext) == enum.sql_in(column)


def test_the_check_refuses_a_value_outside_the_enum(app, summit):
    """The walk above reads the constraint's text; this shows the database acts on it."""
    delegate = register(summit).delegate
    db.session.commit()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.execute(sql("UPDATE delegate SET status = 'pending' WHERE id = :id"), {"id": delegate.id})
    db.session.rollback()
    for status in DelegateStatus:
        db.session.execute(sql("UPDATE delegate SET status = :s WHERE id = :id"),
                           {"s": status.value, "id": delegate.id})
    db.session.rollback()


def test_every_label_is_translated_in_both_languages(app):
    for enum in ENUMS:
        for member in enum:
            zh, en = member.label_in("zh"), member.label_in("en")
            assert en and zh and zh != en, (enum.__name__, member, zh, en)
            assert not re.search(r"[A-Za-z]", zh), (member, zh)  # real Chinese, not a fallback to the msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_form_choice_lists_are_the_enums_in_the_page_language(app, language):
    with app.test_request_context(f"/register?lang={language}"):
        details = DetailsForm(meta={"csrf": False})
        assert [(c.value, str(c.label)) for c in details.category.choices] == \
               [(c.value, c.label_in(language)) for c in DelegateCategory]
        item = ProgrammeItemForm(meta={"csrf": False})
        assert [(c.value, str(c.label)) for c in item.kind.choices] == \
               [(k.value, k.label_in(language)) for k in ProgrammeKind]
        assert RouteForm(meta={"csrf": False}).capacity.render_kw["max"] == MAX_CAPACITY


def _options(select_html: str) -> list[tuple[str, str]]:
    return [(value, unescape(label)) for value, label in
            re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select_html)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_console_lists_statuses_categories_and_roles_with_the_enums_labels(client, summit, language):
    register(summit, category="media")
    sign_in(client, "organiser")
    page = client.get(f"/console/delegates?lang={language}").get_data(as_text=True)
    status_select = re.search(r'<select id="status" name="status">(.*?)</select>', page, re.S).group(1)
    assert _options(status_select)[:-1] == [(s.value, s.label_in(language)) for s in DelegateStatus]  # then "all"
    category_select = re.search(r'<select id="category" name="category">(.*?)</select>', page, re.S).group(1)
    assert _options(category_select)[1:] == [(c.value, c.label_in(language)) for c in DelegateCategory]
    assert Role.ORGANISER.label_in(language) in text(page)


@pytest.mark.parametrize("category", list(DelegateCategory))
def test_the_badge_prints_the_enums_label_in_both_languages(summit, category):
    view = badges.badge_view(make_delegate(summit, category=category.value), badges.LAYOUTS["a6"])
    assert (view.category, view.category_zh, view.category_en) == \
           (category.value, category.label_in("zh"), category.label_in("en"))


def test_the_calendar_and_the_agenda_name_each_kind_as_the_enum_does(client, summit):
    kinds = set(db.session.scalars(db.select(ProgrammeItem.kind).where(ProgrammeItem.summit_id == summit.id)))
    assert len(kinds) > 2  # the GSTF 2024 programme has several kinds to compare
    feed = client.get("/agenda.ics").get_data(as_text=True).replace("\r\n ", "")
    assert set(re.findall(r"^CATEGORIES:(.*?)\r?$", feed, re.M)) == {ProgrammeKind(k).label_in("en") for k in kinds}
    for language in LANGUAGES:
        agenda = text(client.get(f"/agenda?lang={language}").get_data(as_text=True))
        for kind in kinds:
            assert ProgrammeKind(kind).label_in(language) in agenda, (language, kind)


def test_the_api_still_answers_plain_strings(client, summit):
    from support.factories import delegate_data, route

    body = {**delegate_data(), "route_id": route(summit, "R1").id}
    response = client.post("/api/v1/registrations", json=body)
    assert response.status_code == 201
    raw = response.get_data(as_text=True)
    answer = json.loads(raw)
    assert answer["status"] == "registered" and answer["route"]["status"] == "confirmed"
    assert "BookingStatus" not in raw and "DelegateStatus" not in raw


def test_one_capacity_bound_for_the_form_the_api_and_the_rule(client, summit):
    from support.console_support import api_token
    from support.factories import route

    r1 = route(summit, "R1")
    headers = api_token("organiser")
    assert client.patch(f"/api/v1/routes/{r1.id}", json={"capacity": MAX_CAPACITY}, headers=headers).status_code == 200
    too_many = client.patch(f"/api/v1/routes/{r1.id}", json={"capacity": MAX_CAPACITY + 1}, headers=headers)
    assert too_many.status_code == 422
    openapi = client.get("/api/v1/openapi.json").get_json()
    schema = openapi["paths"]["/api/v1/routes/{route_id}"]["patch"]["requestBody"]["content"]["application/json"]
    assert schema["schema"] == {"$ref": "#/components/schemas/CapacityChange"}
    assert openapi["components"]["schemas"]["CapacityChange"]["properties"]["capacity"]["maximum"] == MAX_CAPACITY


# ---------------------------------------------------------------- countries and regions

@pytest.fixture
def regions(summit):
    """A delegate from each of the three regions the host names its own way, and one from France."""
    return {code: register(summit, country=code, family_name=f"From-{code.lower()}").delegate
            for code in (*REGION_NAMES, "FR")}


def rendered_countries() -> list[tuple[str, str]]:
    """(code, name) of the country list as the delegate's form renders it, in order."""
    form = DetailsForm(meta={"csrf": False})
    form.fill_choices()
    return [(code, unescape(name)) for code, name in
            re.findall(r'<option (?:selected )?value="([A-Z]{2})">([^<]*)</option>', str(form.country()))]


def test_the_three_regions_are_named_as_the_badge_names_them(app):
    assert country_name("TW", "zh") == "中国台湾" and country_name("TW", "en") == "Taiwan, China"
    assert country_name("hk", "zh") == "中国香港" and country_name("MO", "en") == "Macao, China"
    assert country_name("FR", "zh") == "法国" and country_name("FR", "en") == "France"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_country_is_named_the_same_on_form_console_desk_badge_and_export(client, summit, regions, language):
    expected = {code: country_name(code, language) for code in regions}

    with client.application.test_request_context(f"/register?lang={language}"):
        on_form = dict(rendered_countries())
    assert {code: on_form[code] for code in regions} == expected

    sign_in(client, "organiser")
    listing = client.get(f"/console/delegates?lang={language}").get_data(as_text=True)
    listed = text(listing)
    country_select = re.search(r'<select id="country" name="country">(.*?)</select>', listing, re.S).group(1)
    in_filter = dict(_options(country_select))
    for code, name in expected.items():
        assert f"{name} ({code})" in listed, (code, name)
        assert in_filter[code] == name
        detail = text(client.get(f"/console/delegates/{regions[code].id}?lang={language}").get_data(as_text=True))
        assert f"{name} ({code})" in detail

    desk = text(client.get(f"/desk/badges?lang={language}").get_data(as_text=True))
    for name in expected.values():
        assert name in desk

    for code, delegate in regions.items():
        view = badges.badge_view(db.session.get(Delegate, delegate.id), badges.LAYOUTS["a6"])
        assert {"zh": view.country_zh, "en": view.country_en}[language] == expected[code]

    export = client.get("/console/exports/delegates.csv").data.decode("utf-8-sig")
    rows = {row["country"]: row for row in csv_rows(export)}
    for code, name in expected.items():
        assert rows[code][f"country_name_{language}"] == name


def test_the_chinese_list_sorts_the_regions_by_their_own_names(app):
    """中国台湾 sorts under Z (zhongguo), beside 中国, not under T: the list shows the badge's words."""
    with app.test_request_context("/register?lang=zh"), force_locale("zh"):
        codes = [code for code, _ in rendered_countries()]
    assert abs(codes.index("TW") - codes.index("CN")) < 5


def test_a_label_is_escaped_like_any_text_on_every_page(client, summit):
    """Flask-Babel marks a lazy translation as ready HTML; ours are text (plumbing/i18n.py)."""
    from support.console_support import sign_in

    form = client.get("/register?lang=en").get_data(as_text=True)
    assert "Academia &amp; think tank" in form and "Academia & think tank" not in form
    console = sign_in(client, "staff").get("/console/delegates?lang=en").get_data(as_text=True)
    assert "Academia &amp; think tank" in console and "Academia & think tank" not in console
