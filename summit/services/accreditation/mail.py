"""Telling a delegate the organisers' decision, in their language (templates/emails/accreditation_*).

Written as an outbox row (services/outbox) in the decision's own transaction: decisions.decide calls
``send_decision`` inside its ``writing()`` block, so the mail is sent if and only if the decision is
committed, even when the process dies just after. The approval gives the route and the way to the personal link
(the link itself is only ever in the delegate's confirmation mail: its secret is not stored) and their
personal calendar feed, whose signed address is a credential too: the row says only ``calendar_feed``,
and the outbox makes the address when it writes the mail (services/outbox ``_render``). The
rejection gives the reason and whom to write to.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...models import Summit
from ...models.labels import Accreditation
from ...plumbing.urls import external_url
from ..registration.mail import queue_delegate_mail as _send
from ..visits.capacity import waitlist_position

if TYPE_CHECKING:
    from .decisions import Decision


def send_decision(decision: "Decision", summit: Summit) -> None:
    """Mail the delegate when the decision changed their accreditation (a repeated decision says nothing new).

    Once per decision: decide() has called it already, and a second call sends nothing."""
    delegate = decision.delegate
    if decision.told or decision.previous == delegate.accreditation:
        return
    decision.told = True
    summit_name = summit.name_zh if delegate.language == "zh" else summit.name_en
    if delegate.accreditation == Accreditation.APPROVED:
        position = waitlist_position(delegate.booking) if delegate.booking else None
        _send(delegate, "accreditation_approved", with_booking=True, summit_name=summit_name, position=position,
              lost_link_url=external_url("selfservice.lost_link"), calendar_feed=True)
    elif delegate.accreditation == Accreditation.REJECTED:
        _send(delegate, "accreditation_rejected", summit_name=summit_name, reason=decision.reason,
              contact_email=summit.contact_email)
