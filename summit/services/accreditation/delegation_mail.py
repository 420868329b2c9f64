"""The focal point's invitation: one mail in Chinese and English both, with the delegation's secret link.

Each language is rendered from templates/emails/delegation_invitation.* in that language (so each
half reads as its catalog says), and the two halves are framed together by
delegation_invitation_bilingual.*. As every mail, it is rendered in the mail thread
(plumbing/mail_transport.send), so what the templates read is copied here first as plain values.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ...models import Delegation, Summit
from ...plumbing.mail_templates import Email, render_email
from ...plumbing.mail_transport import send
from ...plumbing.urls import external_url
from ..registration.countries import country_name

#: the focal point's page (web/delegation_page.py); the secret is its only argument
PAGE_ENDPOINT = "delegation_page.home"


def invitation_url(token: str) -> str:
    """The absolute address of the focal point's page (the secret is in it)."""
    return external_url(PAGE_ENDPOINT, secret=token)


@dataclass(frozen=True)
class _Invited:
    focal_name: str
    name_zh: str
    name_en: str
    country_zh: str
    country_en: str
    places: int


def send_invitation(delegation: Delegation, summit: Summit, token: str) -> None:
    """Mail the focal point their link (after the commit that made or reissued it)."""
    invited = _Invited(delegation.focal_name, delegation.name_zh, delegation.name_en,
                       country_name(delegation.country, "zh"), country_name(delegation.country, "en"),
                       delegation.places)
    url = invitation_url(token)
    names = {"zh": summit.name_zh, "en": summit.name_en}
    contact = summit.contact_email
    language = delegation.focal_language
    send(delegation.focal_email, lambda: _write(invited, names, url, contact, language), "delegation_invitation")


def _write(invited: _Invited, names: dict, url: str, contact: str, language: str) -> Email:
    parts = [render_email("delegation_invitation", part, delegation=invited, summit_name=names[part],
                          invitation_url=url, contact_email=contact) for part in ("zh", "en")]
    subject = " / ".join(part.subject for part in parts)
    text = "\n\n" + "—" * 24 + "\n\n"
    text = text.join(part.text for part in parts)
    return render_email("delegation_invitation_bilingual", language, summit_name=f"{names['zh']} · {names['en']}",
                        bilingual_subject=subject, bilingual_text=text,
                        halves=[Markup(_body_of(part.html)) for part in parts])  # nosec B704 (rendered, escaped)


def _body_of(html: str) -> str:
    """The message's own content: what delegation_invitation.html puts between its markers."""
    start, end = "<!-- part -->", "<!-- /part -->"
    return html[html.index(start) + len(start):html.index(end)]
