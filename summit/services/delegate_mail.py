"""The messages a delegate receives, in their own language: templates/emails/, rendered by mail_templates."""
from __future__ import annotations

from ..models import Delegate, RouteBooking
from .mail_templates import render_email
from .notify import send_message


def send_registration_confirmation(delegate: Delegate, summit_name: str, manage_url: str,
                                   position: int | None) -> bool:
    """``position``: the delegate's place on the waiting list, when they wait for their route."""
    return _send(delegate, "registration_confirmation", summit_name=summit_name, manage_url=manage_url,
                 position=position)


def announce_promotions(promoted: list[RouteBooking]) -> None:
    """Tell each delegate who moved up from a waiting list; call after the promotion is committed."""
    for booking in promoted:
        send_promotion_notice(booking)


def send_promotion_notice(booking: RouteBooking) -> bool:
    delegate = booking.delegate
    summit = booking.route.summit
    summit_name = summit.name_zh if delegate.language == "zh" else summit.name_en
    return _send(delegate, "promotion_notice", summit_name=summit_name, booking=booking)


def send_new_link(delegate: Delegate, summit_name: str, manage_url: str, hours: int) -> bool:
    """The link asked for on the lost-link page; it takes over only once opened (services/new_links.py)."""
    return _send(delegate, "new_link", summit_name=summit_name, manage_url=manage_url, hours=hours)


def _send(delegate: Delegate, name: str, **context) -> bool:
    email = render_email(name, delegate.language, delegate=delegate, **context)
    return send_message(delegate.email, email.subject, email.text, email.html)
