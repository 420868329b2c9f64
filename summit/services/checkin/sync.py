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

from sqlalchemy import select, update
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
        seen: dict[str, ScanResult] = {}
        # Earliest first (stable for equal times): within an upload the earliest admitting scan wins.
        for v in sorted(valid, key=lambda v: v.scanned_at):
            if v.uuid in seen:
                results[v.index] = seen[v.uuid]._replace(id=scans[v.index]["id"])
                continue
            if v.uuid in stored:
                old = stored[v.uuid]
                result = ScanResult(scans[v.index]["id"], old.outcome, old.result_checked_in_at)
            else:
                result = _apply(summit, v, reads[v.uuid], delegates, device, by_id, now, earliest)
                result = result._replace(id=scans[v.index]["id"])
            seen[v.uuid] = result
            results[v.index] = result
    return results


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


def _apply(summit: Summit, v: _Valid, read: BadgeCode | None, delegates: dict[int, Delegate], device: str,
           by_id: int | None, now: datetime, earliest: datetime) -> ScanResult:
    delegate = delegates.get(read.delegate_id) if read is not None else None
    row = {"uuid": v.uuid, "summit_id": summit.id, "zone_id": v.zone.id, "code_sha256": code_sha256(v.code),
           "scanned_at": v.scanned_at, "received_at": now, "device": device, "by_user_id": by_id,
           "conflict": False, "delegate_id": None, "result_checked_in_at": None}
    if v.scanned_at > now + CLOCK_SKEW or v.scanned_at < earliest:
        verdict_delegate = delegate if delegate is not None and delegate.summit_id == summit.id else None
        arrivals.add_scan({**row, "outcome": ScanOutcome.INVALID_SCANNED_AT,
                           "delegate_id": verdict_delegate.id if verdict_delegate else None})
        return ScanResult(None, ScanOutcome.INVALID_SCANNED_AT, None)
    day = arrivals.local_day(summit, v.scanned_at)
    verdict = arrivals.judge(summit, v.zone, read, delegate, day)
    row["delegate_id"] = verdict.delegate.id if verdict.delegate is not None else None
    if verdict.outcome != ScanOutcome.CHECKED_IN:
        arrivals.add_scan({**row, "outcome": verdict.outcome})
        return ScanResult(None, verdict.outcome, None)
    entry_id = arrivals.take_entry(delegate.id, v.zone.id, day, v.scanned_at, by_id)
    if entry_id is not None:
        scan_id = arrivals.add_scan({**row, "outcome": ScanOutcome.CHECKED_IN,
                                     "result_checked_in_at": v.scanned_at})
        db.session.execute(update(ZoneEntry).where(ZoneEntry.id == entry_id).values(first_scan_id=scan_id)
                           .execution_options(synchronize_session=False))
        if v.zone.code == VENUE:
            arrivals.record_venue_entry(delegate.id, v.scanned_at, by_id)
        return ScanResult(None, ScanOutcome.CHECKED_IN, v.scanned_at)
    # The entry exists: made earlier in this upload, by another upload, or online.
    entry = db.session.execute(
        select(ZoneEntry.id, ZoneEntry.checked_in_at, Scan.device, Scan.by_user_id, Scan.received_at)
        .outerjoin(Scan, Scan.id == ZoneEntry.first_scan_id)
        .where(ZoneEntry.delegate_id == delegate.id, ZoneEntry.zone_id == v.zone.id, ZoneEntry.day == day)).one()
    entry_id, entry_at, first_device, first_by, first_received = entry
    conflict = (first_device, first_by) != (device, by_id) or first_received is None
    checked_in_at = entry_at
    if v.scanned_at < entry_at:
        # The earliest admitting scan is the recorded time, whoever arrived first.
        checked_in_at = v.scanned_at
        db.session.execute(update(ZoneEntry).where(ZoneEntry.id == entry_id, ZoneEntry.checked_in_at > v.scanned_at)
                           .values(checked_in_at=v.scanned_at).execution_options(synchronize_session=False))
        if v.zone.code == VENUE:
            arrivals.record_venue_entry(delegate.id, v.scanned_at, by_id)
    if conflict:
        db.session.execute(update(ZoneEntry).where(ZoneEntry.id == entry_id).values(conflict=True)
                           .execution_options(synchronize_session=False))
    arrivals.add_scan({**row, "outcome": ScanOutcome.ALREADY_CHECKED_IN, "conflict": conflict,
                       "result_checked_in_at": checked_in_at})
    return ScanResult(None, ScanOutcome.ALREADY_CHECKED_IN, checked_in_at)
