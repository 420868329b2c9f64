"""The audit trail: who changed what, and when.

Services call ``record`` inside the transaction that makes the change, so the
entry and the change land together or not at all.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_sqlalchemy.pagination import Pagination

from ...plumbing.data_key import encrypted_attribute_names
from ...plumbing.extensions import db
from ...models import AuditEntry, ConsoleUser


#: what the audit keeps of a sensitive field's value (EncryptedText: dietary, accessibility, passport):
#: that there was one, never the text, which the audit table would hold in clear
MASKED = "•••"


class Sensitive:
    """A snapshot's value of an encrypted field: compares by the real value (so a change is seen) and
    is written to the audit as MASKED, or "" when there was none."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other) -> bool:
        return isinstance(other, Sensitive) and self.value == other.value

    __hash__ = None


def jsonable(value):
    """A value as the JSON column can hold it (times as ISO 8601 in UTC)."""
    if isinstance(value, Sensitive):
        return MASKED if value.value else ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def snapshot(row, fields) -> dict:
    hidden = encrypted_attribute_names(type(row))
    return {name: Sensitive(getattr(row, name)) if name in hidden else getattr(row, name) for name in fields}


def diff(before: dict, after: dict) -> dict:
    """{"field": [old, new]} for each field whose value changed."""
    return {name: [jsonable(before.get(name)), jsonable(after.get(name))]
            for name in after if before.get(name) != after.get(name)}


def record(user: ConsoleUser | None, action: str, entity: str, entity_id: int | None,
           changes: dict | None = None) -> AuditEntry:
    """Add an entry to the current transaction (the caller commits)."""
    entry = AuditEntry(user_id=user.id if user is not None else None, action=action, entity=entity,
                       entity_id=entity_id, changes=jsonable(changes or {}))
    db.session.add(entry)
    return entry


ENTITIES = ("programme_item", "visit_route", "delegate", "api_token", "summit", "delegation", "message")


def entries(*, entity: str | None = None, entity_id: int | None = None, page: int = 1,
            per_page: int = 50) -> Pagination:
    """Newest first; optionally only one kind of thing, or one thing."""
    query = db.select(AuditEntry)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    return db.paginate(query.options(db.joinedload(AuditEntry.user))
                       .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
                       page=page, per_page=per_page, error_out=False)


def record_download(user: ConsoleUser | None, what: str, *, filters: dict | None = None,
                    count: int | None = None, delegate_id: int | None = None) -> AuditEntry:
    """A download of delegates' personal data (an export, badge PDFs, a roster, a data copy, a letter).

    ``what`` names the download (``export.csv``, ``badges.pdf``, ``data_copy``…); ``filters`` the query it
    answered; ``user`` None with ``delegate_id``: the delegate's own download.  Added to the current
    transaction: the caller commits (a read-only view commits just for it).
    """
    changes = {"filters": filters or {}}
    if count is not None:
        changes["count"] = count
    return record(user, "download", what, delegate_id, changes)
