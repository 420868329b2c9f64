"""Visa invitation letters: asked for, issued to approved delegates, revoked, reissued, verified.

A delegate has at most one live letter (the partial unique index uq_visa_letter_live_delegate):

- **requested** when they ask (at registration, or later on their page); nothing is printed yet;
- **issued** once they are approved (at the decision, or when they first download it), with a serial
  (``GSTF24-`` and ten random characters: unguessable, so the verify page cannot be walked) and the
  name, nationality and last four of the number the verify page shows;
- **revoked** when they are rejected, cancel or change their passport; a rejection or a passport change
  puts a new request in its place, which is **reissued** (a new serial) once they are approved.

Every change runs in the caller's transaction (registration, decision, cancellation, passport edit), so
the letter and what caused it commit together.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from sqlalchemy import update

from ...models import Delegate, Passport, Summit, VisaLetter, utcnow
from ...models.labels import DelegateStatus
from ...plumbing.database import writing
from ...plumbing.extensions import db
from ...plumbing.errors import NotFound, ValidationFailed
from ..accreditation.gates import NotAccredited, admitted
from ..privacy import consents
from .letter_settings import letter_host
from .passports import PassportRequest, passport_of, read_request, store_passport

#: no 0/O, 1/I: a serial is read aloud and typed from paper
SERIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SERIAL_LENGTH = 10
SERIAL_MAX = 40
LIVE = ("requested", "issued", "reissued")


class NoLetter(NotFound):
    code = "no_visa_letter"


class LetterDeadlinePassed(ValidationFailed):
    """Asked after the summit file's deadline: the message names whom to contact instead."""

    code = "letter_deadline_passed"


def new_serial(prefix: str) -> str:
    body = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))
    return f"{prefix}-{body[:5]}-{body[5:]}"


def live_letter(delegate_id: int) -> VisaLetter | None:
    return db.session.scalars(db.select(VisaLetter).where(
        VisaLetter.delegate_id == delegate_id, VisaLetter.status.in_(LIVE))).first()


def _latest_revoked(delegate_id: int) -> VisaLetter | None:
    return db.session.scalars(db.select(VisaLetter).where(
        VisaLetter.delegate_id == delegate_id, VisaLetter.status == "revoked", VisaLetter.serial.is_not(None))
        .order_by(VisaLetter.id.desc()).limit(1)).first()


def summit_today(summit: Summit) -> date:
    return utcnow().astimezone(ZoneInfo(summit.timezone)).date()


def refuse_after_deadline(summit: Summit, language: str = "en") -> None:
    """LetterDeadlinePassed (a field error on visa_letter naming the contact) once the deadline is past."""
    host = letter_host(summit)
    if host.request_deadline is not None and summit_today(summit) > host.request_deadline:
        message = _l("Invitation letters could be requested until %(date)s. Please contact %(contact)s.",
                     date=host.request_deadline.isoformat(), contact=host.contact(language))
        raise LetterDeadlinePassed({"visa_letter": [message]}, "the deadline for visa letters has passed")


def check_deadline(summit: Summit, request: PassportRequest | None, delegate: Delegate | None = None,
                   language: str = "en") -> None:
    """A new request for a letter after the deadline is refused; one already made stands."""
    if request is None or not request.wants_letter:
        return
    if delegate is not None and live_letter(delegate.id) is not None:
        return
    refuse_after_deadline(summit, language)


def apply_request(delegate: Delegate, request: PassportRequest | None, *,
                  given_by: str = "delegate") -> VisaLetter | None:
    """Store the passport and the letter request (the caller's transaction, after check_deadline).

    A passport stored records the sensitive-data consent it was given under (read_request asked for it),
    unless one is in force already; ``given_by``: "focal_point" for a delegation's member.
    """
    if request is None:
        return live_letter(delegate.id)
    if request.passport is not None and not consents.in_force(delegate.id, consents.SENSITIVE):
        consents.give(db.session.get(Summit, delegate.summit_id), given_by, (delegate.id, consents.SENSITIVE))
    changed = store_passport(delegate, request.passport) if request.passport is not None else False
    db.session.flush()
    letter = live_letter(delegate.id)
    if changed and letter is not None and letter.status != "requested":
        # the letter names the old passport: an embassy must not take it any more
        revoke(letter, "passport_changed")
        letter = _new_request(delegate)
    elif request.wants_letter and letter is None:
        letter = _new_request(delegate)
    return issue_if_due(delegate) or letter


def _new_request(delegate: Delegate) -> VisaLetter:
    previous = _latest_revoked(delegate.id)
    letter = VisaLetter(summit_id=delegate.summit_id, delegate_id=delegate.id, status="requested",
                        requested_at=utcnow(), replaces_id=previous.id if previous else None)
    db.session.add(letter)
    db.session.flush()
    return letter


def revoke(letter: VisaLetter, reason: str) -> None:
    letter.status = "revoked"
    letter.revoked_at = utcnow()
    letter.revoked_reason = reason
    db.session.flush()  # before a new live letter: the unique index sees one at a time


def issue_if_due(delegate: Delegate) -> VisaLetter | None:
    """Issue the requested letter of an approved, registered delegate with a passport; None if not due."""
    letter = live_letter(delegate.id)
    if letter is None or letter.status != "requested":
        return None
    if delegate.status != DelegateStatus.REGISTERED or not admitted(delegate):
        return None
    passport = passport_of(delegate.id)
    if passport is None:
        return None
    host = letter_host(db.session.get(Summit, delegate.summit_id))
    letter.serial = new_serial(host.serial_prefix)
    letter.status = "reissued" if letter.replaces_id is not None else "issued"
    letter.issued_at = utcnow()
    letter.name, letter.nationality = passport.name, passport.nationality
    letter.number_last4 = passport.number[-4:]
    letter.stay_from, letter.stay_to = host.stay_from, host.stay_to
    db.session.flush()
    return letter


def follow_decision(delegate: Delegate) -> None:
    """After an accreditation decision (same transaction): approval issues, rejection revokes and re-asks."""
    if admitted(delegate):
        issue_if_due(delegate)
        return
    letter = live_letter(delegate.id)
    if letter is not None and letter.status != "requested":
        revoke(letter, "rejected")
        _new_request(delegate)  # approved after all, they get a new letter (reissued)


def follow_cancellation(delegate: Delegate) -> None:
    letter = live_letter(delegate.id)
    if letter is not None:
        revoke(letter, "cancelled")


def forget_passport(delegate: Delegate, reason: str) -> bool:
    """The sensitive-data consent was withdrawn (the caller's transaction, the delegate locked): the passport
    is deleted and the letter that names it revoked (an embassy asking is told so). True if one was held."""
    row = db.session.get(Passport, delegate.id)
    letter = live_letter(delegate.id)
    if letter is not None:
        revoke(letter, reason)
    if row is None:
        return letter is not None
    db.session.delete(row)
    db.session.flush()
    return True


def _lock_delegate(delegate_id: int) -> Delegate:
    """The registered delegate, locked to the end of the writing() block: their letter changes take turns
    (two downloads at once must not issue two serials, the second overwriting the one the first printed)."""
    delegate = db.session.scalars(
        update(Delegate).where(Delegate.id == delegate_id, Delegate.status == DelegateStatus.REGISTERED)
        .values(updated_at=utcnow()).returning(Delegate),
        execution_options={"populate_existing": True, "synchronize_session": False}).first()
    if delegate is None:
        raise NotFound("no such registration", code="unknown_token")
    return delegate


def letter_to_download(delegate: Delegate) -> VisaLetter:
    """The delegate's current letter, issued now if due; NoLetter (404) if none was asked for,
    NotAccredited (409 not_accredited) before approval."""
    letter = live_letter(delegate.id)
    if letter is None:
        raise NoLetter("no visa letter was asked for")
    if not admitted(delegate):
        raise NotAccredited([delegate])
    if letter.status == "requested":
        delegate_id = delegate.id
        with writing(keep_state=True):
            delegate = _lock_delegate(delegate_id)
            letter = issue_if_due(delegate) or live_letter(delegate_id)
        if letter is None or letter.status == "requested":
            raise NoLetter("the passport details are missing")
    return letter


def change_request(delegate: Delegate, data: dict, *, language: str = "en",
                   by_focal_point: bool = False) -> VisaLetter | None:
    """The delegate (their page, the API) or their focal point asks for a letter, gives or corrects the
    passport, or withdraws the request (``visa_letter: false`` without a passport). Returns the live letter.

    A changed passport revokes an issued letter and asks for a new one (reissued once approved). A passport
    needs the sensitive-data consent (``sensitive_consent``) unless one is in force; a focal point gives it.
    """
    summit = db.session.get(Summit, delegate.summit_id)
    request, errors = read_request(summit, data, consent_needed=not by_focal_point,
                                   holds_consent=consents.in_force(delegate.id, consents.SENSITIVE))
    if errors:
        raise ValidationFailed(errors, "some fields need attention")
    if request is None or "visa_letter" not in data:
        raise ValidationFailed({"visa_letter": [_l("This field is required.")]}, "nothing to change")
    delegate_id = delegate.id
    with writing(keep_state=True):
        delegate = _lock_delegate(delegate_id)
        if not request.wants_letter and request.passport is None:
            letter = live_letter(delegate_id)
            if letter is not None:
                revoke(letter, "withdrawn")
            return None
        check_deadline(summit, request, delegate, language)
        return apply_request(delegate, request, given_by="focal_point" if by_focal_point else "delegate")


@dataclass(frozen=True)
class Verification:
    """What the public verify page may reveal of a letter, and nothing more."""

    serial: str
    status: str
    name: str
    nationality: str
    number_masked: str
    stay_from: date
    stay_to: date
    issued_on: date

    @property
    def revoked(self) -> bool:
        return self.status == "revoked"


def verify(serial: str) -> Verification | None:
    """The letter named by ``serial``, or None for an unknown serial and a forged one alike."""
    if not isinstance(serial, str) or not 1 <= len(serial) <= SERIAL_MAX:
        return None
    letter = db.session.scalars(db.select(VisaLetter).where(VisaLetter.serial == serial.strip().upper())).first()
    if letter is None or letter.issued_at is None:
        return None
    return Verification(serial=letter.serial, status=letter.status, name=letter.name,
                        nationality=letter.nationality, number_masked="****" + letter.number_last4,
                        stay_from=letter.stay_from, stay_to=letter.stay_to, issued_on=letter.issued_at.date())


def shown(letter: VisaLetter | None) -> dict | None:
    """The letter in a registration body: its status and serial (never the passport number)."""
    if letter is None:
        return None
    return {"status": letter.status, "serial": letter.serial,
            "issued_at": letter.issued_at.isoformat() if letter.issued_at else None}


def data_copy_part(delegate_id: int, moment) -> dict:
    """The visa part of the delegate's own data copy (services/privacy/data_copy.py): the passport as every
    page shows it (the number masked) and each letter with its status history, oldest first.
    ``moment(value)``: how the copy writes a time (ISO 8601 in the summit's zone)."""
    from .passports import shown as shown_passport

    rows = db.session.scalars(db.select(VisaLetter).where(VisaLetter.delegate_id == delegate_id)
                              .order_by(VisaLetter.requested_at, VisaLetter.id)).all()
    serials = {row.id: row.serial for row in rows}

    def history(row: VisaLetter) -> list[dict]:
        steps = [{"status": "requested", "at": moment(row.requested_at)}]
        if row.issued_at is not None:
            steps.append({"status": "reissued" if row.replaces_id is not None else "issued",
                          "at": moment(row.issued_at)})
        if row.revoked_at is not None:
            steps.append({"status": "revoked", "at": moment(row.revoked_at), "reason": row.revoked_reason})
        return steps

    return {"passport": shown_passport(passport_of(delegate_id)),
            "letters": [{"serial": row.serial, "status": row.status, "history": history(row),
                         "replaces": serials.get(row.replaces_id)} for row in rows]}
