"""An organiser's decision on a delegate: approve or reject, with a reason; audited, and mailed.

A rejection gives up the delegate's route place through the capacity rule itself
(services/visits/capacity.place_delegate), in the decision's own transaction, so the first in line
is promoted before anyone else can see the seat free. A decision can be changed later; an approval
after a rejection does not bring the old place back (it may be someone else's by then): the delegate
chooses a route again, as anyone would.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import update

from ...models import ConsoleUser, Delegate, RouteBooking, Summit, utcnow
from ...models.labels import Accreditation, BookingStatus, DelegateStatus
from ...plumbing import text_input
from ...plumbing.database import require_write_transaction, writing
from ...plumbing.errors import Conflict, NotFound, ValidationFailed
from ...plumbing.extensions import db
from ..console import audit
from ..registration.mail import announce_promotions
from ..visits import capacity
from .mail import send_decision

DECISIONS = {"approve": Accreditation.APPROVED, "reject": Accreditation.REJECTED}
REASON_MAX = 500


class Cancelled(Conflict):
    """The delegate cancelled: there is nothing left to decide."""

    code = "cancelled"


@dataclass
class Decision:
    delegate: Delegate
    #: the accreditation before the decision
    previous: str
    reason: str
    #: whoever moved up into the seat a rejection freed
    promoted: list[RouteBooking] = field(default_factory=list)
    #: the delegate's mail is written (mail.send_decision, once)
    told: bool = False


def lock_any_delegate(delegate_id: int) -> Delegate:
    """The delegate, live or cancelled, locked to the end of the ``writing()`` block; NotFound if none."""
    require_write_transaction()
    delegate = db.session.scalars(
        update(Delegate).where(Delegate.id == delegate_id).values(updated_at=utcnow()).returning(Delegate),
        execution_options={"populate_existing": True, "synchronize_session": False},
    ).first()
    if delegate is None:
        raise NotFound("no such delegate")
    return delegate


def clean_decision(data: dict) -> tuple[Accreditation, str]:
    errors = {}
    decision = DECISIONS.get(data.get("decision")) if isinstance(data.get("decision"), str) else None
    if decision is None:
        errors["decision"] = ["approve or reject"]
    reason, why = text_input.clean(data.get("reason"), limit=REASON_MAX, multiline=True)
    if why is not None:
        errors["reason"] = [why]
    if errors:
        raise ValidationFailed(errors, "some fields need attention")
    return decision, reason


def decide(summit: Summit, delegate_id: int, data: dict, user: ConsoleUser | None) -> Decision:
    """Approve or reject (``{"decision", "reason"?}``); 409 ``cancelled`` for a cancelled delegate.

    The delegate and the promoted are told by outbox rows written in the decision's transaction
    (mail.send_decision, announce_promotions): a decision rolled back mails no one.
    """

    accreditation, reason = clean_decision(data)
    with writing(keep_state=True):
        delegate = lock_any_delegate(delegate_id)
        if delegate.summit_id != summit.id:
            raise NotFound("no such delegate")
        if delegate.status == DelegateStatus.CANCELLED:
            raise Cancelled("this delegate has cancelled their registration")
        previous = delegate.accreditation
        promoted: list[RouteBooking] = []
        if accreditation == Accreditation.REJECTED:
            # the one capacity rule: the seat goes to the first in line, in this transaction
            change = capacity.place_delegate(delegate, None, join_waitlist=False)
            promoted = change.promoted
        delegate.accreditation = accreditation.value
        audit.record(user, f"delegate.{'approve' if accreditation == Accreditation.APPROVED else 'reject'}",
                     "delegate", delegate.id,
                     {"accreditation": [previous, accreditation.value], "reason": [None, reason or None]})
        for booking in promoted:
            audit.record(user, "delegate.promoted", "delegate", booking.delegate_id,
                         {"status": [BookingStatus.WAITLISTED, BookingStatus.CONFIRMED],
                          "route": [booking.route.code, booking.route.code]})
        db.session.flush()
        decision = Decision(delegate, previous, reason, promoted)
        announce_promotions(promoted)
        send_decision(decision, summit)
    return decision
