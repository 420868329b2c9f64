"""Organisers' changes to the programme: create, edit, cancel, restore, delete.

Every change bumps the item's ``revision`` and ``updated_at`` (calendar apps
replace an event only when its SEQUENCE grows) and writes an audit entry in the
same transaction.  A cancelled item is kept and marked, so subscribed calendars
learn of the cancellation instead of silently losing the event.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...plumbing.extensions import db
from ...models import PROGRAMME_KINDS, ConsoleUser, ProgrammeItem, Summit, utcnow
from ..console import audit
from ..console.input import Problems, clean_text, clean_time
from ...plumbing.errors import Conflict, NotFound, ValidationFailed

#: field → (maximum length, required, multi-line)
TEXT_FIELDS = {
    "title_zh": (300, True, False),
    "title_en": (300, True, False),
    "venue_zh": (200, False, False),
    "venue_en": (200, False, False),
    "description_zh": (5000, False, True),
    "description_en": (5000, False, True),
}
EDITABLE = ("kind", *TEXT_FIELDS, "starts_at", "ends_at")
ENTITY = "programme_item"


def clean_item(data: dict) -> dict:
    """The item's values, or ValidationFailed naming each field that needs attention."""
    problems = Problems()
    values = {}
    if data.get("kind") not in PROGRAMME_KINDS:
        problems.add("kind", _l("Choose a kind."))
    else:
        values["kind"] = data["kind"]
    for name, (limit, required, multiline) in TEXT_FIELDS.items():
        text = clean_text(data, name, limit, problems, required=required, multiline=multiline)
        if text is not None:
            values[name] = text
    starts = clean_time(data, "starts_at", problems, required=True)
    ends = clean_time(data, "ends_at", problems, required=True)
    if starts and ends and ends <= starts:
        problems.add("ends_at", _l("The end must come after the start."))
    values.update(starts_at=starts, ends_at=ends)
    if problems:
        raise ValidationFailed(dict(problems), "some fields need attention")
    return values


def get_item(summit: Summit, item_id: int) -> ProgrammeItem:
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.summit_id != summit.id:
        raise NotFound("no such programme item")
    return item


def _touch(item: ProgrammeItem) -> None:
    item.revision += 1
    item.updated_at = utcnow()


def create_item(summit: Summit, data: dict, user: ConsoleUser | None) -> ProgrammeItem:
    values = clean_item(data)
    now = utcnow()
    item = ProgrammeItem(summit_id=summit.id, seed_key=None, revision=0, updated_at=now, **values)
    db.session.add(item)
    db.session.flush()
    audit.record(user, f"{ENTITY}.create", ENTITY, item.id, audit.diff({}, values))
    db.session.commit()
    return item


def update_item(item: ProgrammeItem, data: dict, user: ConsoleUser | None) -> ProgrammeItem:
    """Save the edit; nothing changed, nothing bumped."""
    values = clean_item(data)
    before = audit.snapshot(item, EDITABLE)
    changes = audit.diff(before, values)
    if changes:
        for name, value in values.items():
            setattr(item, name, value)
        _touch(item)
        audit.record(user, f"{ENTITY}.update", ENTITY, item.id, changes)
        db.session.commit()
    return item


def set_cancelled(item: ProgrammeItem, cancelled: bool, user: ConsoleUser | None) -> ProgrammeItem:
    if item.cancelled == cancelled:
        raise Conflict("already cancelled" if cancelled else "not cancelled",
                       code="already_cancelled" if cancelled else "not_cancelled")
    item.cancelled = cancelled
    _touch(item)
    audit.record(user, f"{ENTITY}.{'cancel' if cancelled else 'restore'}", ENTITY, item.id,
                 {"cancelled": [not cancelled, cancelled]})
    db.session.commit()
    return item


def delete_item(item: ProgrammeItem, user: ConsoleUser | None) -> None:
    """Remove the item for good (cancel it instead if delegates may have it in their calendars)."""
    gone = audit.snapshot(item, EDITABLE)
    audit.record(user, f"{ENTITY}.delete", ENTITY, item.id, audit.diff(gone, {name: None for name in gone}))
    db.session.delete(item)
    db.session.commit()


def _same_room(a_zh: str, a_en: str, b_zh: str, b_en: str) -> bool:
    return bool((a_en and a_en.casefold() == (b_en or "").casefold()) or (a_zh and a_zh == b_zh))


def overlapping(item: ProgrammeItem) -> list[ProgrammeItem]:
    """Other live items in the same room whose times cross this one's."""
    if item.cancelled or not (item.venue_en or item.venue_zh):
        return []
    candidates = db.session.scalars(db.select(ProgrammeItem).where(
        ProgrammeItem.summit_id == item.summit_id, ProgrammeItem.id != item.id,
        ProgrammeItem.cancelled.is_(False), ProgrammeItem.starts_at < item.ends_at,
        ProgrammeItem.ends_at > item.starts_at,
    ).order_by(ProgrammeItem.starts_at))
    # Rooms compared here, not in SQL: SQLite's lower() folds ASCII only.
    return [other for other in candidates
            if _same_room(item.venue_zh, item.venue_en, other.venue_zh, other.venue_en)]


def overlaps(items: list[ProgrammeItem]) -> dict[int, list[ProgrammeItem]]:
    """For each live item, the live items that share its room at the same time."""
    live = [i for i in items if not i.cancelled and (i.venue_en or i.venue_zh)]
    found: dict[int, list[ProgrammeItem]] = {}
    for index, a in enumerate(live):
        for b in live[index + 1:]:
            if a.starts_at < b.ends_at and b.starts_at < a.ends_at and \
                    _same_room(a.venue_zh, a.venue_en, b.venue_zh, b.venue_en):
                found.setdefault(a.id, []).append(b)
                found.setdefault(b.id, []).append(a)
    return found
