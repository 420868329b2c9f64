"""Erasing a delegate's personal data, on their request or past the summit's retention.

The registration is cancelled through the ordinary cancel path (services/registration/delegates.cancel:
the place frees and the next in line is promoted by the waiting-list rule), and in the same transaction
every column marked ``info=PERSONAL`` (models/types.py) is blanked: on the delegate's row and on every
table that has a ``delegate_id``, so a column another capability adds joins the erasure by its marker.
What stays is what anonymous counts need: summit, status, category, country, protocol level, language,
banquet, route, check-ins (scans keep only the code's hash), and the calendar feed's version, so the
feed the delegate subscribed to goes on answering with their events cancelled (calendar/feeds.py) and
their calendar app removes them.

Besides the columns: mail not yet sent to them is dropped and the sent rows lose address and contents;
audit entries that quote their name or address are scrubbed; the audit log records that an erasure
happened, without whose.  After the commit, on SQLite, the WAL is checkpointed and truncated: with
``secure_delete`` (plumbing/database.py) the old values then survive neither in free pages nor in the WAL.
"""
from __future__ import annotations

import json

from sqlalchemy import Text, and_, cast, delete, or_, select, update

from ...models import AuditEntry, Delegate, OutboxMail, utcnow
from ...models.labels import DelegateStatus
from ...plumbing.database import checkpoint_wal, writing
from ...plumbing.extensions import db
from ...plumbing.errors import NotFound
from ...plumbing.secrets import new_token, token_hash
from ..console import audit
from ..registration import delegates as registration

#: why an erasure happened, as the audit log says it (never whose)
REASONS = ("request", "retention")
#: what an erased value in an audit entry reads
ERASED = "[erased]"
#: an ASCII value shorter than this is scrubbed only where it is the whole value ("Li" inside "Lisbon" stays)
_SUBSTRING_MIN = 3
#: the fields whose earlier values (in the diffs of the delegate's own entries) are sought in other entries
_IDENTIFYING = {"email", "family_name", "native_name", "phone"}


def personal_columns(table) -> list:
    """The columns of ``table`` marked as personal data."""
    return [column for column in table.columns if column.info.get("personal")]


def _erased_value(column):
    if "erased" in column.info:
        return column.info["erased"]
    return None if column.nullable else ""


def erased_email(delegate_id: int) -> str:
    """Lower case (the email_lower CHECK), one per row, and undeliverable (RFC 2606 reserves .invalid)."""
    return f"erased-{delegate_id}@invalid"


def erase_delegate(delegate: Delegate, *, reason: str, checkpoint: bool = True) -> bool:
    """Erase ``delegate``'s personal data; False if it already was (a double click, a second purge).

    ``checkpoint``: truncate SQLite's WAL afterwards (a purge does it once, after its last erasure).
    """
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {REASONS}")
    delegate_id = delegate.id
    erased = False
    if delegate.status == DelegateStatus.REGISTERED:
        def erase_in_cancel(locked: Delegate, _change) -> None:
            nonlocal erased
            _erase(locked, reason)
            erased = True
        try:
            registration.cancel(delegate, before_commit=erase_in_cancel)
        except NotFound:  # cancelled (or erased) in the meantime: erased below, or found erased
            pass
    if not erased:
        with writing():
            locked = db.session.scalars(
                update(Delegate).where(Delegate.id == delegate_id, Delegate.erased_at.is_(None))
                .values(updated_at=utcnow()).returning(Delegate),
                execution_options={"populate_existing": True, "synchronize_session": False},
            ).first()
            if locked is not None:
                _erase(locked, reason)
                erased = True
    if erased and checkpoint:
        checkpoint_wal()
    return erased


def _erase(delegate: Delegate, reason: str) -> None:
    """Inside the caller's transaction, with the delegate's row locked."""
    needles = _quoted_values(delegate)
    old_email = delegate.email
    for column in personal_columns(Delegate.__table__):
        setattr(delegate, column.key, _erased_value(column))
    delegate.email = erased_email(delegate.id)
    # A secret nobody holds: the manage link is dead (a second request with it is 401, or "erased" on the page).
    delegate.manage_token_hash = token_hash(new_token())
    # The delegation that sent them names their ministry or company; the delegation keeps its own count.
    delegate.delegation_id = None
    delegate.erased_at = delegate.updated_at = utcnow()
    db.session.flush()
    for table in db.Model.metadata.sorted_tables:
        if table is Delegate.__table__ or "delegate_id" not in table.c:
            continue
        columns = personal_columns(table)
        if columns:
            db.session.execute(update(table).where(table.c.delegate_id == delegate.id)
                               .values({column.name: _erased_value(column) for column in columns}))
    _erase_mail(delegate.id, old_email)
    _scrub_audit(delegate.id, needles)
    audit.record(None, "erasure", "delegate", None, {"reason": reason})


def _erase_mail(delegate_id: int, email: str) -> None:
    theirs = or_(OutboxMail.delegate_id == delegate_id, OutboxMail.to == email)
    # Not sent yet: never sent (a mail claimed this instant may still leave; its outcome is not recorded).
    db.session.execute(delete(OutboxMail).where(theirs, OutboxMail.status != "sent"),
                       execution_options={"synchronize_session": False})
    # Sent: the row stays as a count of the message's reach, with neither address nor contents.
    db.session.execute(update(OutboxMail).where(theirs).values(
        to=erased_email(delegate_id), cc=None, context={}, last_error=None),
        execution_options={"synchronize_session": False})


def _quoted_values(delegate: Delegate) -> tuple[list[str], list[str]]:
    """What other audit entries may quote of the delegate: (found inside any text, found as a whole value).

    Inside any text, what names them alone: the address, the names as lists and letters write them, the
    native name, the phone; as a whole value (a search's filter) the family name too.  Words others share
    ("Director", "Ministry of Transport", a given name) are erased only from the entries about them, so
    other people's history keeps its words.
    """
    inside = {delegate.email, delegate.display_name, delegate.full_name, delegate.native_name, delegate.phone}
    whole = inside | {delegate.family_name}
    def clean(values):
        return sorted((v.strip() for v in values if isinstance(v, str) and v.strip()), key=len, reverse=True)
    return [v for v in clean(inside) if len(v) >= _SUBSTRING_MIN or not v.isascii()], clean(whole)


def _scrub_audit(delegate_id: int, quoted: tuple[list[str], list[str]]) -> None:
    """Entries about the delegate lose their personal fields' values; any entry quoting them, the quote."""
    inside, whole = (list(values) for values in quoted)
    personal = {column.key for column in personal_columns(Delegate.__table__)}
    about_them = and_(AuditEntry.entity_id == delegate_id,
                      or_(AuditEntry.entity == "delegate", AuditEntry.action == "download"))
    # What they were called before a correction (the diffs of their own entries) is theirs too.
    for changes in db.session.scalars(select(AuditEntry.changes).where(about_them)):
        for key in _IDENTIFYING & set(changes or {}):
            for value in changes[key] if isinstance(changes[key], list) else [changes[key]]:
                if isinstance(value, str) and value.strip():
                    whole.append(value.strip())
                    if key != "family_name" and (len(value.strip()) >= _SUBSTRING_MIN or not value.isascii()):
                        inside.append(value.strip())
    # The JSON column holds json.dumps text (non-ASCII escaped): a whole value is found with its quotes.
    forms = {json.dumps(n)[1:-1] for n in inside} | {n for n in inside} | {json.dumps(n) for n in whole}
    text = cast(AuditEntry.changes, Text)
    condition = or_(about_them, *(text.contains(form, autoescape=True) for form in forms))
    inside_folded = [n.casefold() for n in inside]
    whole_folded = {n.casefold() for n in whole}
    for entry in db.session.scalars(select(AuditEntry).where(condition)):
        mine = entry.entity_id == delegate_id and (entry.entity == "delegate" or entry.action == "download")
        changes = {key: (_erased_like(value) if mine and key in personal
                         else _scrub(value, inside_folded, whole_folded))
                   for key, value in (entry.changes or {}).items()}
        if changes != entry.changes:
            entry.changes = changes


def _erased_like(value):
    """A diff's [old, new] pair keeps its shape."""
    if isinstance(value, list):
        return [ERASED for _ in value]
    return ERASED


def _scrub(value, inside: list[str], whole: set[str]):
    if isinstance(value, str):
        folded = value.casefold()
        if folded.strip() in whole or any(n in folded for n in inside):
            return ERASED
        return value
    if isinstance(value, list):
        return [_scrub(v, inside, whole) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, inside, whole) for k, v in value.items()}
    return value
