"""The messages a delegate receives, in their own language."""
from __future__ import annotations

from flask_babel import force_locale, gettext

from ..models import Delegate, RouteBooking
from .notify import send_message


def _route_line(booking: RouteBooking | None, position: int | None) -> str:
    if booking is None:
        return gettext("Technical visit: no route chosen.")
    route = booking.route
    name = f"{route.code} {route.name_zh if booking.delegate.language == 'zh' else route.name_en}"
    if booking.status == "confirmed":
        return gettext("Technical visit: your place on %(route)s is confirmed.", route=name)
    return gettext("Technical visit: you are number %(position)d on the waiting list for %(route)s.",
                   position=position or 0, route=name)


def send_registration_confirmation(delegate: Delegate, summit_name: str, manage_url: str,
                                   position: int | None) -> bool:
    with force_locale(delegate.language):
        subject = gettext("Your registration for %(summit)s", summit=summit_name)
        body = "\n\n".join([
            gettext("Dear %(name)s,", name=delegate.full_name),
            gettext("Thank you for registering for %(summit)s.", summit=summit_name),
            _route_line(delegate.booking, position),
            gettext("Your personal link to see or change your registration, choose a route, "
                    "and add the programme to your calendar (keep it private: it works without a password):"),
            manage_url,
        ])
    return send_message(delegate.email, subject, body)


def announce_promotions(promoted: list[RouteBooking]) -> None:
    """Tell each delegate who moved up from a waiting list; call after the promotion is committed."""
    for booking in promoted:
        send_promotion_notice(booking)


def send_promotion_notice(booking: RouteBooking) -> bool:
    delegate = booking.delegate
    summit = booking.route.summit
    summit_name = summit.name_zh if delegate.language == "zh" else summit.name_en
    with force_locale(delegate.language):
        subject = gettext("A place is yours: %(route)s", route=booking.route.code)
        body = "\n\n".join([
            gettext("Dear %(name)s,", name=delegate.full_name),
            gettext("A place has become free and it is now yours."),
            _route_line(booking, None),
            gettext("Your personal link from the confirmation email shows the details; "
                    "your calendar feed updates by itself."),
            summit_name,
        ])
    return send_message(delegate.email, subject, body)


def send_new_link(delegate: Delegate, summit_name: str, manage_url: str, hours: int) -> bool:
    """The link asked for on the lost-link page; it takes over only once opened (services/new_links.py)."""
    with force_locale(delegate.language):
        subject = gettext("Your new link for %(summit)s", summit=summit_name)
        body = "\n\n".join([
            gettext("Dear %(name)s,", name=delegate.full_name),
            gettext("Here is the new personal link you asked for. Open it within %(hours)d hours and confirm: "
                    "from then on it is your link, and links sent before stop working.", hours=hours),
            manage_url,
            gettext("If you did not ask for it, ignore this message: nothing changes, and your current link "
                    "keeps working."),
        ])
    return send_message(delegate.email, subject, body)
