"""The one write-transaction helper (summit/database.writing) and the rules that insist on it."""
from __future__ import annotations

import pytest

from summit.plumbing.database import require_write_transaction, writing
from summit.plumbing.extensions import db
from summit.models import AuditEntry, Delegate
from summit.services.visits import capacity as places
from summit.services.registration import delegates as registration

from support.factories import register, route


def audit_entries() -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))


def test_writing_commits_what_its_block_wrote(app):
    with writing():
        db.session.add(AuditEntry(action="test.written", entity="test"))
    assert audit_entries() == 1


def test_writing_rolls_back_on_any_exception_and_raises_it_on(app):
    with pytest.raises(LookupError, match="on purpose"), writing():
        db.session.add(AuditEntry(action="test.written", entity="test"))
        db.session.flush()  # the row is in the database's transaction, not only in the session
        raise LookupError("on purpose")
    assert audit_entries() == 0
    with writing():  # and the session is ready for the next transaction
        db.session.add(AuditEntry(action="test.written", entity="test"))
    assert audit_entries() == 1


def test_writing_blocks_do_not_nest(app):
    with pytest.raises(RuntimeError, match="do not nest"), writing():
        db.session.add(AuditEntry(action="test.written", entity="test"))
        with writing():
            pass  # pragma: no cover
    assert audit_entries() == 0  # the outer block rolled back, rather than being committed half-way


def test_the_seat_and_lock_rules_refuse_to_run_outside_a_write_transaction(summit):
    r1 = route(summit, "R1")
    delegate = register(summit, route_id=route(summit, "R2").id).delegate
    calls = {
        "set_capacity": lambda: places.set_capacity(r1, 50),
        "lock_routes": lambda: places.lock_routes(summit.id, [r1.id]),
        "promote_waiting": lambda: places.promote_waiting(r1),
        "place_delegate": lambda: places.place_delegate(delegate, r1.id, join_waitlist=False),
        "book_new_delegate": lambda: places.book_new_delegate(delegate, r1.id, join_waitlist=False),
        "lock_delegate": lambda: registration.lock_delegate(delegate.id),
    }
    for name, call in calls.items():
        with pytest.raises(RuntimeError, match="writing"):
            call()
        db.session.rollback()
    # Nor after a commit half-way through the block: the locks went with that transaction.
    with writing():
        db.session.commit()
        with pytest.raises(RuntimeError, match="writing"):
            require_write_transaction()
    db.session.expire_all()
    assert db.session.get(Delegate, delegate.id).booking.route.code == "R2"
    with writing():
        assert places.set_capacity(r1, 50) == []
