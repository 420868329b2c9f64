"""The capacity rule, for any kind of counted place: a row with a count taken and a capacity.

Route seats (visits/capacity.py) and hotel room-nights (travel/hotels.py) both hold this way:

* the rows a change touches are locked first, in id order, inside ``writing()`` (``SELECT … FOR UPDATE``
  on PostgreSQL; on SQLite BEGIN IMMEDIATE already holds the single write lock), so "is there room?" and
  the write that takes it are one step and one lock order holds everywhere (no deadlocks);
* a place is taken by a conditional UPDATE (``taken + n <= capacity``) and the database CHECKs
  ``taken <= capacity``: even a bug in a caller cannot overbook, it can only fail.

A ``Counter`` names the table and its columns; the statements are built from them, so the second kind of
capacity is one line (``Counter(HotelNight, "booked", "rooms")``), not a copy of the mechanism.
Nothing here commits: the caller's transaction holds the places and the rows that use them together.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from ...plumbing.database import require_write_transaction
from ...plumbing.extensions import db


@dataclass(frozen=True)
class Counter:
    """A table of counted places: ``taken`` of ``capacity`` per row, rows grouped by ``scope`` (the summit)."""

    model: type
    taken: str
    capacity: str
    scope: str = "summit_id"

    def _col(self, name):
        return getattr(self.model, name)

    def lock(self, scope_id: int, ids) -> dict:
        """The rows of this scope with these ids, locked against concurrent changes, in id order."""
        require_write_transaction()
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        return self._locked(self.model.id.in_(wanted), self._col(self.scope) == scope_id)

    def lock_scope(self, scope_id: int, *where) -> dict:
        """Every row of the scope (optionally narrowed), locked in id order."""
        require_write_transaction()
        return self._locked(self._col(self.scope) == scope_id, *where)

    def _locked(self, *where) -> dict:
        query = (select(self.model).where(*where)
                 .order_by(self.model.id)  # one lock order everywhere
                 .execution_options(populate_existing=True)
                 .with_for_update())
        return {row.id: row for row in db.session.scalars(query).all()}

    def take_locked(self, row, n: int = 1) -> bool:
        """``n`` places on a row already locked, if they are free (the row is refreshed either way).

        A row read under its lock that is full is known full without asking again: in a flash crowd most
        requests meet a full row, and this spares each one a statement.
        """
        if getattr(row, self.taken) + n > getattr(row, self.capacity):
            return False
        taken = db.session.execute(
            update(self.model).where(self.model.id == row.id, self._col(self.taken) + n <= self._col(self.capacity))
            .values({self.taken: self._col(self.taken) + n}).returning(self._col(self.taken))
            .execution_options(synchronize_session=False)).scalar_one_or_none()
        if taken is None:
            return False
        set_committed_value(row, self.taken, taken)
        return True

    def take_by_id(self, scope_id: int, row_id: int):
        """One place by id: find, lock and count in one round-trip; the row, or None if full or unknown.

        The UPDATE's row lock is held to the commit, exactly as ``lock``'s would be.
        """
        require_write_transaction()
        return db.session.scalars(
            update(self.model)
            .where(self.model.id == row_id, self._col(self.scope) == scope_id,
                   self._col(self.taken) < self._col(self.capacity))
            .values({self.taken: self._col(self.taken) + 1})
            .returning(self.model),
            execution_options={"populate_existing": True},
        ).first()

    def free(self, row, n: int = 1) -> None:
        """Give ``n`` places back on a locked row."""
        taken = db.session.execute(
            update(self.model).where(self.model.id == row.id)
            .values({self.taken: self._col(self.taken) - n}).returning(self._col(self.taken))
            .execution_options(synchronize_session=False)).scalar_one()
        set_committed_value(row, self.taken, taken)
