"""Checking a delegate in at the door: exactly once, whatever the number of scanners.

The first scan wins through one conditional UPDATE (… WHERE checked_in_at IS
NULL): the database decides, so two scanners reading the same badge at the
same moment cannot both check it in (no read-then-write race), on SQLite and
PostgreSQL alike.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from ...plumbing.database import writing
from ...plumbing.extensions import db
from ...models import ConsoleUser, Delegate, utcnow
from ...models.labels import Accreditation, DelegateStatus
from ..accreditation.gates import NotAccredited, admitted
from .codes import delegate_id_for_code
from ...plumbing.errors import Conflict, NotFound


class UnknownCode(NotFound):
    code = "unknown_code"


class AlreadyCheckedIn(Conflict):
    """Carries the first check-in: ``checked_in_at`` (aware) and who did it."""

    code = "already_checked_in"

    def __init__(self, delegate: Delegate):
        super().__init__("this badge was already checked in")
        self.delegate = delegate
        self.checked_in_at: datetime = delegate.checked_in_at
        self.checked_in_by: ConsoleUser | None = (
            db.session.get(ConsoleUser, delegate.checked_in_by_id) if delegate.checked_in_by_id else None)


def check_in(code: str, by_user: ConsoleUser | None) -> Delegate:
    """Check in the delegate the code names; the delegate, freshly loaded.

    Raises UnknownCode for a forged, altered or malformed code, or one whose
    delegate no longer exists or has cancelled; NotAccredited for a delegate who is not approved
    (pending, or rejected even after their badge was printed); AlreadyCheckedIn after the first time.
    """
    delegate_id = delegate_id_for_code(code)
    if delegate_id is None:
        raise UnknownCode("this code is not a delegate's badge")
    # A fresh writer transaction: on SQLite a read transaction begun earlier in
    # the request could not be upgraded once another scanner has written.
    with writing():
        result = db.session.execute(
            update(Delegate)
            .where(Delegate.id == delegate_id, Delegate.status == DelegateStatus.REGISTERED,
                   Delegate.accreditation == Accreditation.APPROVED, Delegate.checked_in_at.is_(None))
            .values(checked_in_at=utcnow(), checked_in_by_id=by_user.id if by_user else None)
            .execution_options(synchronize_session=False)
        )
    delegate = db.session.get(Delegate, delegate_id, populate_existing=True)
    if result.rowcount == 1:
        return delegate
    if delegate is None or delegate.status != DelegateStatus.REGISTERED:
        raise UnknownCode("this code is not a registered delegate's badge")
    if not admitted(delegate):
        raise NotAccredited([delegate])
    raise AlreadyCheckedIn(delegate)
