"""The messages a delegate receives, in their own language: templates/emails/, rendered by mail_templates.

A message is rendered in the mail thread (plumbing/mail_transport.py), after the answer has gone, so what
its templates read is copied here first as plain values: a database row belongs to the request's
session and must not be read from another thread.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...models import Delegate, RouteBooking
from ...models.labels import Accreditation
from ...plumbing.mail_templates import render_email
from ...plumbing.mail_transport import send


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
    """Tell each delegate who moved up from a waiting list; call after the promotion is committed."""
    for booking in promoted:
        send_promotion_notice(booking)


def send_promotion_notice(booking: RouteBooking) -> None:
    delegate = booking.delegate
    summit = booking.route.summit
    summit_name = summit.name_zh if delegate.language == "zh" else summit.name_en
    _send(delegate, "promotion_notice", summit_name=summit_name, booking=_booking(booking))


def send_new_link(delegate: Delegate, summit_name: str, manage_url: str, hours: int) -> None:
    """The link asked for on the lost-link page; it takes over only once opened (services/registration/new_links.py)."""
    _send(delegate, "new_link", summit_name=summit_name, manage_url=manage_url, hours=hours)


def send_delegate_mail(delegate: Delegate, name: str, *, with_booking: bool = False, **context) -> None:
    """Another capability's message to a delegate (templates/emails/<name>), by the same way as these."""
    _send(delegate, name, with_booking=with_booking, **context)


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
