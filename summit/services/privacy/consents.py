"""Consents, each separate and specific: processing (required to register) and sensitive personal data.

PIPL (art. 28–29) and the GDPR (art. 9) ask for a separate consent before health data (dietary and
accessibility needs) or identity documents are processed. The rule of when it is needed is ONE function,
``needs_sensitive_consent``; a feature that adds sensitive fields adds their names to SENSITIVE_FIELDS
(passport data, for the visa letters), and the form, the API, the withdrawal and the data copy follow.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, update

from ...models import Consent, Delegate, Summit, utcnow
from ...plumbing.extensions import db
from .notices import current_notice_id

PROCESSING = "processing"
SENSITIVE = "sensitive"

#: the delegate's fields that are sensitive personal information → the value that erases each.
#: ``passport``: the passport given for a visa letter (its own table, models/visa.py), a dict of its fields when
#: given; withdrawing the consent deletes it and revokes the letter that names it (services/travel/letters.py)
SENSITIVE_FIELDS: dict[str, object] = {"dietary_needs": "", "accessibility_needs": "", "passport": None}
#: the fields above kept elsewhere than on the delegate's row, each erased by its own service
_NOT_ON_DELEGATE = {"passport"}

#: what a visa-letter request with a passport and without the consent is told (the form shows it beside the box)
PASSPORT_CONSENT_MISSING = _l("Your passport details are sensitive personal information: please tick the box that "
                              "lets us use them for your invitation letter.")


def needs_sensitive_consent(fields: dict) -> bool:
    """Whether these field values hold any sensitive personal information (so its consent is needed)."""
    return any(fields.get(name) not in (None, "", empty) for name, empty in SENSITIVE_FIELDS.items())


def check(data: dict, values: dict, fail, *, processing: bool = True, holds_sensitive: bool = False) -> None:
    """Report, through ``fail(field, message)``, the consents this submission lacks.

    ``processing``: the processing consent must be given (a new registration). ``holds_sensitive``: a
    sensitive consent is already in force (an edit), so needs may be given without ticking it again.
    """
    if processing and data.get("consent") is not True:
        fail("consent", _l("We need your consent to process your registration."))
    given = data.get("sensitive_consent", False)
    if not isinstance(given, bool):
        fail("sensitive_consent", _l("Must be true or false."))
    elif needs_sensitive_consent(values) and not given and not holds_sensitive:
        fail("sensitive_consent", _l("You gave dietary or accessibility needs: please tick the box that lets us "
                                     "use them, or leave those fields empty."))


def give(summit: Summit, given_by: str = "delegate", *wanted: tuple[int, str]) -> None:
    """Record consents (delegate_id, kind) under the notice in force now; inside the caller's transaction."""
    if not wanted:
        return
    notice_id, now = current_notice_id(summit), utcnow()
    db.session.execute(insert(Consent.__table__), [
        {"delegate_id": delegate_id, "kind": kind, "notice_id": notice_id, "given_at": now,
         "given_by": given_by} for delegate_id, kind in wanted])


def at_registration(summit: Summit, delegate_id: int, data: dict, values: dict, *, given_by="delegate") -> None:
    """The consents a new registration gives: processing always, sensitive when ticked and needed."""
    kinds = [PROCESSING]
    if needs_sensitive_consent(values) and (data.get("sensitive_consent") is True or given_by == "focal_point"):
        kinds.append(SENSITIVE)
    give(summit, given_by, *((delegate_id, kind) for kind in kinds))


def in_force(delegate_id: int, kind: str) -> bool:
    return db.session.scalar(db.select(Consent.id).where(
        Consent.delegate_id == delegate_id, Consent.kind == kind, Consent.withdrawn_at.is_(None)).limit(1)) is not None


def history(delegate_id: int) -> list[Consent]:
    return list(db.session.scalars(db.select(Consent).where(Consent.delegate_id == delegate_id)
                                   .order_by(Consent.given_at, Consent.id)))


def withdraw_sensitive(delegate: Delegate) -> bool:
    """Withdraw the sensitive-data consent and erase those fields at once (the caller holds the delegate's
    lock and commits). False when none was in force (a repeated click changes nothing more)."""
    now = utcnow()
    withdrawn = db.session.execute(
        update(Consent).where(Consent.delegate_id == delegate.id, Consent.kind == SENSITIVE,
                              Consent.withdrawn_at.is_(None)).values(withdrawn_at=now)
        .execution_options(synchronize_session=False)).rowcount
    on_row = {name: empty for name, empty in SENSITIVE_FIELDS.items() if name not in _NOT_ON_DELEGATE}
    held = needs_sensitive_consent({name: getattr(delegate, name, None) for name in on_row})
    for name, empty in on_row.items():
        setattr(delegate, name, empty)
    delegate.updated_at = now
    from ..travel.letters import forget_passport  # travel imports the registration services, which import this
    held = forget_passport(delegate, "consent_withdrawn") or held
    return bool(withdrawn or held)
