"""`flask seed`: the GSTF 2024 definition against the concept note; idempotence; no clobbering."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from summit.plumbing.extensions import db
from summit.models import ProgrammeItem, Summit, VisitRoute
from summit.services.summits.seeding import default_definition_path, seed_summit

NOTE = (Path(__file__).parent.parent / "data" / "concept-note-gstf-2024.zh.txt").read_text()
FLAT_NOTE = re.sub(r"\s+", "", NOTE)


def concept_note_schedule() -> dict[str, list[str]]:
    """Section 二(三): the programme lines of each day, as the note writes them."""
    section = NOTE.split("（三）日程安排。")[1].split("（四）")[0]
    day1, day2 = section.split("9月25日（星期三）")[1].split("9月26日（星期四）")
    lines = lambda block: [line.strip() for line in block.splitlines() if line.strip()]
    return {"2024-09-25": lines(day1), "2024-09-26": lines(day2)}


def concept_note_routes() -> dict[str, tuple[list[str], str]]:
    """Section 二(五): 线路N包括A、B；  →  {"R1": (["A", "B"], note)}."""
    routes = {}
    for number, body in re.findall(r"线路(\d)包括(.+?)[；。]", NOTE):
        note = ""
        if match := re.search(r"（(.+?)）$", body):
            note, body = match.group(1), body[: match.start()]
        routes[f"R{number}"] = (body.split("、"), note)
    return routes


def as_title(line: str) -> str:
    # "部长论坛（全球治理——…）" is shown as "部长论坛：全球治理——…"
    return re.sub(r"^(.+?)（(.+)）$", r"\1：\2", line)


def test_programme_matches_the_concept_note_day_by_day_in_order(summit):
    schedule = concept_note_schedule()
    assert sum(len(v) for v in schedule.values()) == 8
    zone = summit.zone
    seeded: dict[str, list[ProgrammeItem]] = {}
    for item in summit.items:
        seeded.setdefault(item.starts_at.astimezone(zone).date().isoformat(), []).append(item)
    assert list(seeded) == list(schedule)
    for day, lines in schedule.items():
        items = sorted(seeded[day], key=lambda i: i.starts_at)
        assert [i.title_zh for i in items] == [as_title(line) for line in lines]


def test_kinds_and_thematic_descriptions_come_from_the_note(summit):
    kinds = [i.kind for i in sorted(summit.items, key=lambda i: i.starts_at)]
    assert kinds == ["opening", "ministerial", "thematic", "thematic", "banquet", "thematic", "thematic", "visit"]
    described = [i for i in summit.items if i.kind in ("ministerial", "thematic")]
    assert len(described) == 5
    for item in described:
        # The full title and the full description, verbatim (the note breaks lines mid-word).
        assert re.sub(r"\s+", "", item.title_zh.replace("：", "")) in FLAT_NOTE.replace("：", "")
        assert len(item.description_zh) > 80
        assert item.description_zh in FLAT_NOTE
        assert item.description_en and item.title_en


def test_theme_dates_zone_and_hosts(summit):
    assert summit.theme_zh == "可持续交通：物流联通世界"
    assert "“可持续交通：物流联通世界”" in NOTE
    assert (summit.starts_on.isoformat(), summit.ends_on.isoformat()) == ("2024-09-25", "2024-09-26")
    assert summit.timezone == "Asia/Shanghai"
    assert summit.host_zh in FLAT_NOTE and summit.name_zh == "全球可持续交通高峰论坛（2024）"
    first = min(summit.items, key=lambda i: i.starts_at)
    assert first.starts_at.astimezone(summit.zone).isoformat() == "2024-09-25T09:00:00+08:00"
    assert first.starts_at.utcoffset() == timedelta(0)  # stored as UTC


def test_routes_have_exactly_the_stops_of_the_note(summit):
    expected = concept_note_routes()
    assert sorted(expected) == ["R1", "R2", "R3", "R4"]
    routes = {r.code: r for r in summit.routes}
    assert sorted(routes) == sorted(expected)
    for code, (stops, note) in expected.items():
        assert [s["zh"] for s in routes[code].stops] == stops
        assert all(s["en"] for s in routes[code].stops)
        assert routes[code].note_zh == note
    assert routes["R4"].note_zh == "视情微调" and routes["R4"].note_en == "Subject to adjustment"
    assert all(r.capacity > 0 and r.confirmed == 0 for r in routes.values())


def test_seed_is_idempotent(app, summit):
    counts = lambda: (db.session.query(ProgrammeItem).count(), db.session.query(VisitRoute).count(),
                      db.session.query(Summit).count())
    before = counts()
    report = seed_summit()
    assert (report.created, report.updated) == ([], [])
    assert counts() == before == (8, 4, 1)


def test_seed_keeps_an_organisers_edits_and_deletions(app, summit, tmp_path):
    opening = next(i for i in summit.items if i.seed_key == "opening")
    opening.starts_at = opening.starts_at + timedelta(minutes=30)
    opening.ends_at = opening.ends_at + timedelta(minutes=30)
    route = next(r for r in summit.routes if r.code == "R1")
    route.capacity = 55
    banquet = next(i for i in summit.items if i.seed_key == "banquet")
    db.session.delete(banquet)
    db.session.commit()

    # The definition file changes too: untouched rows follow it, edited rows do not.
    text = default_definition_path().read_text()
    text = text.replace('venue_en = "Banquet Hall"', 'venue_en = "Grand Hall"')
    text = text.replace("论坛期间拟组织技术参观", "论坛期间将组织技术参观")
    text = text.replace("capacity = 40", "capacity = 45")
    changed = tmp_path / "gstf.toml"
    changed.write_text(text)
    report = seed_summit(changed)

    db.session.expire_all()
    assert "item:opening" in report.kept_edited and "route:R1" in report.kept_edited
    assert "item:banquet" in report.kept_deleted
    assert db.session.get(ProgrammeItem, opening.id).starts_at.astimezone(summit.zone).strftime("%H:%M") == "09:30"
    assert db.session.get(VisitRoute, route.id).capacity == 55
    assert db.session.query(ProgrammeItem).filter_by(seed_key="banquet").count() == 0
    visit = db.session.query(ProgrammeItem).filter_by(seed_key="visit").one()
    assert visit.description_zh.startswith("论坛期间将组织技术参观") and visit.revision == 1
    assert db.session.query(VisitRoute).filter_by(code="R2").one().capacity == 45

    # And a later run keeps every decision.
    again = seed_summit(changed)
    assert again.updated == [] and again.created == []


def test_seed_path_loads_next_years_forum_which_becomes_current(app, summit, tmp_path):
    text = default_definition_path().read_text().replace('slug = "gstf-2024"', 'slug = "gstf-2025"')
    text = text.replace("2024-09-2", "2025-09-2").replace("全球可持续交通高峰论坛（2024）", "全球可持续交通高峰论坛（2025）")
    path = tmp_path / "gstf-2025.toml"
    path.write_text(text)
    result = app.test_cli_runner().invoke(args=["seed", str(path)])
    assert result.exit_code == 0, result.output
    # the summit, its programme items and four routes (13), and its seven event-day zones
    assert "gstf-2025: 37 created" in result.output
    assert db.session.query(Summit).count() == 2
    page = app.test_client().get("/?lang=zh").get_data(as_text=True)
    assert "全球可持续交通高峰论坛（2025）" in page


def test_seed_command_refuses_a_broken_file_with_a_message(app, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('[summit]\nslug = "x"\n[[items]]\nkey = "a"\nstarts_at = 2024-09-25T09:00:00\n')
    result = app.test_cli_runner().invoke(args=["seed", str(broken)])
    assert result.exit_code != 0
    assert "lacks kind" in result.output and "needs an offset" in result.output
    assert db.session.query(Summit).count() == 0


def test_seed_command_default_is_gstf_2024(app):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("gstf-2024: 37 created")  # 13, the seven zones, the letters, 4 hotels, 12 nights
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.output.startswith("gstf-2024: 0 created, 0 updated")


def test_a_refreshed_item_gets_a_new_revision_and_last_modified(app, summit, tmp_path):
    visit = db.session.query(ProgrammeItem).filter_by(seed_key="visit").one()
    before = visit.updated_at
    changed = tmp_path / "gstf.toml"
    changed.write_text(default_definition_path().read_text().replace("论坛期间拟组织技术参观", "论坛期间将组织技术参观"))
    seed_summit(changed)
    db.session.expire_all()
    visit = db.session.query(ProgrammeItem).filter_by(seed_key="visit").one()
    assert visit.revision == 1 and visit.updated_at > before


def test_seed_never_lowers_a_route_below_the_places_it_has_given(app, summit, tmp_path):
    from support.factories import register, route

    r1 = route(summit, "R1")
    for _ in range(3):
        register(summit, route_id=r1.id)
    smaller = tmp_path / "gstf.toml"
    smaller.write_text(default_definition_path().read_text().replace("capacity = 40", "capacity = 2"))
    result = app.test_cli_runner().invoke(args=["seed", str(smaller)])
    assert result.exit_code == 0, result.output
    assert "route:R1 has more confirmed places" in result.output
    db.session.expire_all()
    assert route(summit, "R1").capacity == 40 and route(summit, "R1").confirmed == 3
    assert route(summit, "R2").capacity == 2  # untouched routes still follow the file


def test_a_seed_waits_for_another_writer_instead_of_failing_locked(app, database_url):
    """Seeding reads, then writes what it read. On SQLite a read transaction whose snapshot is
    overtaken by another writer's commit cannot become a writer ("database is locked", whatever
    the busy timeout): the seed must be a writer from its first statement, and so queue."""
    import sqlite3
    import threading
    import time

    import pytest

    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's snapshot upgrade rule; PostgreSQL locks rows instead")
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, timeout=60,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock: a badge job, a live server
    other.execute("CREATE TABLE IF NOT EXISTS writer_was_here (x)")
    released = threading.Timer(1.0, lambda: (other.execute("INSERT INTO writer_was_here VALUES (1)"),
                                             other.execute("COMMIT")))
    released.start()
    started = time.monotonic()
    try:
        report = seed_summit()
    finally:
        released.join()
        other.execute("DROP TABLE IF EXISTS writer_was_here")
        other.close()
    assert "summit" in report.created
    assert time.monotonic() - started >= 0.9  # it waited for the other writer, then wrote
    assert db.session.scalars(db.select(Summit)).one().slug == report.summit
