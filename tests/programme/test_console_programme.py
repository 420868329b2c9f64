"""Organisers run the programme from the console: create, edit, cancel, restore, delete."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from summit.plumbing.extensions import db
from summit.models import AuditEntry, ProgrammeItem
from summit.services.programme import editing as programme
from summit.plumbing.errors import ValidationFailed

from support.console_support import page_csrf, sign_in, text

UTC = timezone.utc


@pytest.fixture
def organiser(client, summit):
    return sign_in(client, "organiser")


def item_form(client, url, **fields):
    data = {"csrf_token": page_csrf(client, url), "kind": "thematic", "title_zh": "城市公共交通专题会",
            "title_en": "Urban public transport", "starts_at": "2024-09-26T14:00", "ends_at": "2024-09-26T15:30",
            "venue_zh": "第三会议室", "venue_en": "Meeting Room 3", "description_zh": "", "description_en": ""}
    data.update(fields)
    return data


def audit_actions(entity_id):
    return [e.action for e in db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.entity == "programme_item", AuditEntry.entity_id == entity_id).order_by(AuditEntry.id))]


def test_create_reads_times_as_beijing_time_and_audits(organiser, summit):
    response = organiser.post("/console/programme/new", data=item_form(organiser, "/console/programme/new"))
    assert response.status_code == 302
    item = db.session.scalars(db.select(ProgrammeItem).where(ProgrammeItem.title_en == "Urban public transport")).one()
    assert item.starts_at == datetime(2024, 9, 26, 6, 0, tzinfo=UTC)  # 14:00 in Beijing
    assert item.seed_key is None and item.revision == 0
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.entity_id == item.id)).one()
    assert entry.action == "programme_item.create" and entry.user.email == "organiser@example.org"
    assert entry.changes["title_zh"] == [None, "城市公共交通专题会"]
    listing = text(organiser.get("/console/programme").get_data(as_text=True))
    assert "城市公共交通专题会" in listing and "14:00–15:30" in listing
    # Public pages and the API see it at once.
    agenda = organiser.get("/api/v1/agenda").get_json()["items"]
    assert any(i["title"]["en"] == "Urban public transport" and i["starts_at"] == "2024-09-26T14:00:00+08:00"
               for i in agenda)


def test_edit_bumps_revision_and_updated_at_and_records_the_change(organiser, summit):
    item = summit.items[0]
    before_revision, before_updated = item.revision, item.updated_at
    url = f"/console/programme/{item.id}/edit"
    page = organiser.get(url).get_data(as_text=True)
    local = item.starts_at.astimezone(summit.zone).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{local}"' in page  # shown in Beijing time, not UTC
    data = item_form(organiser, url, kind=item.kind, title_zh=item.title_zh, title_en="Opening ceremony (revised)",
                     starts_at=local, ends_at=item.ends_at.astimezone(summit.zone).strftime("%Y-%m-%dT%H:%M"),
                     venue_zh=item.venue_zh, venue_en=item.venue_en, description_zh=item.description_zh,
                     description_en=item.description_en)
    assert organiser.post(url, data=data).status_code == 302
    db.session.refresh(item)
    assert item.title_en == "Opening ceremony (revised)" and item.revision == before_revision + 1
    assert item.updated_at > before_updated
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "programme_item.update")).one()
    assert list(entry.changes) == ["title_en"] and entry.changes["title_en"][1] == "Opening ceremony (revised)"
    # Saving again unchanged changes nothing.
    assert organiser.post(url, data={**data, "csrf_token": page_csrf(organiser, url)}).status_code == 302
    db.session.refresh(item)
    assert item.revision == before_revision + 1


def test_mistakes_are_shown_beside_the_fields_and_the_input_kept(organiser, summit):
    url = "/console/programme/new"
    response = organiser.post(url, data=item_form(organiser, url, title_en="", ends_at="2024-09-26T13:00",
                                                  title_zh="保留我"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in html and "The end must come after the start." in html
    assert 'value="保留我"' in html
    response = organiser.post(url, data=item_form(organiser, url, starts_at="tomorrow"))
    assert response.status_code == 422 and "Enter a date and time." in response.get_data(as_text=True)
    assert db.session.query(ProgrammeItem).filter_by(seed_key=None).count() == 0


def test_cancel_keeps_the_item_marked_and_restore_brings_it_back(organiser, summit):
    item = summit.items[1]
    revision = item.revision
    csrf = page_csrf(organiser, "/console/programme")
    assert organiser.post(f"/console/programme/{item.id}/cancel", data={"csrf_token": csrf}).status_code == 302
    db.session.refresh(item)
    assert item.cancelled and item.revision == revision + 1
    ics = organiser.get("/agenda.ics").get_data(as_text=True)
    assert "STATUS:CANCELLED" in ics
    api_item = next(i for i in organiser.get("/api/v1/agenda").get_json()["items"] if i["id"] == item.id)
    assert api_item["cancelled"] is True and api_item["revision"] == revision + 1
    assert organiser.post(f"/console/programme/{item.id}/restore", data={"csrf_token": csrf}).status_code == 302
    db.session.refresh(item)
    assert not item.cancelled and item.revision == revision + 2
    assert audit_actions(item.id) == ["programme_item.cancel", "programme_item.restore"]


def test_delete_asks_first_then_removes_and_audits(organiser, summit):
    item = summit.items[2]
    item_id, title = item.id, item.title_en
    url = f"/console/programme/{item_id}/delete"
    page = organiser.get(url)
    assert page.status_code == 200 and "cancel it instead" in page.get_data(as_text=True)
    assert organiser.post(url, data={"csrf_token": page_csrf(organiser, url)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ProgrammeItem, item_id) is None
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "programme_item.delete")).one()
    assert entry.entity_id == item_id and entry.changes["title_en"] == [title, None]
    assert organiser.get(url).status_code == 404


def test_two_items_in_one_room_at_once_are_flagged(organiser, summit):
    url = "/console/programme/new"
    organiser.post(url, data=item_form(organiser, url))
    response = organiser.post(url, data=item_form(organiser, url, title_en="Clash", title_zh="冲突",
                                                  starts_at="2024-09-26T15:00", ends_at="2024-09-26T16:00",
                                                  venue_en="meeting room 3", venue_zh=""), follow_redirects=True)
    page = text(response.get_data(as_text=True))
    assert "Same room at the same time as: Urban public transport" in page
    # Back to back in the same room is fine; the same time in another room too.
    organiser.post(url, data=item_form(organiser, url, title_en="After", title_zh="之后",
                                       starts_at="2024-09-26T16:00", ends_at="2024-09-26T17:00", venue_zh=""))
    clashes = programme.overlaps(list(db.session.scalars(db.select(ProgrammeItem))))
    clashing = {db.session.get(ProgrammeItem, i).title_en for i in clashes}
    assert clashing == {"Urban public transport", "Clash"}


def test_service_refuses_naive_times_and_unknown_kinds(app, summit):
    with pytest.raises(ValidationFailed) as info:
        programme.create_item(summit, {"kind": "party", "title_zh": "x", "title_en": "x",
                                       "starts_at": datetime(2024, 9, 26, 9), "ends_at": datetime(2024, 9, 26, 10)},
                              None)
    assert set(info.value.errors) == {"kind", "starts_at", "ends_at"}


def test_cancelling_a_session_asks_first_naming_it_and_its_calendars(organiser, summit):
    item = summit.items[1]
    listing = organiser.get("/console/programme").get_data(as_text=True)
    # the list links to a question, not a bare "Cancel" button that reads like "close"
    assert f'href="/console/programme/{item.id}/cancel"' in listing and ">Cancel<" not in listing
    page = organiser.get(f"/console/programme/{item.id}/cancel")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and item.title_en in html
    assert "will show it as cancelled" in html and "Yes, cancel this session" in html
    db.session.refresh(item)
    assert not item.cancelled  # asking changed nothing
    organiser.post(f"/console/programme/{item.id}/cancel", data={"csrf_token": page_csrf(organiser, f"/console/programme/{item.id}/cancel")})
    db.session.refresh(item)
    assert item.cancelled
    # asked again once cancelled: back to the list, where it can be restored
    assert organiser.get(f"/console/programme/{item.id}/cancel").status_code == 302
    zh = organiser.get(f"/console/programme/{item.id + 1}/cancel?lang=zh").get_data(as_text=True)
    assert "取消" in zh and "Yes, cancel" not in zh
