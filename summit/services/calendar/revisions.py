"""SEQUENCE and LAST-MODIFIED per event, Last-Modified per feed: numbers that never go back.

The rows an event is made of give its natural revision (an item's ``revision``, a route's plus one once
the place is confirmed) and time (their ``updated_at``).  Those can move backwards as the app sees it: a
route left and joined again is a new booking (SEQUENCE 2 → 1), a deleted session takes its time stamp out
of the feed (Last-Modified 06:26:28 → 06:25:59), and a calendar app that polls then keeps what it has.

So what was published is remembered (models/calendar_revision.py): an event's UID with a hash of what it
said, a feed's key with the hash of its body.  When the hash changes, the number and the time move past
the ones published before, whatever the rows say; while it does not, they stay, so the bytes and the ETag
stay too and a poll still gets its 304.

Reading costs one SELECT per feed and one for its events; a write happens only when something changed, in
a short transaction of its own (a compare-and-set, so two polls at once never move a number back).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ...models import CalendarEventRevision, CalendarFeedRevision
from ...plumbing.database import writing
from ...plumbing.extensions import db

#: HTTP dates count whole seconds: a new Last-Modified must be in a later second than the old one
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Published:
    sequence: int
    modified_at: datetime


@dataclass(frozen=True)
class EventState:
    """An event as its rows make it now."""

    uid: str
    #: what the event says, apart from SEQUENCE and the time stamps (see fingerprint())
    fingerprint: str
    sequence: int
    modified_at: datetime
    delegate_id: int | None = None


def fingerprint(*parts) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def _next_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0) + _SECOND


def published_events(states: list[EventState]) -> dict[str, Published]:
    """The SEQUENCE and LAST-MODIFIED to publish for each event, recording any change."""
    if not states:
        return {}
    stored = {row.uid: row for row in db.session.scalars(
        select(CalendarEventRevision).where(CalendarEventRevision.uid.in_([state.uid for state in states])))}
    result: dict[str, Published] = {}
    changed: list[EventState] = []
    for state in states:
        row = stored.get(state.uid)
        if row is not None and row.fingerprint == state.fingerprint:
            result[state.uid] = Published(max(row.sequence, state.sequence), max(row.modified_at, state.modified_at))
        else:
            changed.append(state)
    if changed:
        result.update(_record_events(changed))
    return result


def _record_events(states: list[EventState]) -> dict[str, Published]:
    result = {}
    with writing():
        for state in states:
            # Under the write transaction (SQLite's lock; PostgreSQL's row lock below): read again, then write.
            row = db.session.scalars(select(CalendarEventRevision).where(CalendarEventRevision.uid == state.uid)
                                     .with_for_update()).first()
            if row is None:
                row = CalendarEventRevision(uid=state.uid, delegate_id=state.delegate_id,
                                            fingerprint=state.fingerprint, sequence=state.sequence,
                                            modified_at=state.modified_at)
                try:
                    # Added inside the savepoint: added before it, the row would be flushed by begin_nested()
                    # itself, outside the savepoint, and a duplicate would roll back the whole transaction.
                    with db.session.begin_nested():
                        db.session.add(row)
                except IntegrityError:  # another poll inserted it first (PostgreSQL): take theirs
                    row = db.session.scalars(select(CalendarEventRevision)
                                             .where(CalendarEventRevision.uid == state.uid).with_for_update()).one()
                else:
                    result[state.uid] = Published(row.sequence, row.modified_at)
                    continue
            if row.fingerprint != state.fingerprint:
                row.fingerprint = state.fingerprint
                row.sequence = max(state.sequence, row.sequence + 1)
                # An event's SEQUENCE is what apps compare; its time need only never go back.
                row.modified_at = max(state.modified_at, row.modified_at)
                if state.delegate_id is not None:
                    row.delegate_id = state.delegate_id
            result[state.uid] = Published(max(row.sequence, state.sequence), max(row.modified_at, state.modified_at))
    return result


def delegate_event_revisions(delegate_id: int) -> list[CalendarEventRevision]:
    """The delegate's own events (their routes) that their feed ever published."""
    return list(db.session.scalars(select(CalendarEventRevision)
                                   .where(CalendarEventRevision.delegate_id == delegate_id)
                                   .order_by(CalendarEventRevision.uid)))


def event_revisions(uids: list[str]) -> dict[str, Published]:
    """What was published for these UIDs, without recording anything."""
    if not uids:
        return {}
    return {row.uid: Published(row.sequence, row.modified_at) for row in db.session.scalars(
        select(CalendarEventRevision).where(CalendarEventRevision.uid.in_(uids)))}


def feed_modified(key: str, body: bytes, natural: datetime) -> datetime:
    """The feed's Last-Modified: ``natural`` (its rows' newest change) the first time, then it moves to
    a later second each time the body changes, so a deletion never makes the feed look older."""
    body_hash = hashlib.sha256(body).hexdigest()
    row = db.session.get(CalendarFeedRevision, key)
    if row is not None and row.body_hash == body_hash:
        return row.modified_at
    with writing():
        row = db.session.scalars(select(CalendarFeedRevision).where(CalendarFeedRevision.key == key)
                                 .with_for_update()).first()
        if row is None:
            row = CalendarFeedRevision(key=key, body_hash=body_hash, modified_at=natural)
            try:
                with db.session.begin_nested():  # the row added inside it, as in _record_events
                    db.session.add(row)
                return natural
            except IntegrityError:  # another poll inserted it first (PostgreSQL): take theirs
                row = db.session.scalars(select(CalendarFeedRevision).where(CalendarFeedRevision.key == key)
                                         .with_for_update()).one()
        if row.body_hash != body_hash:
            modified = max(natural, _next_second(row.modified_at))
            db.session.execute(update(CalendarFeedRevision).where(CalendarFeedRevision.key == key)
                               .values(body_hash=body_hash, modified_at=modified))
            return modified
        return row.modified_at
