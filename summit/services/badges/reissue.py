"""Reissuing a badge (lost, damaged): a new version, so every older badge's code reads as revoked."""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from ...models import ConsoleUser, Delegate, utcnow
from ...models.labels import DelegateStatus
from ...plumbing.database import writing
from ...plumbing.errors import Conflict
from ...plumbing.extensions import db
from ..console import audit


class CannotReissue(Conflict):
    code = "cancelled"


def reissue_badge(delegate: Delegate, by_user: ConsoleUser | None) -> int:
    """Bump the delegate's badge version (one statement: two clicks make two versions, never one lost); the new
    version. The next printed badge carries its code."""
    if delegate.status != DelegateStatus.REGISTERED:
        raise CannotReissue("a cancelled registration has no badge")
    now = utcnow()
    with writing():
        version = db.session.execute(
            update(Delegate).where(Delegate.id == delegate.id)
            .values(badge_version=Delegate.badge_version + 1, badge_reissued_at=now)
            .returning(Delegate.badge_version).execution_options(synchronize_session=False)).scalar_one()
        audit.record(by_user, "badge_reissued", "delegate", delegate.id,
                     {"badge_version": [version - 1, version]})
    set_committed_value(delegate, "badge_version", version)
    set_committed_value(delegate, "badge_reissued_at", now)
    return version
