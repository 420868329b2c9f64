"""Delegates and their place on a technical-visit route."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..plumbing.extensions import db
from .labels import Accreditation, BookingStatus, DelegateCategory, DelegateStatus, NameOrder
from .summit import DEFAULT_PROTOCOL_LEVEL
from .types import PERSONAL, EncryptedText, UTCDateTime, utcnow

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
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="", server_default="", info=PERSONAL)
    given_name: Mapped[str] = mapped_column(String(NAME_MAX), info=PERSONAL)
    #: a NameOrder: whether the family name is written first ("ZHANG Wei"); defaulted at registration from the
    #: country or the native name's script (services/registration/names.py), changeable by the delegate and organisers
    name_order: Mapped[str] = mapped_column(String(12), default=NameOrder.GIVEN_FIRST.value,
                                            server_default=NameOrder.GIVEN_FIRST.value)
    family_name: Mapped[str] = mapped_column(String(NAME_MAX), info=PERSONAL)
    #: the name in the delegate's own script, any Unicode (NFC)
    native_name: Mapped[str] = mapped_column(String(NATIVE_NAME_MAX), default="", info=PERSONAL)
    #: stored lower-cased, so uniqueness is case-insensitive on every database
    #: erased to ``erased-<id>@invalid`` (lower case, unique, undeliverable: RFC 2606's .invalid)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), info=PERSONAL)
    organisation: Mapped[str] = mapped_column(String(ORGANISATION_MAX), info=PERSONAL)
    job_title: Mapped[str] = mapped_column(String(JOB_TITLE_MAX), default="", info=PERSONAL)
    #: ISO 3166-1 alpha-2
    country: Mapped[str] = mapped_column(String(2))
    category: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(PHONE_MAX), default="", info=PERSONAL)
    banquet: Mapped[bool] = mapped_column(default=False)
    #: sensitive personal information (health): encrypted at rest; SQL can tell only empty from given
    dietary_needs: Mapped[str] = mapped_column(EncryptedText, default="", info=PERSONAL)
    accessibility_needs: Mapped[str] = mapped_column(EncryptedText, default="", info=PERSONAL)
    language: Mapped[str] = mapped_column(String(2), default="en")
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: sha256 of the self-service secret; the secret itself is only ever in the delegate's link
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: sha256 of a new manage secret mailed on a lost-link request and not yet opened; opening it
    #: (services/registration/new_links.py) makes it manage_token_hash, so until then the working link keeps working
    pending_manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, info=PERSONAL)
    #: when the pending secret stops being usable (set and cleared with it)
    pending_manage_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=PERSONAL)
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
    #: the badge's code signs (summit, delegate, badge_version); a reissue bumps it, revoking every older badge
    badge_version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: when the current badge was reissued (None: the first badge is the current one)
    badge_reissued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the personal data was erased (on request or past retention): the row is then an anonymous count
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: the delegate's place: confirmed, or in line (the row without keeps_place)
    booking: Mapped["RouteBooking | None"] = relationship(
        back_populates="delegate", uselist=False, passive_deletes=True,
        primaryjoin="and_(Delegate.id == RouteBooking.delegate_id, RouteBooking.keeps_place.is_(False))",
    )
    #: a place in line for a full route, waited for while keeping ``booking`` (confirmed) until promoted
    waiting: Mapped["RouteBooking | None"] = relationship(
        uselist=False, viewonly=True,
        primaryjoin="and_(Delegate.id == RouteBooking.delegate_id, RouteBooking.keeps_place.is_(True))",
    )

    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint(DelegateStatus.sql_in("status"), name="status_known"),
        CheckConstraint(DelegateCategory.sql_in("category"), name="category_known"),
        CheckConstraint(Accreditation.sql_in("accreditation"), name="accreditation_known"),
        CheckConstraint(NameOrder.sql_in("name_order"), name="name_order_known"),
        ForeignKeyConstraint(["summit_id", "protocol_level"], ["protocol_level.summit_id", "protocol_level.code"],
                             name="fk_delegate_protocol_level", ondelete="RESTRICT"),
        CheckConstraint("language IN ('zh','en')", name="language_known"),
        CheckConstraint("length(country) = 2", name="country_alpha2"),
        CheckConstraint("badge_print_count >= 0", name="print_count_non_negative"),
        CheckConstraint("badge_version >= 1", name="badge_version_positive"),
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
    def display_name(self) -> str:
        """The name as badges, the console, the desk and the exports write it: in the delegate's order, the
        family name in capitals ("ZHANG Wei", "Wei ZHANG", "Ada LOVELACE"); mails use addressed_name.

        Capitals on the family name whichever order (the UN's and most protocol offices' lists do the same):
        a reader who does not know the custom of the delegate's country still sees which part is the family
        name, so "Mr Zhang" and an alphabetical list by family name come out right.
        """
        return display_name(self.given_name, self.family_name, self.name_order)

    @property
    def formal_name(self) -> str:
        """The display name after the honorific, as a badge prints it ("H.E. ZHANG Wei")."""
        return " ".join(part for part in ((self.title or "").strip(), self.display_name) if part)

    @property
    def full_name(self) -> str:
        """The name in the delegate's order as they typed it ("Zhang Wei", "Ada Lovelace"): prose, such as a letter."""
        return display_name(self.given_name, self.family_name, self.name_order, capitals=False)

    @property
    def addressed_name(self) -> str:
        """What a letter or mail calls the delegate: the honorific and the name in their order ("H.E. Zhang Wei").

        Capitals mark the family name in lists and on badges, where readers scan for it; a letter to the
        delegate writes the name as they do, in the same order."""
        return " ".join(part for part in ((self.title or "").strip(), self.full_name) if part)


def display_name(given: str | None, family: str | None, order: str | None, *, capitals: bool = True) -> str:
    """Given and family name in ``order`` (a NameOrder; anything else is given first), the family name in capitals."""
    given, family = (given or "").strip(), (family or "").strip()
    if capitals:
        family = family.upper()
    parts = (family, given) if order == NameOrder.FAMILY_FIRST else (given, family)
    return " ".join(part for part in parts if part)


class RouteBooking(db.Model):
    """A delegate's place on a route: confirmed, or waiting in line.

    At most one place per delegate: a delegate holds one route.  Besides it, a delegate whose place is
    confirmed may wait in line for another, full route while keeping that place (``keeps_place``: a second
    row, always waitlisted); when promoted, the two swap in one transaction (services/visits/capacity.py).
    The waiting line is ordered by id, i.e. by when the delegate joined it, both kinds of row alike.
    """

    __tablename__ = "route_booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"))
    route_id: Mapped[int] = mapped_column(ForeignKey("visit_route.id", ondelete="RESTRICT"))
    #: a BookingStatus
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a place in line that leaves the delegate's confirmed place on another route in place until promoted
    keeps_place: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    delegate: Mapped[Delegate] = relationship(
        back_populates="booking",
        primaryjoin="Delegate.id == RouteBooking.delegate_id")
    route = relationship("VisitRoute")

    #: not stored: on a booking just promoted, the route whose place its delegate gave up in the swap
    released_route = None

    __table_args__ = (
        CheckConstraint(BookingStatus.sql_in("status"), name="status_known"),
        # one place, and at most one place in line kept beside it
        UniqueConstraint("delegate_id", "keeps_place", name="uq_route_booking_delegate_keeps_place"),
        CheckConstraint(f"NOT keeps_place OR status = '{BookingStatus.WAITLISTED.value}'",
                        name="kept_place_waits"),
        Index("ix_route_booking_route_status", "route_id", "status", "id"),
    )
