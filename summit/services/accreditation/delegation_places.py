"""A delegation's places: the rule that it never has more live members than places.

How it holds, as a route's seats do (services/visits/capacity.py):
* a place is taken with ONE conditional ``UPDATE delegation SET members_live = members_live + 1
  WHERE id = ? AND members_live < places`` inside the member's own write transaction (``writing()``),
  so the check and the write are one step, and the row's lock lasts to the commit;
* the database CHECKs ``members_live <= places`` (and ``>= 0``): even a bug here can only fail;
* a member's cancellation (services/registration/delegates.cancel, whoever asks for it) frees the place
  in the cancellation's transaction.

Lock order, everywhere: the delegate, then the delegation, then the routes; so a member added while
another is withdrawn never deadlocks. This module imports only models and plumbing, so the
registration service can call it without importing the delegations service.
"""
from __future__ import annotations

from sqlalchemy import update

from ...models import Delegation
from ...plumbing.database import require_write_transaction
from ...plumbing.extensions import db


def take_places(delegation_id: int, count: int = 1) -> bool:
    """Take ``count`` places if that many are free and the link is not revoked; False otherwise (nothing taken)."""
    require_write_transaction()
    taken = db.session.execute(
        update(Delegation)
        .where(Delegation.id == delegation_id, Delegation.revoked_at.is_(None),
               Delegation.members_live + count <= Delegation.places)
        .values(members_live=Delegation.members_live + count)
        .execution_options(synchronize_session=False))
    return taken.rowcount == 1


def free_place(delegation_id: int) -> None:
    """A member left (cancelled): their place is free again."""
    require_write_transaction()
    db.session.execute(
        update(Delegation).where(Delegation.id == delegation_id, Delegation.members_live > 0)
        .values(members_live=Delegation.members_live - 1)
        .execution_options(synchronize_session=False))
