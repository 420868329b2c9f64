"""Passports and visa invitation letters (services/travel/passports.py, letters.py).

Kept in their own tables, beside the delegate rather than on it: a passport is sensitive data a delegate
gives only when they ask for a letter, and a delegate has a history of letters (revoked, reissued).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..plumbing.extensions import db
from .types import PERSONAL, EncryptedText, UTCDateTime, utcnow

#: how long a passport number may be: ICAO 9303 has 9 characters, with room for the odd national format
PASSPORT_NUMBER_MIN = 4
PASSPORT_NUMBER_MAX = 24
PASSPORT_NAME_MAX = 100

#: requested (asked for, waiting for approval) → issued (a serial, downloadable) → revoked;
#: a letter that replaces a revoked one (the passport changed, or a rejected delegate was approved after all)
#: is reissued
VISA_LETTER_STATUSES = ("requested", "issued", "reissued", "revoked")
#: the statuses of a delegate's one current letter
LIVE_LETTER = "status IN ('requested','issued','reissued')"


class Passport(db.Model):
    """The passport a delegate gave for their invitation letter: one per delegate.

    Sensitive personal information (services/privacy/consents.py SENSITIVE_FIELDS "passport"): given under the
    sensitive-data consent, deleted when it is withdrawn; an erasure blanks every column (``info=PERSONAL``),
    so they are nullable, and a blanked row counts as no passport (services/travel/passports.passport_of).
    """

    __tablename__ = "passport"

    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"), primary_key=True)
    #: as typed; encrypted at rest (DATA_KEY), shown masked (the last 4) everywhere but on the letter itself
    number: Mapped[str | None] = mapped_column(EncryptedText, nullable=True, info=PERSONAL)
    #: ISO 3166-1 alpha-2
    nationality: Mapped[str | None] = mapped_column(String(2), nullable=True, info=PERSONAL)
    date_of_birth: Mapped[date | None] = mapped_column(Date, nullable=True, info=PERSONAL)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True, info=PERSONAL)
    #: the name as printed in the passport (Latin letters, as the machine-readable zone has it)
    name: Mapped[str | None] = mapped_column(String(PASSPORT_NAME_MAX), nullable=True, info=PERSONAL)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    delegate = relationship("Delegate")

    __table_args__ = (
        CheckConstraint("length(nationality) = 2", name="nationality_alpha2"),
        CheckConstraint("expires_on > date_of_birth", name="expires_after_birth"),
    )


class VisaLetter(db.Model):
    """One invitation letter: asked for, issued with a serial, revoked; a delegate has at most one live."""

    __tablename__ = "visa_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="requested")
    #: GSTF24-… (random, unguessable), given when issued; what the QR code's /verify/<serial> names
    serial: Mapped[str | None] = mapped_column(String(40), unique=True)
    #: what the verify page shows, fixed when issued (the passport may change later: the letter then is revoked)
    #: (personal: an erasure blanks them; the serial then verifies as revoked, naming nobody)
    name: Mapped[str] = mapped_column(String(PASSPORT_NAME_MAX), default="", info=PERSONAL)
    nationality: Mapped[str] = mapped_column(String(2), default="", info=PERSONAL)
    number_last4: Mapped[str] = mapped_column(String(4), default="", info=PERSONAL)
    stay_from: Mapped[date | None] = mapped_column(Date)
    stay_to: Mapped[date | None] = mapped_column(Date)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: rejected, cancelled, passport_changed, withdrawn
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    #: the revoked letter this one replaces
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("visa_letter.id", ondelete="SET NULL"))

    delegate = relationship("Delegate")

    __table_args__ = (
        CheckConstraint("status IN ('requested','issued','reissued','revoked')", name="status_known"),
        CheckConstraint("status NOT IN ('issued','reissued') OR (serial IS NOT NULL AND issued_at IS NOT NULL)",
                        name="issued_has_serial"),
        CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)", name="revoked_has_time"),
        # one current letter per delegate: a new one is made only once the old is revoked
        Index("uq_visa_letter_live_delegate", "delegate_id", unique=True,
              sqlite_where=text(LIVE_LETTER), postgresql_where=text(LIVE_LETTER)),
        Index("ix_visa_letter_summit_status", "summit_id", "status"),
    )


class LetterSettings(db.Model):
    """The host's letterhead, signatory, seal and rules for letters: the summit file's [letters], seeded once."""

    __tablename__ = "visa_letter_settings"

    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"), primary_key=True)
    #: the [letters] table as the file had it when seeded (services/travel/letter_settings.py reads it)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    seeded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
