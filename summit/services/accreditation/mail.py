"""Telling a delegate the organisers' decision, in their language (templates/emails/accreditation_*).

Sent after the decision is committed, through the same transport as every delegate mail
(services/registration/mail.py's _send). The approval gives the route and the way to the personal link
(the link itself is only ever in the delegate's confirmation mail: its secret is not stored) and their
personal calendar feed (a signed address, made again here); the
rejection gives the reason and whom to write to.
"""
from __future__ import annotations

from ...models import Summit
from ...models.labels import Accreditation
from ...plumbing.urls import calendar_url, external_url
from ..calendar.tokens import calendar_token
from ..registration.mail import send_delegate_mail as _send
from ..visits.capacity import waitlist_position
from .decisions import Decision


def send_decision(decision: Decision, summit: Summit) -> None:
    """Mail the delegate when the decision changed their accreditation (a repeated decision says nothing new)."""
    delegate = decision.delegate
    if decision.previous == delegate.accreditation:
        return
    summit_name = summit.name_zh if delegate.language == "zh" else summit.name_en
    if delegate.accreditation == Accreditation.APPROVED:
        position = waitlist_position(delegate.booking) if delegate.booking else None
        _send(delegate, "accreditation_approved", with_booking=True, summit_name=summit_name, position=position,
              lost_link_url=external_url("selfservice.lost_link"),
              calendar_url=calendar_url(calendar_token(delegate)))
    elif delegate.accreditation == Accreditation.REJECTED:
        _send(delegate, "accreditation_rejected", summit_name=summit_name, reason=decision.reason,
              contact_email=summit.contact_email)
