"""Protocol levels (the order of precedence, from the summit file) and a delegate's level and title.

Only organisers set them (the faces check the role); the composite foreign key on delegate makes an
unknown level impossible in the database too, this module just says so first, as a 422.
"""
from __future__ import annotations

from ...models import ConsoleUser, Delegate, ProtocolLevel, Summit
from ...models.delegate import TITLE_MAX
from ...plumbing import text_input
from ...plumbing.database import writing
from ...plumbing.errors import ValidationFailed
from ...plumbing.extensions import db
from ..console import audit
from ..registration.names import clean_name_order
from .decisions import lock_any_delegate

PROTOCOL_FIELDS = ("protocol_level", "title", "name_order")


def levels(summit: Summit) -> list[ProtocolLevel]:
    """The summit's levels, highest precedence first."""
    return list(db.session.scalars(db.select(ProtocolLevel).where(ProtocolLevel.summit_id == summit.id)
                                   .order_by(ProtocolLevel.rank, ProtocolLevel.code)))


def level_codes(summit_id: int) -> set[str]:
    return set(db.session.scalars(db.select(ProtocolLevel.code).where(ProtocolLevel.summit_id == summit_id)))


def clean_title(value) -> tuple[str | None, object]:
    """An honorific under the text rules (NFC, trimmed, no control characters), or the reason not."""
    return text_input.clean(value, limit=TITLE_MAX, required=False, multiline=False)


def clean_protocol(summit_id: int, data: dict) -> dict:
    """The level and title an organiser sends, checked; ValidationFailed naming each wrong field."""
    values, errors = {}, {}
    if not any(name in data for name in PROTOCOL_FIELDS):
        raise ValidationFailed({"body": ["send protocol_level, title, name_order or several"]}, "nothing to change")
    if "protocol_level" in data:
        code = data["protocol_level"]
        if not isinstance(code, str) or code not in level_codes(summit_id):
            errors["protocol_level"] = [f"one of {', '.join(sorted(level_codes(summit_id)))}"]
        else:
            values["protocol_level"] = code
    if "title" in data:
        title, why = clean_title(data["title"])
        if why is not None:
            errors["title"] = [why]
        else:
            values["title"] = title
    if "name_order" in data:
        order, why = clean_name_order(data["name_order"])
        if why is not None:
            errors["name_order"] = [why]
        else:
            values["name_order"] = order
    if errors:
        raise ValidationFailed(errors, "some fields need attention")
    return values


def set_protocol(delegate: Delegate, data: dict, user: ConsoleUser | None) -> Delegate:
    """Change a delegate's level, title and/or name order (audited); a cancelled delegate may still be corrected."""
    values = clean_protocol(delegate.summit_id, data)
    delegate_id = delegate.id
    with writing(keep_state=True):
        delegate = lock_any_delegate(delegate_id)
        before = audit.snapshot(delegate, PROTOCOL_FIELDS)
        for name, value in values.items():
            setattr(delegate, name, value)
        changes = audit.diff(before, audit.snapshot(delegate, PROTOCOL_FIELDS))
        if changes:
            audit.record(user, "delegate.protocol", "delegate", delegate.id, changes)
        db.session.flush()
    return delegate
