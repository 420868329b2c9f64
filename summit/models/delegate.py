"""Delegates and their place on a technical-visit route."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..plumbing.extensions import db
from .labels import Accreditation, BookingStatus, DelegateCategory, DelegateStatus
from .summit import DEFAULT_PROTOCOL_LEVEL
from .types import UTCDateTime, utcnow

CATEGORIES = DelegateCategory.values()
LANGUAGES = ("zh", "en")

# Lengths the form, the API and the badge layout all agree on.
NAME_MAX = 100
NATIVE_NAME_MAX = 100
EMAIL_MAX = 254
ORGANISATION_MAX = 200
JOB_TITLE_MAX = 150
NEEDS_MAX = 500
PHONE_MAX = 40
#: an honorific such as "H.E." or "Prof."
TITLE_MAX = 40

#: the partial index's condition, as the migration wrote it
_LIVE = f"status = '{DelegateStatus.REGISTERED.value}'"


class Delegate(db.Model):
    __tablename__ = "delegate"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    #: a DelegateStatus; a cancelled row is kept for the organisers' record
    status: Mapped[str] = mapped_column(String(12), default=DelegateStatus.REGISTERED.value)
    #: an Accreditation, separate from status: whether the organisers admit the delegate
    accreditation: Mapped[str] = mapped_column(String(12), default=Accreditation.APPROVED.value,
                                               server_default=Accreditation.APPROVED.value)
    #: a code of the summit's protocol levels (the composite foreign key below)
    protocol_level: Mapped[str] = mapped_column(String(32), default=DEFAULT_PROTOCOL_LEVEL,
                                                server_default=DEFAULT_PROTOCOL_LEVEL)
    #: honorific printed before the name ("H.E.", "Dr"); may be empty
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="", server_default="")
    given_name: Mapped[str] = mapped_column(String(NAME_MAX))
    family_name: Mapped[str] = mapped_column(String(NAME_MAX))
    #: the name in the delegate's own script, any Unicode (NFC)
    native_name: Mapped[str] = mapped_column(String(NATIVE_NAME_MAX), default="")
    #: stored lower-cased, so uniqueness is case-insensitive on every database
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    organisation: Mapped[str] = mapped_column(String(ORGANISATION_MAX))
    job_title: Mapped[str] = mapped_column(String(JOB_TITLE_MAX), default="")
    #: ISO 3166-1 alpha-2
    country: Mapped[str] = mapped_column(String(2))
    category: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(PHONE_MAX), default="")
    banquet: Mapped[bool] = mapped_column(default=False)
    dietary_needs: Mapped[str] = mapped_column(Text, default="")
    accessibility_needs: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2), default="en")
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: sha256 of the self-service secret; the secret itself is only ever in the delegate's link
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: sha256 of a new manage secret mailed on a lost-link request and not yet opened; opening it
    #: (services/registration/new_links.py) makes it manage_token_hash, so until then the working link keeps working
    pending_manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: when the pending secret stops being usable (set and cleared with it)
    pending_manage_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the calendar feed URL is a signed (delegate id, version); bumping the version revokes it
    calendar_token_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_user.id", ondelete="SET NULL"))
    #: the delegation that sent the delegate in (services/accreditation/delegations.py); None: came alone.
    #: SET NULL: a delegation is revoked, never deleted, by the app; if an operator deletes one, its
    #: members keep their registrations and places, as individual delegates
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id", ondelete="SET NULL"))
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    badge_print_count: Mapped[int] = mapped_column(default=0)

    booking: Mapped["RouteBooking | None"] = relationship(
        back_populates="delegate", uselist=False, passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint(DelegateStatus.sql_in("status"), name="status_known"),
        CheckConstraint(DelegateCategory.sql_in("category"), name="category_known"),
        CheckConstraint(Accreditation.sql_in("accreditation"), name="accreditation_known"),
        ForeignKeyConstraint(["summit_id", "protocol_level"], ["protocol_level.summit_id", "protocol_level.code"],
                             name="fk_delegate_protocol_level", ondelete="RESTRICT"),
        CheckConstraint("language IN ('zh','en')", name="language_known"),
        CheckConstraint("length(country) = 2", name="country_alpha2"),
        CheckConstraint("badge_print_count >= 0", name="print_count_non_negative"),
        CheckConstraint("(pending_manage_token_hash IS NULL) = (pending_manage_token_expires_at IS NULL)",
                        name="pending_manage_token_expires"),
        # One live registration per email and summit; a cancelled one may register again.
        Index(
            "uq_delegate_live_email", "summit_id", "email", unique=True,
            sqlite_where=text(_LIVE), postgresql_where=text(_LIVE),
        ),
        Index("ix_delegate_summit_family", "summit_id", "family_name"),
        # The console's filters and sort orders at 10,000 delegates (see services/registration/search.py).
        Index("ix_delegate_summit_status_created", "summit_id", "status", "created_at"),
        Index("ix_delegate_summit_country", "summit_id", "country"),
        Index("ix_delegate_summit_category", "summit_id", "category"),
        Index("ix_delegate_summit_organisation", "summit_id", "organisation"),
        Index("ix_delegate_summit_accreditation", "summit_id", "accreditation"),
        Index("ix_delegate_delegation", "delegation_id"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class RouteBooking(db.Model):
    """A delegate's place on a route: confirmed, or waiting in line.

    At most one per delegate (the unique delegate_id): a delegate holds one route.
    The waiting line is ordered by id, i.e. by when the delegate joined it.
    """

    __tablename__ = "route_booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(
        ForeignKey("delegate.id", ondelete="CASCADE"), unique=True
    )
    route_id: Mapped[int] = mapped_column(ForeignKey("visit_route.id", ondelete="RESTRICT"))
    #: a BookingStatus
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    delegate: Mapped[Delegate] = relationship(back_populates="booking")
    route = relationship("VisitRoute")

    __table_args__ = (
        CheckConstraint(BookingStatus.sql_in("status"), name="status_known"),
        Index("ix_route_booking_route_status", "route_id", "status", "id"),
    )
