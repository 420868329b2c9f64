"""The audit trail: who changed what, who downloaded whose data, and when.

Services call ``record`` inside the transaction that makes the change, so the
entry and the change land together or not at all.  ``record_download`` writes
one entry for each download of delegates' personal data (exports, manifests,
badge PDFs, the delegate list API, rosters, letters, data copies): action
``download``, the entity naming what was downloaded, and the changes holding
the filters and the count, never the personal data itself.  A download is
recorded before its body leaves: if the entry cannot be written, nothing is
served.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_sqlalchemy.pagination import Pagination

from ...plumbing.data_key import encrypted_attribute_names
from ...plumbing.extensions import db
from ...plumbing.database import in_writing_block, writing
from ...models import AuditEntry, ConsoleUser, utcnow


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
                       entity_id=entity_id, changes=jsonable(changes or {}), at=utcnow())
    db.session.add(entry)
    return entry


#: the action of every download entry; ``roster_download`` is what rosters wrote before downloads had one
DOWNLOAD = "download"
DOWNLOAD_ACTIONS = (DOWNLOAD, "roster_download")
#: who acted, when no account did
DELEGATE, SYSTEM = "delegate", "system"
#: actions the command line takes (no account, and nobody's own request): the retention purge
SYSTEM_ACTIONS = ("purge", "delegate.purge", "summit.purge")
#: what the audit can be narrowed to: downloads, or changes (everything else)
KINDS = ("downloads", "changes")


def _clean_filters(filters: dict | None) -> dict:
    """The filters as asked, without the empty ones (a search box left blank is no filter)."""
    return {str(k): v for k, v in (filters or {}).items() if v not in (None, "", [], (), {}, False)}


def record_download(user: ConsoleUser | None, what: str, *, filters: dict | None = None,
                    count: int | None = None, delegate_id: int | None = None) -> AuditEntry:
    """A download of delegates' personal data (an export, badge PDFs, a roster, a data copy, a letter).

    ``what`` names the download (``delegates.csv``, ``badges.pdf``, ``data_copy``…); ``filters`` the query it
    answered (only what a person asked: a search text ``q`` is kept, it is the organiser's own query);
    ``count`` how many delegates it held; ``delegate_id`` the one delegate it is about, if one.  ``user``
    None with ``delegate_id``: the delegate's own download.  No name, email or other personal field
    goes in: the entry says who downloaded and what was asked, the data stays where it is.

    Inside a ``writing()`` block the entry joins that transaction; outside one it is committed now, in
    its own, keeping the caller's loaded rows as they are (a read-only view need not commit anything).
    Call it before the body leaves: an entry that cannot be written stops the download.
    """
    changes: dict = {"filters": _clean_filters(filters)}
    if count is not None:
        changes["count"] = count
    if in_writing_block():
        return record(user, DOWNLOAD, what, delegate_id, changes)
    # Neither commit (SQLite's writing() first ends the view's read transaction) expires what the view
    # has loaded: it changed nothing, and reloading every delegate of a page one by one would cost more
    # than the page.
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        with writing():
            entry = record(user, DOWNLOAD, what, delegate_id, changes)
    finally:
        session.expire_on_commit = expiring
    return entry


def is_download(entry: AuditEntry) -> bool:
    return entry.action in DOWNLOAD_ACTIONS


def actor(entry: AuditEntry) -> str:
    """The account's email; "delegate" for a delegate's own doing; "system" for the command line."""
    user = entry.user if entry.user is not None or entry.user_id is None \
        else db.session.get(ConsoleUser, entry.user_id)  # an entry not yet flushed has no user loaded
    if user is not None:
        return user.email
    if entry.action in SYSTEM_ACTIONS:
        return SYSTEM
    if is_download(entry):
        return DELEGATE if download_delegate_id(entry) is not None else SYSTEM
    return DELEGATE if entry.entity == "delegate" else SYSTEM


def value_text(value) -> str:
    if isinstance(value, (list, tuple)):
        shown = ",".join(str(v) for v in value[:20])
        return shown + (f",… ({len(value)})" if len(value) > 20 else "")
    if value is True:
        return "yes"
    return str(value)


def filters_text(filters: dict) -> str:
    """``category=media; q=王`` (sorted, so one query always reads the same)."""
    return "; ".join(f"{name}={value_text(filters[name])}" for name in sorted(filters))


def download_filters(entry: AuditEntry) -> dict:
    changes = entry.changes or {}
    if entry.action == "roster_download":  # the older shape: {"zone", "entries"}
        return {"zone": changes.get("zone")}
    return dict(changes.get("filters") or {})


def download_count(entry: AuditEntry) -> int | None:
    changes = entry.changes or {}
    return changes.get("entries") if entry.action == "roster_download" else changes.get("count")


def download_delegate_id(entry: AuditEntry) -> int | None:
    """The one delegate a download is about (a roster's older entries named the zone there)."""
    return entry.entity_id if entry.action == DOWNLOAD else None


def download_what(entry: AuditEntry) -> str:
    return "roster" if entry.action == "roster_download" else entry.entity


def detail(entry: AuditEntry) -> str:
    """One readable line: ``delegates.csv · category=media; q=王 · 1 delegate`` or, for a change,
    ``delegate #12: email, phone`` (the fields changed; their values stay on the console's page)."""
    if is_download(entry):
        parts = [download_what(entry)]
        if download_delegate_id(entry) is not None:
            parts.append(f"delegate #{download_delegate_id(entry)}")
        shown = filters_text(download_filters(entry))
        if shown:
            parts.append(shown)
        count = download_count(entry)
        if count is not None:
            parts.append(f"{count} delegate" if count == 1 else f"{count} delegates")
        return " · ".join(parts)
    target = entry.entity if entry.entity_id is None else f"{entry.entity} #{entry.entity_id}"
    fields = ", ".join(sorted((entry.changes or {}).keys()))
    return f"{target}: {fields}" if fields else target


@dataclass(frozen=True)
class Provenance:
    """What a downloaded file says about itself: who downloaded it, when, what was asked, how many."""

    by: str
    at: datetime
    filters: dict
    count: int | None

    def at_text(self, zone) -> str:
        """2024-09-25 09:00 +08:00 in the summit's zone (as the exports write times)."""
        text = self.at.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")
        return f"{text[:-2]}:{text[-2:]}"

    def line(self, zone) -> str:
        """One line, for a CSV's last row or a PDF's Subject; English, like the columns' names."""
        parts = [f"Downloaded by {self.by} at {self.at_text(zone)}"]
        parts.append(f"filter: {filters_text(self.filters)}" if self.filters else "filter: none")
        if self.count is not None:
            parts.append(f"{self.count} delegate" if self.count == 1 else f"{self.count} delegates")
        return " · ".join(parts)


def provenance(entry: AuditEntry) -> Provenance:
    return Provenance(by=actor(entry), at=entry.at, filters=download_filters(entry), count=download_count(entry))


ENTITIES = ("programme_item", "visit_route", "delegate", "api_token", "summit", "delegation", "message")


def entries(*, entity: str | None = None, entity_id: int | None = None, kind: str | None = None,
            action: str | None = None, page: int = 1, per_page: int = 50) -> Pagination:
    """Newest first; optionally only one kind of thing, or one thing; only downloads or only changes;
    only one action."""
    query = db.select(AuditEntry)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if kind == "downloads":
        query = query.where(AuditEntry.action.in_(DOWNLOAD_ACTIONS))
    elif kind == "changes":
        query = query.where(AuditEntry.action.not_in(DOWNLOAD_ACTIONS))
    if action:
        query = query.where(AuditEntry.action == action)
    return db.paginate(query.options(db.joinedload(AuditEntry.user))
                       .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
                       page=page, per_page=per_page, error_out=False)
