"""Delegations: a country's or organisation's party, sent in by its focal point through a secret link."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..plumbing.extensions import db
from .types import UTCDateTime, utcnow

#: lengths the console form, the API and the service agree on
DELEGATION_NAME_MAX = 200
FOCAL_NAME_MAX = 200
#: the most places one delegation may have (a whole summit's worth)
DELEGATION_PLACES_MAX = 10_000


class Delegation(db.Model):
    """A delegation and its places.

    ``members_live`` counts its live members (whatever their accreditation), kept by
    services/accreditation/delegation_places.py in the same transaction as the member rows: one
    conditional UPDATE takes a place (``members_live < places``), and the CHECKs below are the
    last line against overbooking, as a route's ``confirmed`` is.
    """

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summit.id", ondelete="CASCADE"))
    name_zh: Mapped[str] = mapped_column(String(DELEGATION_NAME_MAX))
    name_en: Mapped[str] = mapped_column(String(DELEGATION_NAME_MAX))
    #: ISO 3166-1 alpha-2
    country: Mapped[str] = mapped_column(String(2))
    focal_name: Mapped[str] = mapped_column(String(FOCAL_NAME_MAX))
    #: stored lower-cased, as delegates' emails are
    focal_email: Mapped[str] = mapped_column(String(254))
    #: the language of the focal point's mails after the bilingual invitation ("zh" or "en")
    focal_language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
    places: Mapped[int] = mapped_column(default=0)
    members_live: Mapped[int] = mapped_column(default=0, server_default="0")
    #: sha256 of the focal point's secret; the secret itself is only in the invitation link
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: set when an organiser revokes the link (a reissue clears it with a new secret)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("places >= 0", name="places_non_negative"),
        CheckConstraint("members_live >= 0", name="members_non_negative"),
        CheckConstraint("members_live <= places", name="never_overfilled"),
        CheckConstraint("length(country) = 2", name="country_alpha2"),
        CheckConstraint("focal_language IN ('zh','en')", name="focal_language_known"),
        CheckConstraint("focal_email = lower(focal_email)", name="focal_email_lower"),
        Index("ix_delegation_summit", "summit_id"),
    )
