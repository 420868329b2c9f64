"""Migrations keep what the database holds: down to an old revision and up again, nothing is lost.

SQLite changes a table by copying it and dropping the old one; with foreign keys on, the DROP
cascaded, and an upgrade once deleted every route booking (while the routes' seat counters stayed).
migrations/env.py turns foreign keys off around the migration and checks them afterwards.
"""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from support.app import make_app
from support.factories import register, route
from summit.models import Delegate, RouteBooking, VisitRoute
from summit.plumbing.extensions import db
from summit.services.summits.current import current_summit
from summit.services.summits.seeding import seed_summit

#: before links01_pending_manage_token, the first migration that copies the delegate table
OLD_REVISION = "accounts01_sessions"


def held(summit_id: int) -> tuple[int, int, int]:
    """(delegates, bookings, seats counted on the routes)."""
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(Delegate)),
            db.session.scalar(select(func.count()).select_from(RouteBooking)),
            db.session.scalar(select(func.sum(VisitRoute.confirmed)).where(VisitRoute.summit_id == summit_id)))


def test_down_to_an_old_revision_and_up_again_keeps_every_delegate_and_booking(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'upgraded.sqlite3'}")
    with app.app_context():
        upgrade()
        seed_summit()
        summit = current_summit()
        for i, code in enumerate(["R1", "R1", "R2", None]):
            register(summit, email=f"kept{i}@example.org", route_id=route(summit, code).id if code else None)
        before = held(summit.id)
        assert before == (4, 3, 3)
        db.session.remove()

        downgrade(revision=OLD_REVISION)
        upgrade()

        assert held(summit.id) == before
        # the app's pooled connection has its foreign keys back on
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_name_order_defaults_existing_delegates_by_the_rule_and_goes_down_cleanly(tmp_path):
    """names01_name_order: delegates registered before it get the order a registration now gets."""
    app = make_app(f"sqlite:///{tmp_path / 'names.sqlite3'}")
    with app.app_context():
        upgrade()
        seed_summit()
        summit = current_summit()
        people = {
            "cn": register(summit, email="cn@example.org", given_name="Wei", family_name="Zhang", country="CN"),
            "hu": register(summit, email="hu@example.org", given_name="Viktor", family_name="Kovacs", country="HU"),
            "script": register(summit, email="jp@example.org", given_name="Taro", family_name="Yamada",
                               native_name="山田太郎", country="US"),
            "gb": register(summit, email="gb@example.org", given_name="Ada", family_name="Lovelace", country="GB"),
        }
        ids = {key: result.delegate.id for key, result in people.items()}
        db.session.remove()

        downgrade(revision="accred01_accreditation")
        columns = [row[1] for row in db.session.execute(text("PRAGMA table_info(delegate)"))]
        assert "name_order" not in columns
        db.session.remove()
        upgrade()

        orders = dict(db.session.execute(text("SELECT id, name_order FROM delegate")).all())
        assert {key: orders[i] for key, i in ids.items()} == {
            "cn": "family_first", "hu": "family_first", "script": "family_first", "gb": "given_first"}
        # the CHECK holds on the column the migration added in place
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE delegate SET name_order = 'backwards' WHERE id = :id"), {"id": ids["gb"]})
            db.session.commit()
        db.session.rollback()
        assert held(summit.id)[0] == 4
        db.session.remove()
        db.engine.dispose()
