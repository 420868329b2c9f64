"""The messages a delegate receives, in their own language: templates/emails/, rendered by mail_templates.

Two ways out.  The mails that carry the delegate's manage link (the confirmation, the new link) go
through plumbing/mail_transport.py's ``send``: rendered in the mail thread after the answer has gone;
their secret is stored only hashed, so it must never sit in a table (services/outbox says more).  The
notices without a secret (a promotion, and another capability's, through ``queue_delegate_mail``) are
rows of the durable outbox (services/outbox), written in the transaction of the change that causes
them: call them inside that ``writing()`` block.  Either way what the templates read is copied here
first as plain values: a database row belongs to the request's session.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...models import Delegate, RouteBooking
from ...plumbing.extensions import db
from ...models.labels import Accreditation
from ...plumbing.mail_templates import render_email
from ...plumbing.mail_transport import send
from .. import outbox

#: Session.info key: the promotions told in this session, so that telling them twice sends one mail
_TOLD = "summit_promotions_told"


@dataclass(frozen=True)
class _Route:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class _Booking:
    status: str
    route: _Route


@dataclass(frozen=True)
class _Addressee:
    #: the name in the delegate's order, as they write it (Delegate.full_name)
    full_name: str
    booking: _Booking | None
    #: what the salutation says, the honorific first: "Dear H.E. Zhang Wei," (Delegate.addressed_name)
    addressed_name: str = ""


def send_registration_confirmation(delegate: Delegate, summit_name: str, manage_url: str,
                                   position: int | None) -> None:
    """``position``: the delegate's place on the waiting list, when they wait for their route.

    A registration waiting for the organisers' decision (approval mode) is told so."""
    _send(delegate, "registration_confirmation", with_booking=True, summit_name=summit_name,
          manage_url=manage_url, position=position, pending=delegate.accreditation == Accreditation.PENDING)


def announce_promotions(promoted: list[RouteBooking]) -> None:
    """Tell each delegate who moved up from a waiting list: outbox rows, in the promotion's own
    transaction (call inside its ``writing()`` block).  A promotion told already is not told again."""
    told = db.session().info.setdefault(_TOLD, set())
    for booking in promoted:
        key = (booking.id, booking.confirmed_at)
        if key not in told:
            told.add(key)
            send_promotion_notice(booking)


def send_promotion_notice(booking: RouteBooking) -> None:
    delegate = booking.delegate
    summit = booking.route.summit
    summit_name = summit.name_zh if delegate.language == "zh" else summit.name_en
    queue_delegate_mail(delegate, "promotion_notice", summit_name=summit_name, booking=_booking(booking))


def send_new_link(delegate: Delegate, summit_name: str, manage_url: str, hours: int) -> None:
    """The link asked for on the lost-link page; it takes over only once opened (services/registration/new_links.py)."""
    _send(delegate, "new_link", summit_name=summit_name, manage_url=manage_url, hours=hours)


def send_delegate_mail(delegate: Delegate, name: str, *, with_booking: bool = False, **context) -> None:
    """Another capability's message to a delegate (templates/emails/<name>), by the mail thread; for a
    mail with a secret in it.  Any other goes through ``queue_delegate_mail``."""
    _send(delegate, name, with_booking=with_booking, **context)


def queue_delegate_mail(delegate: Delegate, name: str, *, with_booking: bool = False, **context) -> None:
    """A notice without a secret, as an outbox row in the current write transaction (services/outbox)."""
    addressee = _Addressee(delegate.full_name, _booking(delegate.booking) if with_booking else None,
                           delegate.addressed_name)
    outbox.enqueue(name, delegate.email, delegate.language, {"delegate": addressee, **context},
                   delegate_id=delegate.id)


def _booking(booking: RouteBooking | None) -> _Booking | None:
    if booking is None:
        return None
    route = booking.route
    return _Booking(str(booking.status), _Route(route.code, route.name_zh, route.name_en))


def _send(delegate: Delegate, name: str, with_booking: bool = False, **context) -> None:
    """``with_booking`` for a template that reads ``delegate.booking`` (a query, so only then: the
    lost-link mail must cost the request nothing an unknown address does not)."""
    addressee = _Addressee(delegate.full_name, _booking(delegate.booking) if with_booking else None,
                           delegate.addressed_name)
    language = delegate.language
    send(delegate.email, lambda: render_email(name, language, delegate=addressee, **context), name)
