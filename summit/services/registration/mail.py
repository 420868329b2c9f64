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

from babel.dates import format_date

from ...models import Delegate, RouteBooking, Summit
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
    #: what the delegate needs on the day, in their language, the times as Beijing clocks show them
    departs: str = ""
    returns: str = ""
    duration_minutes: int | None = None
    description: str = ""
    transport: str = ""
    bring: str = ""
    meeting_point: str = ""
    meeting_address: str = ""
    meeting_directions: str = ""


def pick(row, field: str, language: str) -> str:
    """The field in the mail's language, else the other one (as the pages do)."""
    other = "en" if language == "zh" else "zh"
    return getattr(row, f"{field}_{language}") or getattr(row, f"{field}_{other}")


@dataclass(frozen=True)
class _Venue:
    name: str
    address: str
    directions: str


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
          manage_url=manage_url, position=position, pending=delegate.accreditation == Accreditation.PENDING,
          venue=_venue(db.session.get(Summit, delegate.summit_id), delegate.language))


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
    released = getattr(booking, "released_route", None)
    queue_delegate_mail(delegate, "promotion_notice", summit_name=summit_name,
                        booking=_booking(booking, delegate.language),
                        released=released.code if released is not None else "",
                        venue=_venue(summit, delegate.language))


def send_new_link(delegate: Delegate, summit_name: str, manage_url: str, hours: int) -> None:
    """The link asked for on the lost-link page; it takes over only once opened (services/registration/new_links.py)."""
    _send(delegate, "new_link", summit_name=summit_name, manage_url=manage_url, hours=hours)


def send_delegate_mail(delegate: Delegate, name: str, *, with_booking: bool = False, **context) -> None:
    """Another capability's message to a delegate (templates/emails/<name>), by the mail thread; for a
    mail with a secret in it.  Any other goes through ``queue_delegate_mail``."""
    _send(delegate, name, with_booking=with_booking, **context)


def queue_delegate_mail(delegate: Delegate, name: str, *, with_booking: bool = False, **context) -> None:
    """A notice without a secret, as an outbox row in the current write transaction (services/outbox)."""
    addressee = _Addressee(delegate.full_name, _booking(delegate.booking, delegate.language) if with_booking else None,
                           delegate.addressed_name)
    outbox.enqueue(name, delegate.email, delegate.language, {"delegate": addressee, **context},
                   delegate_id=delegate.id)


def _booking(booking: RouteBooking | None, language: str = "en") -> _Booking | None:
    if booking is None:
        return None
    route = booking.route
    zone = route.summit.zone

    def local(field: str) -> str:
        return pick(route, field, language)

    departs = returns = ""
    if route.departs_at is not None:
        day = format_date(route.departs_at.astimezone(zone).date(), "full" if language == "zh" else "EEEE d MMMM y",
                          locale=language)
        departs = f"{day} {route.departs_at.astimezone(zone):%H:%M}"
    if route.returns_at is not None:
        returns = f"{route.returns_at.astimezone(zone):%H:%M}"
    return _Booking(str(booking.status), _Route(
        route.code, route.name_zh, route.name_en, departs, returns, route.duration_minutes,
        local("description"), local("transport"), local("bring"), local("meeting_point"),
        local("meeting_address"), local("meeting_directions")))


def _venue(summit: Summit | None, language: str) -> _Venue | None:
    if summit is None:
        return None
    return _Venue(pick(summit, "venue", language), pick(summit, "venue_address", language),
                  pick(summit, "venue_directions", language))


def _send(delegate: Delegate, name: str, with_booking: bool = False, **context) -> None:
    """``with_booking`` for a template that reads ``delegate.booking`` (a query, so only then: the
    lost-link mail must cost the request nothing an unknown address does not)."""
    addressee = _Addressee(delegate.full_name, _booking(delegate.booking, delegate.language) if with_booking else None,
                           delegate.addressed_name)
    language = delegate.language
    # The confirmation is recorded (the data copy lists it); the new-link mail is not: the lost-link
    # page must cost a registered address no more than an unknown one, and a row is such a cost.
    on_sent = (outbox.sent_recorder(name, delegate.email, language, delegate.id)
               if name == "registration_confirmation" else None)
    send(delegate.email, lambda: render_email(name, language, delegate=addressee, **context), name,
         on_sent=on_sent)
