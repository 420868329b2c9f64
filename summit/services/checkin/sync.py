"""Scans an offline door scanner queued, sent when the network returns (POST /api/v1/checkins/sync).

- Idempotent by the scan's UUID: a scan sent again answers its first result and changes nothing.
- Each scan is validated on its own; a malformed one (``invalid_scan``, not stored) or one whose time is
  out of range (``invalid_scanned_at``, stored) never spoils the others.
- Within one upload the scans are applied in ``scanned_at`` order, so of two that admit one badge in one
  zone and day the earliest is ``checked_in`` and the others ``already_checked_in``.
- Across uploads the first to arrive is ``checked_in`` (its result is final), and the entry's time moves to
  the earliest admitting ``scanned_at``.  A scan of another device that the entry was not made by is a
  conflict: marked on the scan and on the entry, for the supervisor's board.

The once-per-zone-and-day rule is the same conditional INSERT as the online check-in (arrivals.take_entry).
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from ...models import VENUE, ConsoleUser, Delegate, RouteBooking, Scan, Summit, Zone, ZoneEntry, utcnow
from ...models.labels import ScanOutcome
from ...plumbing.database import writing
from ...plumbing.extensions import db
from . import arrivals
from .codes import BadgeCode, code_sha256, read_code
from .zones import zones_of

#: the most scans one upload may carry (the API answers 413 beyond)
MAX_SCANS = 5000
#: how far ahead of the server's clock a device's clock may be
CLOCK_SKEW = timedelta(minutes=10)
#: a "code" longer than this is not a scan of a badge at all
MAX_SCAN_CODE = 10_000
INVALID_SCAN = "invalid_scan"
#: the outcomes that count as the device having let the delegate in
_ADMITTING = (ScanOutcome.CHECKED_IN, ScanOutcome.ALREADY_CHECKED_IN)


class TooManyScans(Exception):
    code = "too_many_scans"


class ScanResult(NamedTuple):
    id: object
    outcome: str
    checked_in_at: datetime | None
    #: why an ``invalid_scan`` was refused
    error: str | None = None


class _Valid(NamedTuple):
    index: int
    uuid: str
    code: str
    zone: Zone
    scanned_at: datetime


def _parse_uuid(value) -> str | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return str(uuidlib.UUID(value))
    except ValueError:
        return None


def _parse_moment(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None and moment.utcoffset() is not None else None


def _validate(index: int, scan, zones: dict[str, Zone]) -> _Valid | ScanResult:
    raw_id = scan.get("id") if isinstance(scan, dict) else None
    echo = raw_id if isinstance(raw_id, (str, int, float, type(None))) and not isinstance(raw_id, bool) else None
    if not isinstance(scan, dict):
        return ScanResult(echo, INVALID_SCAN, None, "a scan is an object {id, code, zone, scanned_at}")
    scan_id = _parse_uuid(raw_id)
    if scan_id is None:
        return ScanResult(echo, INVALID_SCAN, None, "id must be a UUID")
    code = scan.get("code")
    if not isinstance(code, str):
        return ScanResult(raw_id, INVALID_SCAN, None, "code must be a string")
    if len(code) > MAX_SCAN_CODE:
        return ScanResult(raw_id, INVALID_SCAN, None, f"code is longer than {MAX_SCAN_CODE} characters")
    zone = zones.get(scan.get("zone")) if isinstance(scan.get("zone"), str) else None
    if zone is None:
        return ScanResult(raw_id, INVALID_SCAN, None, "zone is not a zone of this summit")
    scanned_at = _parse_moment(scan.get("scanned_at"))
    if scanned_at is None:
        return ScanResult(raw_id, INVALID_SCAN, None, "scanned_at must be ISO 8601 with an offset")
    return _Valid(index, scan_id, code.strip(), zone, scanned_at)


def sync_scans(summit: Summit, scans: list, by_user: ConsoleUser | None, device: str = "") -> list[ScanResult]:
    """One result per scan, in order (see the module's docstring for the rules)."""
    if len(scans) > MAX_SCANS:
        raise TooManyScans(f"at most {MAX_SCANS} scans a call")
    for attempt in range(3):
        try:
            return _sync_once(summit, scans, by_user, (device or "")[:100])
        except (IntegrityError, DBAPIError):
            # Another upload carried the same scan id at the same moment (UNIQUE(uuid)), or two uploads
            # crossed on PostgreSQL (a deadlock): done again, the scans already stored answer as replays.
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _sync_once(summit: Summit, scans: list, by_user: ConsoleUser | None, device: str) -> list[ScanResult]:
    """A few statements for the whole upload, whatever its size: the scans' verdicts in Python, then one
    conditional INSERT of the entries, one SELECT of those that existed, one INSERT of the scans, and
    the few UPDATEs the results call for."""
    results: list[ScanResult | None] = [None] * len(scans)
    by_id = by_user.id if by_user is not None else None
    with writing(keep_state=True):
        zones = {zone.code: zone for zone in zones_of(summit)}
        valid: list[_Valid] = []
        for index, scan in enumerate(scans):
            checked = _validate(index, scan, zones)
            if isinstance(checked, ScanResult):
                results[index] = checked
            else:
                valid.append(checked)
        stored = _stored(v.uuid for v in valid)
        now = utcnow()
        earliest = datetime.combine(summit.starts_on, time(0), tzinfo=summit.zone)
        reads = {v.uuid: read_code(v.code) for v in valid}
        delegates = _delegates({r.delegate_id for r in reads.values() if r is not None})

        # 1. Each new scan's verdict, earliest first (stable for equal times).
        plans: list[tuple[_Valid, str, Delegate | None, tuple | None]] = []
        replays: dict[str, ScanResult] = {}
        duplicates: list[_Valid] = []
        planned: set[str] = set()
        for v in sorted(valid, key=lambda v: v.scanned_at):
            if v.uuid in stored:
                old = stored[v.uuid]
                replays[v.uuid] = ScanResult(None, old.outcome, old.result_checked_in_at)
                duplicates.append(v)
                continue
            if v.uuid in planned:
                duplicates.append(v)
                continue
            planned.add(v.uuid)
            read = reads[v.uuid]
            delegate = delegates.get(read.delegate_id) if read is not None else None
            if v.scanned_at > now + CLOCK_SKEW or v.scanned_at < earliest:
                mine = delegate if delegate is not None and delegate.summit_id == summit.id else None
                plans.append((v, ScanOutcome.INVALID_SCANNED_AT, mine, None))
                continue
            day = arrivals.local_day(summit, v.scanned_at)
            verdict = arrivals.judge(summit, v.zone, read, delegate, day)
            key = (delegate.id, v.zone.id, day) if verdict.outcome == ScanOutcome.CHECKED_IN else None
            plans.append((v, verdict.outcome, verdict.delegate, key))

        # 2. The entries: the earliest admitting scan of each (delegate, zone, day) asks for it.
        firsts: dict[tuple, _Valid] = {}
        for v, _, _, key in plans:
            if key is not None:
                firsts.setdefault(key, v)
        made = arrivals.take_entries([
            {"delegate_id": key[0], "zone_id": key[1], "day": key[2], "checked_in_at": v.scanned_at,
             "checked_in_by_id": by_id} for key, v in firsts.items()])
        existing = _entries([key for key in firsts if key not in made])
        entry_at = {key: firsts[key].scanned_at for key in made}
        entry_at.update({key: row[1] for key, row in existing.items()})

        # 3. The outcomes, and the scans as rows.
        rows, outcomes = [], {}
        moved: dict[tuple, datetime] = {}
        conflicted: set[tuple] = set()
        for v, outcome, delegate, key in plans:
            row = {"uuid": v.uuid, "summit_id": summit.id, "zone_id": v.zone.id, "code_sha256": code_sha256(v.code),
                   "scanned_at": v.scanned_at, "received_at": now, "device": device, "by_user_id": by_id,
                   "conflict": False, "delegate_id": delegate.id if delegate is not None else None,
                   "outcome": outcome, "result_checked_in_at": None}
            if key is not None:
                if key in made and firsts[key] is v:
                    row["result_checked_in_at"] = v.scanned_at
                elif key in made:  # made by an earlier scan of this upload: this device saw it itself
                    row["outcome"] = ScanOutcome.ALREADY_CHECKED_IN
                    row["result_checked_in_at"] = entry_at[key]
                else:  # the entry came first: another upload, or online
                    _, first_at, first_device, first_by, first_received = existing[key]
                    row["outcome"] = ScanOutcome.ALREADY_CHECKED_IN
                    if v.scanned_at < entry_at[key]:
                        entry_at[key] = moved[key] = v.scanned_at
                    row["result_checked_in_at"] = entry_at[key]
                    if (first_device, first_by) != (device, by_id) or first_received is None:
                        row["conflict"] = True
                        conflicted.add(key)
            rows.append(row)
            outcomes[v.uuid] = ScanResult(None, row["outcome"], row["result_checked_in_at"])
        scan_ids = _insert_scans(rows)

        # 4. What the results say of the entries and the venue's check-in time.
        connection = db.session.connection()
        entry_table = ZoneEntry.__table__
        if made:
            connection.execute(
                entry_table.update().where(entry_table.c.id == bindparam("entry"))
                .values(first_scan_id=bindparam("scan")),
                [{"entry": made[key], "scan": scan_ids[firsts[key].uuid]} for key in made])
        if moved:
            connection.execute(
                entry_table.update().where(entry_table.c.id == bindparam("entry"),
                                           entry_table.c.checked_in_at > bindparam("at"))
                .values(checked_in_at=bindparam("at")),
                [{"entry": existing[key][0], "at": at} for key, at in moved.items()])
        if conflicted:
            connection.execute(entry_table.update().where(entry_table.c.id.in_([existing[k][0] for k in conflicted]))
                               .values(conflict=True))
        venue = {z.id for z in zones.values() if z.code == VENUE}
        firsts_at_venue = [(key[0], entry_at[key]) for key in list(made) + list(moved) if key[1] in venue]
        if firsts_at_venue:
            delegate_table = Delegate.__table__
            connection.execute(
                delegate_table.update().where(delegate_table.c.id == bindparam("delegate"),
                                              or_(delegate_table.c.checked_in_at.is_(None),
                                                  delegate_table.c.checked_in_at > bindparam("at")))
                .values(checked_in_at=bindparam("at"), checked_in_by_id=bindparam("by")),
                [{"delegate": d, "at": at, "by": by_id} for d, at in firsts_at_venue])
    for v in valid:
        result = outcomes.get(v.uuid) or replays[v.uuid]
        results[v.index] = result._replace(id=scans[v.index]["id"])
    return results


def _entries(keys: list[tuple]) -> dict[tuple, tuple]:
    """The existing entries of these (delegate, zone, day) keys, with their first scan's device, user, time."""
    found = {}
    wanted = set(keys)
    delegate_ids = sorted({key[0] for key in keys})
    for start in range(0, len(delegate_ids), 500):
        for row in db.session.execute(
                select(ZoneEntry.delegate_id, ZoneEntry.zone_id, ZoneEntry.day, ZoneEntry.id,
                       ZoneEntry.checked_in_at, Scan.device, Scan.by_user_id, Scan.received_at)
                .outerjoin(Scan, Scan.id == ZoneEntry.first_scan_id)
                .where(ZoneEntry.delegate_id.in_(delegate_ids[start:start + 500]))):
            key = (row[0], row[1], row[2])
            if key in wanted:
                found[key] = tuple(row[3:])
    return found


def _insert_scans(rows: list[dict]) -> dict[str, int]:
    """The scans in one INSERT (batched by the driver): {uuid: id}."""
    if not rows:
        return {}
    table = Scan.__table__
    ids = {}
    for start in range(0, len(rows), 1000):
        for scan_id, scan_uuid in db.session.connection().execute(
                table.insert().returning(table.c.id, table.c.uuid, sort_by_parameter_order=True),
                rows[start:start + 1000]):
            ids[scan_uuid] = scan_id
    return ids


def _stored(uuids) -> dict[str, Scan]:
    uuids = list(dict.fromkeys(uuids))
    found = {}
    for start in range(0, len(uuids), 500):
        for scan in db.session.scalars(select(Scan).where(Scan.uuid.in_(uuids[start:start + 500]))):
            found[scan.uuid] = scan
    return found


def _delegates(ids: set[int]) -> dict[int, Delegate]:
    ids = sorted(ids)
    found = {}
    for start in range(0, len(ids), 500):
        for delegate in db.session.scalars(
                select(Delegate).where(Delegate.id.in_(ids[start:start + 500]))
                .options(db.selectinload(Delegate.booking).joinedload(RouteBooking.route))
                .execution_options(populate_existing=True)):
            found[delegate.id] = delegate
    return found
