"""The summit's registration mode: who may register, and in which accreditation state they start.

Read by the registration service for every new delegate (so this module imports nothing of it),
switched by an organiser (audited).
"""
from __future__ import annotations

from ...models import ConsoleUser, Summit
from ...models.labels import Accreditation, RegistrationMode
from ...plumbing.database import writing
from ...plumbing.errors import ServiceError, ValidationFailed
from ...plumbing.extensions import db
from ..console import audit


class RegistrationClosed(ServiceError):
    """The public form and the API's registrations are closed: people come in through a delegation."""

    code = "registration_closed"
    status = 403


def require_open_registration(summit: Summit) -> None:
    """RegistrationClosed in invitation mode: the public door is shut, whatever the body holds."""
    if summit.registration_mode == RegistrationMode.INVITATION:
        raise RegistrationClosed("registration is by invitation only: ask your delegation's focal point"
                                 + (f" or write to {summit.contact_email}" if summit.contact_email else ""))


def initial_accreditation(summit: Summit) -> Accreditation:
    """Open: approved at once (as before modes existed); otherwise the registration waits for a decision."""
    if summit.registration_mode == RegistrationMode.OPEN:
        return Accreditation.APPROVED
    return Accreditation.PENDING


def set_mode(summit: Summit, mode, user: ConsoleUser | None) -> Summit:
    """Switch the mode (organisers); delegates already registered keep their accreditation."""
    chosen = RegistrationMode.known(mode) if isinstance(mode, str) else None
    if chosen is None:
        raise ValidationFailed({"registration_mode": [f"one of {', '.join(RegistrationMode.values())}"]})
    summit_id = summit.id
    with writing(keep_state=True):
        summit = db.session.get(Summit, summit_id, with_for_update=True, populate_existing=True)
        before = summit.registration_mode
        if before != chosen:
            summit.registration_mode = chosen.value
            audit.record(user, "summit.registration_mode", "summit", summit.id,
                         {"registration_mode": [before, chosen.value]})
    return summit
