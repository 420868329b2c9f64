"""An organiser's decision on a delegate: approve or reject, with a reason; audited, and mailed.

A rejection gives up the delegate's route place through the capacity rule itself
(services/visits/capacity.place_delegate), in the decision's own transaction, so the first in line
is promoted before anyone else can see the seat free. A decision can be changed later; an approval
after a rejection does not bring the old place back (it may be someone else's by then): the delegate
chooses a route again, as anyone would.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ...models import AuditEntry, ConsoleUser, Delegate, RouteBooking, Summit, utcnow
from ...models.labels import Accreditation, BookingStatus, DelegateStatus
from ...models.types import ID_MAX
from ...plumbing import text_input
from ...plumbing.database import require_write_transaction, writing
from ...plumbing.errors import Conflict, NotFound, ValidationFailed
from ...plumbing.extensions import db
from ..console import audit
from ..registration.mail import announce_promotions
from ..travel import letters
from ..visits import capacity
from .mail import send_decision

DECISIONS = {"approve": Accreditation.APPROVED, "reject": Accreditation.REJECTED}
REASON_MAX = 500
#: most delegates one bulk decision may name
BULK_MAX = 1000


class Cancelled(Conflict):
    """The delegate cancelled: there is nothing left to decide (``ids``: who, in a bulk decision)."""

    code = "cancelled"


class ReasonRequired(ValidationFailed):
    """A rejection without a reason, where one is required (the console's, a bulk decision)."""

    code = "reason_required"

    def __init__(self):
        super().__init__({"reason": ["required when rejecting: the delegate is told it"]},
                         "a rejection needs a reason")


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


def clean_decision(data: dict, *, reason_required: bool = False) -> tuple[Accreditation, str]:
    """The decision and its reason (text rules applied); ``reason_required``: a rejection needs one."""
    errors = {}
    decision = DECISIONS.get(data.get("decision")) if isinstance(data.get("decision"), str) else None
    if decision is None:
        errors["decision"] = ["approve or reject"]
    reason, why = text_input.clean(data.get("reason"), limit=REASON_MAX, multiline=True)
    if why is not None:
        errors["reason"] = [why]
    if errors:
        raise ValidationFailed(errors, "some fields need attention")
    if reason_required and decision == Accreditation.REJECTED and not reason:
        raise ReasonRequired()
    return decision, reason


def decide(summit: Summit, delegate_id: int, data: dict, user: ConsoleUser | None, *,
           reason_required: bool = False) -> Decision:
    """Approve or reject (``{"decision", "reason"?}``); 409 ``cancelled`` for a cancelled delegate.

    The delegate and the promoted are told by outbox rows written in the decision's transaction
    (mail.send_decision, announce_promotions): a decision rolled back mails no one.
    """

    accreditation, reason = clean_decision(data, reason_required=reason_required)
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
        letters.follow_decision(delegate)  # issue the visa letter, or revoke it
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


def clean_ids(raw) -> list[int]:
    """A list of delegate ids (ints), in order and without repeats; ValidationFailed otherwise."""
    if not isinstance(raw, list) or not raw or not all(type(i) is int and 0 < i <= ID_MAX for i in raw):
        raise ValidationFailed({"ids": ["a non-empty list of delegate ids, e.g. [1, 2, 3]"]}, "bad ids")
    ids = list(dict.fromkeys(raw))
    if len(ids) > BULK_MAX:
        raise ValidationFailed({"ids": [f"at most {BULK_MAX} delegates at once"]}, "too many ids")
    return ids


def decide_many(summit: Summit, ids, data: dict, user: ConsoleUser | None) -> list[Decision]:
    """One decision (``{"decision", "reason"?}``) on many delegates, all or none, in one write transaction.

    A rejection needs a reason here (ReasonRequired). An id that is no delegate of this summit is
    NotFound, a cancelled delegate Cancelled (409), both naming every such id in ``details["ids"]``;
    then nothing is decided. Each delegate gets an audit entry of their own, as with ``decide``.

    Approvals cost a handful of statements whatever their number (lock and read, one UPDATE, one
    multi-row INSERT of the audit entries); a rejection goes through the capacity rule delegate by
    delegate, since each may hand a seat to the first in line. Each decision's mail and the promoted's
    are outbox rows written in this transaction, as in ``decide``.
    """
    ids = clean_ids(ids)
    accreditation, reason = clean_decision(data, reason_required=True)
    action = f"delegate.{'approve' if accreditation == Accreditation.APPROVED else 'reject'}"
    now = utcnow()
    with writing(keep_state=True):
        # Lock the rows: in id order on PostgreSQL (two bulk decisions that overlap take turns instead
        # of deadlocking; SQLite has one write lock, taken by the UPDATE), then read each one's state
        # before the decision (the UPDATE changes neither column it returns).
        db.session.execute(select(Delegate.id).where(Delegate.id.in_(ids)).order_by(Delegate.id).with_for_update())
        before = {row.id: (row.status, row.accreditation) for row in db.session.execute(
            update(Delegate).where(Delegate.id.in_(ids), Delegate.summit_id == summit.id)
            .values(updated_at=now).returning(Delegate.id, Delegate.status, Delegate.accreditation),
            execution_options={"synchronize_session": False})}
        missing = [i for i in ids if i not in before]
        if missing:
            raise NotFound("no such delegate: " + ", ".join(map(str, missing[:10])), code="unknown_delegate",
                           ids=missing[:100])
        cancelled = [i for i in ids if before[i][0] == DelegateStatus.CANCELLED]
        if cancelled:
            raise Cancelled("cancelled meanwhile: delegate " + ", ".join(map(str, cancelled[:10])),
                            ids=cancelled[:100])
        delegates = {d.id: d for d in db.session.scalars(
            select(Delegate).where(Delegate.id.in_(ids))
            .options(selectinload(Delegate.booking).selectinload(RouteBooking.route)),
            execution_options={"populate_existing": True})}
        decided: list[Decision] = []
        audit_rows: list[dict] = []
        changed = [i for i in ids if before[i][1] != accreditation.value]
        for delegate_id in ids:
            delegate, previous = delegates[delegate_id], before[delegate_id][1]
            promoted: list[RouteBooking] = []
            if accreditation == Accreditation.REJECTED:
                # the one capacity rule, as decide() uses it: the seat goes to the first in line
                promoted = capacity.place_delegate(delegate, None, join_waitlist=False).promoted
            audit_rows.append(_audit_row(user, action, delegate_id, now, {
                "accreditation": [previous, accreditation.value], "reason": [None, reason or None]}))
            for booking in promoted:
                audit_rows.append(_audit_row(user, "delegate.promoted", booking.delegate_id, now, {
                    "status": [BookingStatus.WAITLISTED, BookingStatus.CONFIRMED],
                    "route": [booking.route.code, booking.route.code]}))
            decided.append(Decision(delegate, previous, reason, promoted))
        if changed:
            db.session.execute(update(Delegate).where(Delegate.id.in_(changed))
                               .values(accreditation=accreditation.value),
                               execution_options={"synchronize_session": False})
        for delegate in delegates.values():
            set_committed_value(delegate, "accreditation", accreditation.value)
        db.session.flush()
        for delegate_id in changed:
            letters.follow_decision(delegates[delegate_id])  # issue the visa letters, or revoke them
        db.session.execute(insert(AuditEntry), audit_rows)
        for decision in decided:
            announce_promotions(decision.promoted)
            send_decision(decision, summit)
    return decided


def _audit_row(user: ConsoleUser | None, action: str, delegate_id: int, at, changes: dict) -> dict:
    return {"user_id": user.id if user is not None else None, "action": action, "entity": "delegate",
            "entity_id": delegate_id, "at": at, "changes": audit.jsonable(changes)}
