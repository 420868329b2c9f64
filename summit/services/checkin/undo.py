"""A supervisor undoes a check-in made in error: the entry goes (the delegate may enter again), the scan
that made it is marked undone, and the audit trail says who did it and why."""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from ...models import VENUE, ConsoleUser, Delegate, Scan, Summit, Zone, ZoneEntry, utcnow
from ...models.zones import UNDO_REASON_MAX
from ...plumbing.database import writing
from ...plumbing.errors import NotFound, ValidationFailed
from ...plumbing.extensions import db
from ..console import audit


class ReasonRequired(ValidationFailed):
    code = "reason_required"

    def __init__(self, message: str):
        super().__init__({"reason": [message]}, message)


class UnknownEntry(NotFound):
    code = "unknown_entry"


def _clean_reason(reason) -> str:
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ReasonRequired("a reason is required to undo a check-in")
    if len(reason) > UNDO_REASON_MAX:
        raise ReasonRequired(f"the reason is at most {UNDO_REASON_MAX} characters")
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 or 0x202A <= ord(c) <= 0x202E
           or 0x2066 <= ord(c) <= 0x2069 for c in reason):
        raise ReasonRequired("the reason may not hold control characters")
    return reason


def undo_check_in(entry_id: int, by_user: ConsoleUser | None, reason: str, *, summit: Summit | None = None) -> None:
    """Delete the entry so the delegate can enter again; mark its scan undone; recompute the venue check-in."""
    reason = _clean_reason(reason)
    with writing():
        entry = db.session.get(ZoneEntry, entry_id, populate_existing=True)
        zone = db.session.get(Zone, entry.zone_id) if entry is not None else None
        if entry is None or (summit is not None and zone.summit_id != summit.id):
            raise UnknownEntry("no such check-in")
        delegate_id, day, at = entry.delegate_id, entry.day, entry.checked_in_at
        now = utcnow()
        if entry.first_scan_id is not None:
            db.session.execute(update(Scan).where(Scan.id == entry.first_scan_id)
                               .values(undone_at=now, undone_by_id=by_user.id if by_user else None,
                                       undo_reason=reason).execution_options(synchronize_session=False))
        db.session.delete(entry)
        db.session.flush()
        if zone.code == VENUE:
            first = db.session.execute(
                db.select(ZoneEntry.checked_in_at, ZoneEntry.checked_in_by_id)
                .where(ZoneEntry.delegate_id == delegate_id, ZoneEntry.zone_id == zone.id)
                .order_by(ZoneEntry.checked_in_at).limit(1)).first()
            values = {"checked_in_at": first[0], "checked_in_by_id": first[1]} if first else \
                {"checked_in_at": None, "checked_in_by_id": None}
            db.session.execute(update(Delegate).where(Delegate.id == delegate_id).values(**values)
                               .execution_options(synchronize_session=False))
            delegate = db.session.identity_map.get(db.session.identity_key(Delegate, delegate_id))
            if delegate is not None:
                for name, value in values.items():
                    set_committed_value(delegate, name, value)
        audit.record(by_user, "checkin_undone", "delegate", delegate_id,
                     {"zone": zone.code, "day": day, "checked_in_at": at, "reason": reason, "entry_id": entry_id})


__all__ = ["ReasonRequired", "UnknownEntry", "undo_check_in"]
