"""Checking a delegate in at a door: once per zone and summit day, whatever the number of scanners.

The first scan wins through one conditional INSERT of the zone_entry row (INSERT … ON CONFLICT DO
NOTHING on the UNIQUE(delegate_id, zone_id, day) constraint, both dialects): the database decides,
so two scanners reading the same badge at the same moment cannot both check it in (no
read-then-write race), on SQLite and PostgreSQL alike.  Every scan, whatever it comes to, is written
to the scan history in the same transaction as the entry it makes (or does not make).

``delegate.checked_in_at`` keeps its contract meaning: the first entry at the venue.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import insert, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ...models import VENUE, ConsoleUser, Delegate, Scan, Summit, Zone, ZoneEntry, utcnow
from ...models.labels import Accreditation, DelegateStatus, ScanOutcome
from ...plumbing.database import writing
from ...plumbing.errors import Conflict, NotFound, ServiceError
from ...plumbing.extensions import db
from ..accreditation.gates import NotAccredited
from ..summits.current import current_summit
from .codes import BadgeCode, code_sha256, read_code
from .zones import UnknownZone, admits, zone_by_code

__all__ = ["Admission", "AlreadyCheckedIn", "BadgeRevoked", "NotAccredited", "NotAdmitted", "UnknownCode",
           "UnknownZone", "check_in", "local_day"]


class UnknownCode(NotFound):
    code = "unknown_code"


class AlreadyCheckedIn(Conflict):
    """Carries the first check-in of that zone and day: ``checked_in_at`` (aware) and who did it."""

    code = "already_checked_in"

    def __init__(self, delegate: Delegate, checked_in_at: datetime | None = None,
                 checked_in_by: ConsoleUser | None = None, zone: Zone | None = None):
        super().__init__("this badge was already checked in")
        self.delegate = delegate
        self.zone = zone
        self.checked_in_at: datetime = checked_in_at or delegate.checked_in_at
        self.checked_in_by = checked_in_by


class BadgeRevoked(Conflict):
    """An older version of the delegate's badge: it was reissued at ``reissued_at`` (the door's amber)."""

    code = "badge_revoked"

    def __init__(self, delegate: Delegate, reissued_at: datetime | None):
        super().__init__("this badge was replaced by a new one")
        self.delegate = delegate
        self.reissued_at = reissued_at


class NotAdmitted(ServiceError):
    """The zone's rule does not let this delegate in (today)."""

    code = "not_admitted"
    status = 403

    def __init__(self, delegate: Delegate, zone: Zone):
        super().__init__("this zone does not admit this delegate")
        self.delegate = delegate
        self.zone = zone


class Admission(NamedTuple):
    delegate: Delegate
    zone: Zone
    entry: ZoneEntry
    checked_in_at: datetime
    scan: Scan


def local_day(summit: Summit, moment: datetime) -> date:
    """The summit's local date of a moment: the day a once-per-day entry counts for."""
    return moment.astimezone(summit.zone).date()


class Verdict(NamedTuple):
    """What a scan comes to before anything is written: its outcome and the delegate it names (if any)."""

    outcome: str
    delegate: Delegate | None


def judge(summit: Summit, zone: Zone, read: BadgeCode | None, delegate: Delegate | None, day: date) -> Verdict:
    """The rules of the door, in order, on a code already read and its delegate already loaded."""
    if read is None or delegate is None:
        return Verdict(ScanOutcome.UNKNOWN_CODE, None)
    if (read.summit_id is not None and read.summit_id != summit.id) or delegate.summit_id != summit.id:
        return Verdict(ScanOutcome.UNKNOWN_CODE, None)
    if delegate.status != DelegateStatus.REGISTERED or read.version > (delegate.badge_version or 1):
        return Verdict(ScanOutcome.UNKNOWN_CODE, delegate)
    if read.version < (delegate.badge_version or 1):
        return Verdict(ScanOutcome.BADGE_REVOKED, delegate)
    if delegate.accreditation != Accreditation.APPROVED:
        return Verdict(ScanOutcome.NOT_ACCREDITED, delegate)
    if not admits(zone, delegate, day):
        return Verdict(ScanOutcome.NOT_ADMITTED, delegate)
    return Verdict(ScanOutcome.CHECKED_IN, delegate)


def _insert_ignoring_duplicates(values: dict):
    # On the table, not the mapped class: the statement is the same, without the ORM's bulk-insert
    # layer (a good part of a scan's CPU on the door's hottest path).
    dialect = db.session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ZoneEntry.__table__
    return (make(table).values(**values)
            .on_conflict_do_nothing(index_elements=["delegate_id", "zone_id", "day"])
            .returning(table.c.id))


def _take_entry_row(delegate_id: int, zone_id: int, day: date, at: datetime, by_id: int | None,
                    scan_id: int) -> ZoneEntry | None:
    """take_entry, answering with the entry itself (None if it existed)."""
    entry_id = take_entry(delegate_id, zone_id, day, at, by_id, first_scan_id=scan_id)
    if entry_id is None:
        return None
    entry = ZoneEntry(id=entry_id, delegate_id=delegate_id, zone_id=zone_id, day=day, checked_in_at=at,
                      checked_in_by_id=by_id, first_scan_id=scan_id, conflict=False)
    return entry  # as inserted (not added to the session: nothing is written again)


def take_entry(delegate_id: int, zone_id: int, day: date, at: datetime, by_id: int | None,
               first_scan_id: int | None = None) -> int | None:
    """The zone_entry for (delegate, zone, day), made now if there was none: its id, or None if one existed.

    One statement, decided by the unique constraint: of any number of scanners at once exactly one gets an id.
    """
    return db.session.execute(_insert_ignoring_duplicates(
        {"delegate_id": delegate_id, "zone_id": zone_id, "day": day, "checked_in_at": at,
         "checked_in_by_id": by_id, "first_scan_id": first_scan_id, "conflict": False})).scalar()


def take_entries(rows: list[dict]) -> dict[tuple, int]:
    """Many entries at once (the sync), each row {delegate_id, zone_id, day, checked_in_at, checked_in_by_id}:
    {(delegate_id, zone_id, day): id} for those made now; a row whose entry existed is left out. One
    conditional INSERT per 500 rows, decided by the unique constraint like take_entry."""
    made = {}
    for start in range(0, len(rows), 500):
        chunk = [{**row, "conflict": False} for row in rows[start:start + 500]]
        dialect = db.session.get_bind().dialect.name
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (make(ZoneEntry).values(chunk)
                     .on_conflict_do_nothing(index_elements=["delegate_id", "zone_id", "day"])
                     .returning(ZoneEntry.delegate_id, ZoneEntry.zone_id, ZoneEntry.day, ZoneEntry.id))
        for delegate_id, zone_id, day, entry_id in db.session.execute(statement):
            made[(delegate_id, zone_id, day)] = entry_id
    return made


def record_venue_entry(delegate_id: int, at: datetime, by_id: int | None) -> None:
    """delegate.checked_in_at: the first venue entry (moved earlier if an earlier one comes in)."""
    table = Delegate.__table__  # Core, as above: the caller sets what it holds itself
    db.session.execute(
        update(table).where(table.c.id == delegate_id,
                            or_(table.c.checked_in_at.is_(None), table.c.checked_in_at > at))
        .values(checked_in_at=at, checked_in_by_id=by_id))


def add_scan(values: dict) -> int:
    table = Scan.__table__
    return db.session.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()


def _hash_of(code) -> str:
    return code_sha256(code.strip() if isinstance(code, str) else "")


def check_in(code, by_user: ConsoleUser | None, *, zone: str = VENUE, device: str = "",
             summit: Summit | None = None, at: datetime | None = None) -> Admission:
    """Check in the delegate the code names at ``zone`` (a code of the summit's zones); the Admission.

    Raises UnknownZone before anything is written; otherwise writes one scan row whatever comes, and raises
    UnknownCode (forged, altered, malformed, another summit's, a cancelled delegate's), BadgeRevoked (an
    older badge version), NotAccredited (pending or rejected), NotAdmitted (the zone's rule, or its days), or
    AlreadyCheckedIn (the zone's entry of that day exists: its first time and who made it).
    """
    summit = summit or current_summit()
    zone_row = zone_by_code(summit, zone)
    read = read_code(code)  # the length is bounded before parsing: nothing unguarded reaches the database
    at = at or utcnow()
    day = local_day(summit, at)
    by_id = by_user.id if by_user is not None else None
    # A fresh writer transaction: on SQLite a read transaction begun earlier in
    # the request could not be upgraded once another scanner has written.
    with writing(keep_state=True):
        delegate = None
        if read is not None:
            # the booking with it (the visit zones' rule and the answer's route read it): one query inside
            # the transaction instead of a lazy load after the commit, which on PostgreSQL costs a BEGIN,
            # a SELECT and the request's closing ROLLBACK on the door's hottest path
            delegate = db.session.get(Delegate, read.delegate_id, populate_existing=True,
                                      options=[joinedload(Delegate.booking)])
        verdict = judge(summit, zone_row, read, delegate, day)
        outcome, entry = verdict.outcome, None
        # The scan first (it is kept whatever comes), then the entry naming it: on the hot path one
        # INSERT each and, at the venue, one UPDATE, all answered by RETURNING (no read-back).
        values = {
            "uuid": str(uuidlib.uuid4()), "summit_id": summit.id, "zone_id": zone_row.id,
            "delegate_id": verdict.delegate.id if verdict.delegate is not None else None,
            "code_sha256": _hash_of(code), "outcome": outcome, "scanned_at": at, "received_at": at,
            "device": (device or "")[:100], "by_user_id": by_id,
            "result_checked_in_at": at if outcome == ScanOutcome.CHECKED_IN else None, "conflict": False}
        # Core INSERT … RETURNING id; the Scan the caller gets is built from what was written
        scan = Scan(id=add_scan(values), **values)
        if outcome == ScanOutcome.CHECKED_IN:
            entry = _take_entry_row(delegate.id, zone_row.id, day, at, by_id, scan.id)
            if entry is not None:
                entry.zone, entry.delegate = zone_row, delegate
            if entry is None:
                outcome = ScanOutcome.ALREADY_CHECKED_IN
                entry = db.session.scalars(db.select(ZoneEntry).where(
                    ZoneEntry.delegate_id == delegate.id, ZoneEntry.zone_id == zone_row.id, ZoneEntry.day == day)
                    .execution_options(populate_existing=True)).one()
                db.session.execute(update(Scan).where(Scan.id == scan.id)
                                   .values(outcome=outcome, result_checked_in_at=entry.checked_in_at)
                                   .execution_options(synchronize_session=False))
                set_committed_value(scan, "outcome", outcome)
                set_committed_value(scan, "result_checked_in_at", entry.checked_in_at)
            elif zone_row.code == VENUE:
                record_venue_entry(delegate.id, at, by_id)
                if delegate.checked_in_at is None or delegate.checked_in_at > at:
                    # what the UPDATE above wrote, without a second UPDATE from the unit of work
                    set_committed_value(delegate, "checked_in_at", at)
                    set_committed_value(delegate, "checked_in_by_id", by_id)
    if outcome == ScanOutcome.CHECKED_IN:
        return Admission(delegate, zone_row, entry, entry.checked_in_at, scan)
    if outcome == ScanOutcome.ALREADY_CHECKED_IN:
        by = db.session.get(ConsoleUser, entry.checked_in_by_id) if entry.checked_in_by_id else None
        raise AlreadyCheckedIn(delegate, entry.checked_in_at, by, zone_row)
    if outcome == ScanOutcome.BADGE_REVOKED:
        raise BadgeRevoked(delegate, delegate.badge_reissued_at)
    if outcome == ScanOutcome.NOT_ACCREDITED:
        raise NotAccredited([delegate])
    if outcome == ScanOutcome.NOT_ADMITTED:
        raise NotAdmitted(delegate, zone_row)
    raise UnknownCode("this code is not a delegate's badge")
