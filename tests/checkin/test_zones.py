"""Event day at the service level: each zone rule, days, codes of one summit and one badge version, the scan
history, undo and re-entry, and delegate.checked_in_at as the first venue entry."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from summit.models import AuditEntry, Delegate, Scan, Summit, Zone, ZoneEntry
from summit.plumbing.errors import ValidationFailed
from summit.plumbing.extensions import db
from summit.services.accreditation.gates import NotAccredited
from summit.services.badges.reissue import reissue_badge
from summit.services.checkin import arrivals, history, zones
from summit.services.checkin.arrivals import (AlreadyCheckedIn, BadgeRevoked, NotAdmitted, UnknownCode,
                                              UnknownZone, check_in)
from summit.services.checkin.codes import _serializer, checkin_code, code_sha256, read_code
from summit.services.checkin.undo import ReasonRequired, undo_check_in
from summit.services.summits.seeding import read_definition, seed_summit

from support.badge_helpers import staff_user
from support.factories import make_delegate

GSTF_ZONES = ["venue", "ministerial", "banquet", "visit-R1", "visit-R2", "visit-R3", "visit-R4"]


def fresh(row):
    db.session.rollback()
    return db.session.get(type(row), row.id, populate_existing=True)


def outcomes(delegate=None) -> list[str]:
    db.session.rollback()
    query = select(Scan.outcome).order_by(Scan.id)
    if delegate is not None:
        query = query.where(Scan.delegate_id == delegate.id)
    return list(db.session.scalars(query))


def test_the_gstf_file_gives_its_zones_and_seeding_twice_changes_nothing(summit):
    assert [z.code for z in zones.zones_of(summit)] == GSTF_ZONES
    ministerial = zones.zone_by_code(summit, "ministerial")
    assert (ministerial.levels, ministerial.categories, ministerial.days) == (["vip"], ["government"], [])
    assert zones.zone_by_code(summit, "visit-R3").route_code == "R3"
    assert zones.zone_by_code(summit, "venue").everyone and zones.zone_by_code(summit, "banquet").banquet
    report = seed_summit()
    assert not [k for k in report.created + report.updated if k.startswith("zone:")]


def test_an_organisers_edit_of_a_zone_is_kept_and_a_new_zone_in_the_file_is_added(summit, tmp_path):
    ministerial = zones.zone_by_code(summit, "ministerial")
    ministerial.name_en = "Ministers' room"
    db.session.commit()
    text = open(read_definition.__globals__["default_definition_path"]()).read()
    path = tmp_path / "summit.toml"
    path.write_text(text.replace('name_en = "Ministerial room"', 'name_en = "Ministerial hall"') + '''
[[zones]]
code = "press"
name_zh = "新闻中心"
name_en = "Press centre"
admits = { levels = ["media"], categories = ["media"] }
days = [2024-09-25]
''')
    report = seed_summit(path)
    assert "zone:ministerial" in report.kept_edited and "zone:press" in report.created
    db.session.rollback()
    assert zones.zone_by_code(summit, "ministerial").name_en == "Ministers' room"
    assert zones.zone_by_code(summit, "press").days == ["2024-09-25"]


@pytest.mark.parametrize("zone_toml, problem", [
    ('code = "x"\nname_zh = "甲"\nname_en = "X"\nadmits = { levels = ["emperor"] }', "levels: 'emperor'"),
    ('code = "x"\nname_zh = "甲"\nname_en = "X"\nadmits = { route = "R9" }', "route: 'R9'"),
    ('code = "x"\nname_zh = "甲"\nname_en = "X"\nadmits = { vip = true }', "unknown rules: vip"),
    ('code = "x"\nname_zh = "甲"\nname_en = "X"\nadmits = {}', "admits nobody"),
    ('code = "x y"\nname_zh = "甲"\nname_en = "X"\nadmits = { everyone = true }', "code must be"),
    ('code = "x"\nname_zh = "甲"\nname_en = "X"\nadmits = { everyone = true }\ndays = ["soon"]', "days must be"),
    ('code = "venue"\nname_zh = "甲"\nname_en = "X"\nadmits = { everyone = true }', "defined twice"),
    ('code = "x"\nname_en = "X"\nadmits = { everyone = true }', "lacks name_zh"),
])
def test_a_bad_zone_in_the_file_is_refused_with_a_clear_problem(tmp_path, app, zone_toml, problem):
    text = open(read_definition.__globals__["default_definition_path"]()).read()
    path = tmp_path / "summit.toml"
    path.write_text(text + "\n[[zones]]\n" + zone_toml + "\n")
    with pytest.raises(ValidationFailed) as refused:
        read_definition(path)
    assert any(problem in p for p in refused.value.errors["file"]), refused.value.errors


def test_a_file_without_zones_still_gets_the_venue(tmp_path, app):
    text = open(read_definition.__globals__["default_definition_path"]()).read()
    head = text.split("# ---------------------------------------------------------------- event day")[0]
    path = tmp_path / "summit.toml"
    path.write_text(head.replace('slug = "gstf-2024"', 'slug = "other-2025"'))
    seed_summit(path)
    other = db.session.scalars(select(Summit).where(Summit.slug == "other-2025")).one()
    assert [(z.code, z.everyone) for z in zones.zones_of(other)] == [("venue", True)]


def test_each_zone_admits_by_its_rule(summit):
    vip = make_delegate(summit, "Grace", "Vip", category="enterprise")
    vip.protocol_level = "vip"
    official = make_delegate(summit, "Gov", "Official", category="government")
    guest = make_delegate(summit, "Ent", "Guest", category="enterprise", route="R1")
    guest.banquet = True
    db.session.commit()
    waiting = make_delegate(summit, "Wait", "Ing", category="academia", route="R1", route_status="waitlisted")
    day = date(2024, 9, 25)
    rule = {z.code: z for z in zones.zones_of(summit)}
    table = {d.family_name: [code for code in GSTF_ZONES if zones.admits(rule[code], fresh(d), day)]
             for d in (vip, official, guest, waiting)}
    assert table == {"Vip": ["venue", "ministerial"], "Official": ["venue", "ministerial"],
                     "Guest": ["venue", "banquet", "visit-R1"], "Ing": ["venue"]}


def test_a_zone_limited_to_days_admits_only_on_them(summit, app):
    d = make_delegate(summit, category="media")
    press = Zone(summit_id=summit.id, code="press", name_zh="新闻中心", name_en="Press", categories=["media"],
                 levels=[], days=["2024-09-25"], position=9)
    db.session.add(press)
    db.session.commit()
    assert zones.admits(press, d, date(2024, 9, 25)) and not zones.admits(press, d, date(2024, 9, 26))
    opening = datetime(2024, 9, 25, 9, 0, tzinfo=summit.zone)
    assert check_in(checkin_code(d), None, zone="press", summit=summit, at=opening).zone.code == "press"
    with pytest.raises(NotAdmitted):
        check_in(checkin_code(d), None, zone="press", summit=summit, at=opening + timedelta(days=1))
    with app.test_request_context():
        assert [str(line) for line in zones.rule_summary(press)][-1] == "Open on: 2024-09-25"


def test_once_per_zone_and_day_and_the_venue_entry_is_checked_in_at(summit):
    door = staff_user()
    d = make_delegate(summit, route="R2")
    code = checkin_code(d)
    day1 = datetime(2024, 9, 25, 8, 30, tzinfo=summit.zone)
    first = check_in(code, door, summit=summit, at=day1, device="door 1")
    assert (first.zone.code, first.checked_in_at, first.entry.day) == ("venue", day1, date(2024, 9, 25))
    with pytest.raises(AlreadyCheckedIn) as again:
        check_in(code, None, summit=summit, at=day1 + timedelta(hours=2))
    assert again.value.checked_in_at == day1 and again.value.checked_in_by.id == door.id
    # another zone the same day, and the venue again the next day, are entries of their own
    check_in(code, None, zone="visit-R2", summit=summit, at=day1 + timedelta(hours=1))
    check_in(code, None, summit=summit, at=day1 + timedelta(days=1))
    assert fresh(d).checked_in_at == day1  # the first venue entry, whatever came after
    assert fresh(d).checked_in_by_id == door.id
    assert outcomes(d) == ["checked_in", "already_checked_in", "checked_in", "checked_in"]
    scans = history.scans_of(fresh(d))
    assert scans[-1].device == "door 1" and scans[-1].by_user_id == door.id
    assert all(s.code_sha256 == code_sha256(code) for s in scans)
    assert len(history.entries_of(fresh(d))) == 3


def test_the_day_is_the_summits_local_date(summit):
    d = make_delegate(summit)
    late = datetime(2024, 9, 25, 23, 30, tzinfo=summit.zone)
    check_in(checkin_code(d), None, summit=summit, at=late)
    # 00:30 in Beijing is still 16:30 UTC of the 25th, but a new summit day
    after_midnight = late + timedelta(hours=1)
    assert after_midnight.astimezone(timezone.utc).date() == date(2024, 9, 25)
    assert check_in(checkin_code(d), None, summit=summit, at=after_midnight).entry.day == date(2024, 9, 26)


def test_not_admitted_not_accredited_unknown_are_refused_and_kept_in_the_history(summit):
    guest = make_delegate(summit, category="enterprise")
    pending = make_delegate(summit, "Pen", "Ding", accreditation="pending")
    with pytest.raises(NotAdmitted) as refused:
        check_in(checkin_code(guest), None, zone="ministerial", summit=summit)
    assert refused.value.zone.code == "ministerial" and refused.value.delegate.id == guest.id
    with pytest.raises(NotAccredited):
        check_in(checkin_code(pending), None, summit=summit)
    for junk in ("forged", checkin_code(guest)[:-3], checkin_code(guest) + "x", "x" * 10_001):
        with pytest.raises(UnknownCode):
            check_in(junk, None, summit=summit)
    with pytest.raises(UnknownZone):
        check_in(checkin_code(guest), None, zone="kitchen", summit=summit)
    assert outcomes() == ["not_admitted", "not_accredited"] + ["unknown_code"] * 4  # no scan for a bad zone
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ZoneEntry)) == 0
    assert db.session.scalars(select(Scan.code_sha256).where(Scan.outcome == "unknown_code")).all()[-1] == \
        code_sha256("x" * 10_001)  # the code itself is never stored


def test_a_code_of_another_summit_is_unknown(summit, tmp_path):
    text = open(read_definition.__globals__["default_definition_path"]()).read()
    path = tmp_path / "next.toml"
    path.write_text(text.replace('slug = "gstf-2024"', 'slug = "gstf-2025"'))
    seed_summit(path)
    other = db.session.scalars(select(Summit).where(Summit.slug == "gstf-2025")).one()
    d = make_delegate(summit)
    code = checkin_code(d)
    with pytest.raises(UnknownCode):
        check_in(code, None, summit=other)
    assert check_in(code, None, summit=summit).delegate.id == d.id


def test_a_legacy_code_is_version_1_of_its_delegate(summit):
    d = make_delegate(summit)
    legacy = _serializer().dumps(d.id)  # what badges printed before versions carried
    assert read_code(legacy) == (None, d.id, 1)
    assert check_in(legacy, None, summit=summit).delegate.id == d.id
    reissue_badge(fresh(d), None)
    with pytest.raises(BadgeRevoked):
        check_in(legacy, None, summit=summit, at=datetime(2024, 9, 26, 9, tzinfo=summit.zone))


def test_a_reissued_badge_revokes_the_old_code_with_the_time(summit):
    desk = staff_user()
    d = make_delegate(summit)
    old = checkin_code(d)
    assert reissue_badge(d, desk) == 2
    d = fresh(d)
    new = checkin_code(d)
    assert new != old and read_code(new).version == 2
    with pytest.raises(BadgeRevoked) as revoked:
        check_in(old, None, summit=summit)
    assert revoked.value.reissued_at == d.badge_reissued_at and revoked.value.delegate.id == d.id
    assert check_in(new, None, summit=summit).delegate.id == d.id
    assert outcomes(d) == ["badge_revoked", "checked_in"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "badge_reissued")).one()
    assert entry.user_id == desk.id and entry.changes == {"badge_version": [1, 2]}


def test_undo_lets_the_delegate_enter_again_and_is_audited(summit):
    supervisor = staff_user("supervisor@example.org", "organiser")
    d = make_delegate(summit)
    code = checkin_code(d)
    morning = datetime(2024, 9, 25, 9, tzinfo=summit.zone)
    admission = check_in(code, None, summit=summit, at=morning)
    with pytest.raises(ReasonRequired):
        undo_check_in(admission.entry.id, supervisor, "  ")
    with pytest.raises(ReasonRequired):
        undo_check_in(admission.entry.id, supervisor, "x" * 501)
    undo_check_in(admission.entry.id, supervisor, "scanned the wrong badge")
    assert fresh(d).checked_in_at is None
    scan = db.session.get(Scan, admission.scan.id)
    assert scan.undone_by_id == supervisor.id and scan.undo_reason == "scanned the wrong badge"
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "checkin_undone")).one()
    assert audit.user_id == supervisor.id and audit.changes["reason"] == "scanned the wrong badge"
    later = morning + timedelta(hours=1)
    assert check_in(code, None, summit=summit, at=later).checked_in_at == later
    assert fresh(d).checked_in_at == later


def test_undoing_a_later_venue_day_keeps_the_first_entry_as_checked_in_at(summit):
    d = make_delegate(summit)
    code = checkin_code(d)
    day1 = datetime(2024, 9, 25, 9, tzinfo=summit.zone)
    check_in(code, None, summit=summit, at=day1)
    second = check_in(code, None, summit=summit, at=day1 + timedelta(days=1))
    undo_check_in(second.entry.id, None, "double scan")
    assert fresh(d).checked_in_at == day1


def test_the_board_counts_inside_and_expected(summit):
    a = make_delegate(summit, category="government", route="R1")
    make_delegate(summit, "B", "Enterprise", category="enterprise")
    make_delegate(summit, "C", "Pending", accreditation="pending")
    day = datetime(2024, 9, 25, 9, tzinfo=summit.zone)
    check_in(checkin_code(a), None, summit=summit, at=day)
    check_in(checkin_code(a), None, zone="ministerial", summit=summit, at=day)
    with pytest.raises(UnknownCode):
        check_in("forged", None, summit=summit, at=day)
    board = {count.zone.code: (count.inside, count.expected) for count in history.zone_board(summit, day.date())}
    assert board["venue"] == (1, 2) and board["ministerial"] == (1, 1) and board["visit-R1"] == (0, 1)
    assert [s.outcome for s in history.alerts(summit)] == ["unknown_code"]
    assert [s.outcome for s in history.recent_scans(summit)] == ["unknown_code", "checked_in", "checked_in"]


def test_rule_summary_reads_in_both_languages(summit, app):
    from flask_babel import force_locale

    ministerial = zones.zone_by_code(summit, "ministerial")
    with app.test_request_context():
        with force_locale("en"):
            en = [str(line) for line in zones.rule_summary(ministerial)]
        with force_locale("zh"):
            zh = [str(line) for line in zones.rule_summary(ministerial)]
    assert en[0] == "Protocol level: vip" and en != zh
