"""Retention (issue 17, item 5): retention_days from the summit file, and `flask purge [--dry-run]`."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from summit.models import AuditEntry, Delegate, Summit
from summit.plumbing.extensions import db
from summit.services.privacy.retention import purge, retention_ends
from summit.services.summits.seeding import default_definition_path, seed_summit

from support.factories import register


def _second_summit(tmp_path, *, ends_on: date | None = None) -> Summit:
    """Next year's forum (not over yet): its delegates must survive this year's purge."""
    text = default_definition_path().read_text().replace('slug = "gstf-2024"', 'slug = "gstf-2099"')
    text = text.replace("2024-09-2", "2099-09-2")
    path = tmp_path / "gstf-2099.toml"
    path.write_text(text)
    seed_summit(path)
    return db.session.scalars(select(Summit).where(Summit.slug == "gstf-2099")).one()


def _purge(app, *args):
    result = app.test_cli_runner().invoke(args=["purge", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _unerased(summit) -> int:
    return db.session.scalar(select(func.count()).where(Delegate.summit_id == summit.id,
                                                        Delegate.erased_at.is_(None)))


def test_the_file_sets_180_days_and_a_file_without_it_gets_the_default(app, summit, tmp_path):
    assert summit.retention_days == 180
    assert retention_ends(summit) == date(2024, 9, 26) + timedelta(days=180)
    text = default_definition_path().read_text()
    assert "retention_days = 180" in text
    short = tmp_path / "short.toml"
    short.write_text(text.replace("retention_days = 180", "retention_days = 30"))
    seed_summit(short)
    db.session.expire_all()
    assert db.session.get(Summit, summit.id).retention_days == 30
    # an organiser's value is kept by a later seed
    db.session.get(Summit, summit.id).retention_days = 400
    db.session.commit()
    seed_summit(short)
    db.session.expire_all()
    assert db.session.get(Summit, summit.id).retention_days == 400
    bare = tmp_path / "bare.toml"
    bare.write_text(text.replace("retention_days = 180", "").replace('slug = "gstf-2024"', 'slug = "bare"'))
    seed_summit(bare)
    assert db.session.scalars(select(Summit.retention_days).where(Summit.slug == "bare")).one() == 180


def test_a_bad_retention_value_is_refused_with_a_message(app, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text(default_definition_path().read_text().replace("retention_days = 180", 'retention_days = -1'))
    result = app.test_cli_runner().invoke(args=["seed", str(broken)])
    assert result.exit_code != 0 and "retention_days must be a whole number" in result.output


def test_purge_dry_run_counts_per_summit_then_purge_erases_and_a_second_run_nothing(app, summit, tmp_path):
    later = _second_summit(tmp_path)
    mine = [register(summit, family_name=f"Purgeable-{c}").delegate.id for c in "abc"]
    register(summit, family_name="Cancelled-before")  # cancelled, not erased: purged too
    cancelled = db.session.scalars(select(Delegate).where(Delegate.family_name == "Cancelled-before")).one()
    from summit.services.registration import delegates as registration
    registration.cancel(cancelled)
    register(later, family_name="Next-year")
    # GSTF 2024 ended on 26 September 2024: 180 days on, 2025-03-25 is its last day; our clock is later.
    assert _unerased(summit) == 4

    dry = _purge(app, "--dry-run")
    assert "gstf-2024: would erase 4 delegate(s)" in dry and "gstf-2099" not in dry
    assert "would erase 4 delegate(s) in total" in dry
    assert _unerased(summit) == 4 and db.session.scalar(
        select(func.count()).where(AuditEntry.action == "erasure")) == 0

    done = _purge(app)
    assert "gstf-2024: erased 4 delegate(s)" in done and "erased 4 delegate(s) in total" in done
    db.session.expire_all()
    assert _unerased(summit) == 0 and _unerased(later) == 1
    assert all(db.session.get(Delegate, i).family_name == "" for i in mine)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erasure")).all()
    assert [(e.entity_id, e.changes) for e in entries] == [(None, {"reason": "retention"})] * 4

    again = _purge(app)
    assert "gstf-2024: erased 0 delegate(s)" in again
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "erasure")) == 4
    assert "would erase 0" in _purge(app, "--dry-run")


def test_nothing_is_purged_before_the_last_day_of_retention_has_passed(app, summit):
    register(summit)
    last_day = retention_ends(summit)
    # the summit's own calendar: Beijing is UTC+8, so 16:00 UTC on the last day is already the next day there
    on_last_day = datetime(last_day.year, last_day.month, last_day.day, 15, 59, tzinfo=timezone.utc)
    assert purge(now=on_last_day)[0:] == []
    assert _unerased(summit) == 1
    next_day_in_beijing = on_last_day + timedelta(minutes=1)
    assert [(c.summit, c.delegates) for c in purge(now=next_day_in_beijing, dry_run=True)] == [("gstf-2024", 1)]
    assert _unerased(summit) == 1
    assert [(c.summit, c.delegates) for c in purge(now=next_day_in_beijing)] == [("gstf-2024", 1)]
    assert _unerased(summit) == 0
