"""An organiser's message to a group of delegates, in zh and en, sent through the durable outbox.

The group is a filter (``Audience``): a delegation, a protocol level, a route (or no route), banquet
guests, an accreditation state, a category, any of these together.  It is the console's delegate
search (services/registration/search.filtered) with the same conditions, so the preview's count and
the recipients are the same query (the delegation is search._conditions' one line on
delegate.delegation_id).  A delegation's focal point may get one copy per message.  Only live registrations receive a message.

Sending writes the message, one outbox row per recipient (in the recipient's language; UNIQUE
(message_id, delegate_id): once each) and the audit entry in one transaction; the outbox drainer
(services/outbox) sends them after the commit, and its rows are the delivery log.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from flask_sqlalchemy.pagination import Pagination

from ...models import CATEGORIES, ConsoleUser, Delegate, Delegation, Message, OutboxMail, ProtocolLevel, Summit, VisitRoute
from ...models.labels import Accreditation, DelegateStatus
from ...models.outbox import BODY_MAX, SUBJECT_MAX
from ...models.types import ID_MAX
from ...plumbing import text_input
from ...plumbing.database import writing
from ...plumbing.errors import NotFound, ValidationFailed
from ...plumbing.extensions import db
from .. import outbox
from ..console import audit
from ..registration.search import DelegateFilter, filtered

TEMPLATE = "message"
#: names the preview shows
SAMPLE = 10
YES_NO = ("yes", "no")
TEXT_FIELDS = {"subject_zh": (SUBJECT_MAX, False), "subject_en": (SUBJECT_MAX, False),
               "body_zh": (BODY_MAX, True), "body_en": (BODY_MAX, True)}


@dataclass(frozen=True)
class Audience:
    """Who receives a message; None: any.  ``route`` is a route id or "none"."""

    delegation_id: int | None = None
    protocol_level: str | None = None
    route: int | str | None = None
    banquet: str | None = None
    accreditation: str | None = None
    category: str | None = None

    def as_filter(self) -> DelegateFilter:
        return DelegateFilter(status=DelegateStatus.REGISTERED, **asdict(self))

    def as_dict(self) -> dict:
        return {name: value for name, value in asdict(self).items() if value is not None}


def _choice(data: Mapping, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def _id(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and 1 <= int(value) <= ID_MAX else None


def parse_audience(summit: Summit, data: Mapping) -> Audience:
    """The filter from a form or a body (empty values: any); ValidationFailed names each bad one."""
    errors: dict[str, list] = {}
    values: dict = {}
    if raw := _choice(data, "delegation_id"):
        if (delegation_id := _id(raw)) is not None and db.session.scalar(
                select(Delegation.id).where(Delegation.id == delegation_id, Delegation.summit_id == summit.id)):
            values["delegation_id"] = delegation_id
        else:
            errors["delegation_id"] = [_l("Choose a delegation from the list.")]
    if raw := _choice(data, "protocol_level"):
        known = set(db.session.scalars(select(ProtocolLevel.code).where(ProtocolLevel.summit_id == summit.id)))
        if raw in known:
            values["protocol_level"] = raw
        else:
            errors["protocol_level"] = [_l("Choose one of the summit's protocol levels.")]
    if raw := _choice(data, "route"):
        if raw == "none":
            values["route"] = "none"
        elif (route_id := _id(raw)) is not None and db.session.scalar(
                select(VisitRoute.id).where(VisitRoute.id == route_id, VisitRoute.summit_id == summit.id)):
            values["route"] = route_id
        else:
            errors["route"] = [_l("Choose one of the summit's routes, or no technical visit.")]
    if raw := _choice(data, "banquet"):
        if raw in YES_NO:
            values["banquet"] = raw
        else:
            errors["banquet"] = [_l("Choose banquet guests, or those not at the banquet.")]
    if raw := _choice(data, "accreditation"):
        if raw in Accreditation.values():
            values["accreditation"] = raw
        else:
            errors["accreditation"] = [_l("Choose an accreditation state from the list.")]
    if raw := _choice(data, "category"):
        if raw in CATEGORIES:
            values["category"] = raw
        else:
            errors["category"] = [_l("Choose a category from the list.")]
    if errors:
        raise ValidationFailed(errors, "bad recipients filter")
    return Audience(**values)


def clean_text(data: Mapping) -> dict:
    """Subjects (one line) and bodies (several lines) in both languages, each required, by the text rules."""
    errors, values = {}, {}
    for name, (limit, multiline) in TEXT_FIELDS.items():
        raw = data.get(name)
        if multiline and isinstance(raw, str):
            raw = raw.replace("\r\n", "\n")  # a browser's line ends
        text, why = text_input.clean(raw, limit=limit, required=True, multiline=multiline)
        if why is not None:
            errors[name] = [why]
        else:
            values[name] = text
    if errors:
        raise ValidationFailed(errors, "some fields need attention")
    return values


@dataclass(frozen=True)
class Preview:
    count: int
    #: the first names, in the list's order (family name, given name)
    names: list[str]
    #: how many read zh and en
    languages: dict[str, int]
    #: the delegations among them: their focal points get one copy each, when asked
    delegations: int = 0


def _recipients_query(summit: Summit, audience: Audience, *columns):
    return filtered(summit, audience.as_filter(), *columns)


def preview(summit: Summit, audience: Audience, sample: int = SAMPLE) -> Preview:
    query = _recipients_query(summit, audience, Delegate.id, Delegate.language, Delegate.delegation_id).subquery()
    languages = dict(db.session.execute(select(query.c.language, func.count()).group_by(query.c.language)).all())
    names = db.session.scalars(_recipients_query(summit, audience)
                               .order_by(Delegate.family_name, Delegate.given_name, Delegate.id).limit(sample))
    delegations = db.session.scalar(select(func.count(func.distinct(query.c.delegation_id))))
    return Preview(sum(languages.values()), [d.display_name for d in names],
                   {"zh": languages.get("zh", 0), "en": languages.get("en", 0)}, delegations or 0)


def send_message(summit: Summit, data: Mapping, audience: Audience, user: ConsoleUser | None, *,
                 copy_focal_point: bool = False) -> Message:
    """Write the message and one outbox row per recipient, in the recipient's language, and audit it:
    one transaction.  The drainer sends after the commit.  ValidationFailed for bad text."""
    text = clean_text(data)
    with writing(keep_state=True):
        message = Message(summit_id=summit.id, audience=audience.as_dict(), copy_focal_point=copy_focal_point,
                          created_by_id=user.id if user is not None else None, recipients=0, **text)
        db.session.add(message)
        db.session.flush()
        names = {"zh": summit.name_zh, "en": summit.name_en}
        rows, delegation_ids = [], set()
        for delegate in db.session.scalars(_recipients_query(summit, audience).order_by(Delegate.id)):
            rows.append(outbox.row(TEMPLATE, delegate.email, delegate.language,
                                   {"delegate": {"full_name": delegate.full_name, "addressed_name": delegate.addressed_name},
                                    "summit_name": names[delegate.language]},
                                   delegate_id=delegate.id, message_id=message.id))
            if delegate.delegation_id is not None:
                delegation_ids.add(delegate.delegation_id)
        message.recipients = len(rows)
        if copy_focal_point:
            rows += _focal_point_copies(message, delegation_ids, names)
        outbox.enqueue_many(rows)
        audit.record(user, "message.send", "message", message.id,
                     {"subject_en": [None, text["subject_en"]], "subject_zh": [None, text["subject_zh"]],
                      "audience": [None, audience.as_dict()], "recipients": [None, len(rows)],
                      "copy_focal_point": [None, copy_focal_point]})
    return message


def _focal_point_copies(message: Message, delegation_ids: set[int], names: dict) -> list[dict]:
    """One copy per delegation among the recipients, to its focal point, in the focal point's language
    (not one per member: a delegation of fifty would otherwise get fifty).  No delegate_id: the copy is
    not a recipient, and the delivery log shows it as the focal point's address."""
    if not delegation_ids:
        return []
    return [outbox.row(TEMPLATE, delegation.focal_email, delegation.focal_language,
                       {"delegate": {"full_name": delegation.focal_name, "addressed_name": delegation.focal_name}, "summit_name": names[delegation.focal_language]},
                       message_id=message.id)
            for delegation in db.session.scalars(select(Delegation).where(Delegation.id.in_(sorted(delegation_ids)))
                                                 .order_by(Delegation.id))]


def get_message(summit: Summit, message_id: int) -> Message:
    message = db.session.get(Message, message_id)
    if message is None or message.summit_id != summit.id:
        raise NotFound("no such message")
    return message


@dataclass(frozen=True)
class Sent:
    message: Message
    #: status → recipients ("pending", "sending", "sent", "failed"), and "retried": sent after more than one try
    counts: dict[str, int]


def _counts(message_ids: list[int]) -> dict[int, Counter]:
    counts: dict[int, Counter] = {i: Counter() for i in message_ids}
    if not message_ids:
        return counts
    rows = db.session.execute(
        select(OutboxMail.message_id, OutboxMail.status, func.count(),
               func.sum(case((OutboxMail.attempts > 1, 1), else_=0)))
        .where(OutboxMail.message_id.in_(message_ids))
        .group_by(OutboxMail.message_id, OutboxMail.status))
    for message_id, status, n, retried in rows:
        counts[message_id][status] += n
        counts[message_id]["retried"] += int(retried or 0)
    return counts


def messages(summit: Summit, page: int = 1, per_page: int = 50) -> tuple[Pagination, list[Sent]]:
    """The summit's messages, newest first, each with its delivery counts."""
    paged = db.paginate(select(Message).where(Message.summit_id == summit.id)
                        .order_by(Message.created_at.desc(), Message.id.desc()),
                        page=page, per_page=per_page, error_out=False)
    counts = _counts([m.id for m in paged.items])
    return paged, [Sent(m, dict(counts[m.id])) for m in paged.items]


def delivery(summit: Summit, message: Message, page: int = 1, per_page: int = 100) -> tuple[Sent, Pagination]:
    """The message's counts, and one page of its recipients' rows (to, language, status, attempts, error)."""
    counts = _counts([message.id])[message.id]
    rows = db.paginate(select(OutboxMail).where(OutboxMail.message_id == message.id).order_by(OutboxMail.id),
                       page=page, per_page=per_page, error_out=False)
    return Sent(message, dict(counts)), rows
