"""Retention: a summit keeps its delegates' personal data ``retention_days`` after it ends, then
``flask purge`` erases it (through erasure.erase_delegate, the same erasure as a delegate's request)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from ...models import Delegate, Summit
from ...plumbing.database import checkpoint_wal
from ...plumbing.extensions import db
from .erasure import erase_delegate


@dataclass(frozen=True)
class PurgeCount:
    summit: str
    #: delegates erased (or, on a dry run, to be erased)
    delegates: int


def retention_ends(summit: Summit) -> date:
    """The last day the summit keeps personal data: its end plus ``retention_days`` (its own calendar)."""
    return summit.ends_on + timedelta(days=summit.retention_days)


def summits_past_retention(now: datetime | None = None) -> list[Summit]:
    now = now or datetime.now(timezone.utc)
    summits = db.session.scalars(select(Summit).order_by(Summit.slug)).all()
    return [summit for summit in summits if now.astimezone(summit.zone).date() > retention_ends(summit)]


def purge(*, dry_run: bool = False, now: datetime | None = None) -> list[PurgeCount]:
    """Erase every not yet erased delegate of each summit past retention; per summit, how many.

    One transaction per delegate (as on a request), so a purge interrupted half-way keeps what it did and
    the next run does the rest; a run after a complete one erases nothing.  ``dry_run``: counts only.
    """
    counts = []
    for summit in summits_past_retention(now):
        unerased = (Delegate.summit_id == summit.id, Delegate.erased_at.is_(None))
        if dry_run:
            counts.append(PurgeCount(summit.slug, db.session.scalar(select(func.count()).where(*unerased))))
            continue
        ids = db.session.scalars(select(Delegate.id).where(*unerased).order_by(Delegate.id)).all()
        erased = 0
        for delegate_id in ids:
            delegate = db.session.get(Delegate, delegate_id)
            if delegate is not None and erase_delegate(delegate, reason="retention", checkpoint=False):
                erased += 1
        counts.append(PurgeCount(summit.slug, erased))
    if not dry_run:
        checkpoint_wal()
    db.session.rollback()  # the reads' transaction; every erasure committed its own
    return counts
