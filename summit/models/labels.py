"""Every closed list of values the app stores, each value with its Chinese and English label.

One home, so that the database's CHECK constraints, the forms, the badges, the calendars and the
exports cannot disagree: each reads the value and its label from here.  The members are StrEnums, so
they compare equal to the plain strings the database hands back, and JSON, CSV and templates see
plain strings.  The labels are lazy_gettext with the English msgids the catalogs already hold (their
Chinese is in summit/translations), resolved when a page, a feed or a badge turns them into text.
"""
from __future__ import annotations

from enum import StrEnum

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

#: the most places a route can have: the console's form, the API and the capacity rule all stop here
MAX_CAPACITY = 100_000


class Labelled(StrEnum):
    """A StrEnum whose members carry a translatable label: ``Member = "value", _l("Label")``."""

    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self):
        """The label in the current language (a lazy string: it is translated when shown)."""
        return self._label

    def label_in(self, language: str) -> str:
        """The label in ``language`` whatever the page's: a badge prints both, a feed its delegate's."""
        with force_locale(language):
            return str(self._label)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)

    @classmethod
    def labels(cls) -> dict[str, object]:
        """value → lazy label, in the enum's order (form choices, chart bars)."""
        return {member.value: member.label for member in cls}

    @classmethod
    def known(cls, value) -> "Labelled | None":
        try:
            return cls(value)
        except ValueError:
            return None

    @classmethod
    def sql_in(cls, column: str) -> str:
        """The CHECK constraint's text, e.g. ``status IN ('registered','cancelled')``.

        Written out as text, exactly as the migrations created it, so the schema does not change.
        """
        return f"{column} IN ({','.join(repr(member.value) for member in cls)})"


class DelegateStatus(Labelled):
    """A registration: live, or cancelled (the row is kept for the organisers' record)."""

    REGISTERED = "registered", _l("Registered")
    CANCELLED = "cancelled", _l("Cancelled")


class Accreditation(Labelled):
    """Whether the organisers admit a delegate: separate from live/cancelled (DelegateStatus)."""

    PENDING = "pending", _l("Pending")
    APPROVED = "approved", _l("Approved")
    REJECTED = "rejected", _l("Rejected")


class RegistrationMode(Labelled):
    """Who may come: anyone at once, anyone after a decision, or only through a delegation."""

    OPEN = "open", _l("Open")
    APPROVAL = "approval", _l("Approval")
    INVITATION = "invitation", _l("Invitation only")


class NameOrder(Labelled):
    """How a delegate's Latin-script name is written: "Wei ZHANG" or, where that is the custom, "ZHANG Wei"."""

    GIVEN_FIRST = "given_first", _l("Given name first")
    FAMILY_FIRST = "family_first", _l("Family name first")


class BookingStatus(Labelled):
    """A delegate's place on a visit route: held, or waiting in line."""

    CONFIRMED = "confirmed", _l("confirmed")
    WAITLISTED = "waitlisted", _l("waiting list")


class DelegateCategory(Labelled):
    GOVERNMENT = "government", _l("Government")
    INTERNATIONAL_ORGANISATION = "international_organisation", _l("International organisation")
    ENTERPRISE = "enterprise", _l("Enterprise")
    ACADEMIA = "academia", _l("Academia & think tank")
    MEDIA = "media", _l("Media")
    OTHER = "other", _l("Other")

    @classmethod
    def of(cls, value) -> "DelegateCategory":
        """The category, or Other for a value no longer known (a badge always prints one)."""
        return cls.known(value) or cls.OTHER


class ProgrammeKind(Labelled):
    OPENING = "opening", _l("Opening")
    MINISTERIAL = "ministerial", _l("Ministerial")
    THEMATIC = "thematic", _l("Thematic session")
    BANQUET = "banquet", _l("Banquet")
    VISIT = "visit", _l("Technical visit")
    OTHER = "other", _l("Other")

    @classmethod
    def of(cls, value) -> "ProgrammeKind":
        return cls.known(value) or cls.OTHER


class Role(Labelled):
    """Console roles, lowest first: each role may do everything the ones before it may."""

    STAFF = "staff", _l("staff")
    ORGANISER = "organiser", _l("organiser")

    def includes(self, other: str) -> bool:
        roles = list(Role)
        return roles.index(self) >= roles.index(Role(other))


class ScanOutcome(Labelled):
    """What one scan at a door came to: every scan is kept in the scan history with one of these."""

    CHECKED_IN = "checked_in", _l("Checked in")
    ALREADY_CHECKED_IN = "already_checked_in", _l("Already checked in")
    NOT_ADMITTED = "not_admitted", _l("Not admitted to this zone")
    NOT_ACCREDITED = "not_accredited", _l("Not accredited")
    BADGE_REVOKED = "badge_revoked", _l("Revoked badge")
    UNKNOWN_CODE = "unknown_code", _l("Unknown code")
    INVALID_SCANNED_AT = "invalid_scanned_at", _l("Scan time out of range")


#: what the templates may name (web/templating.py makes them globals)
ENUMS = (DelegateStatus, Accreditation, RegistrationMode, NameOrder, BookingStatus, DelegateCategory, ProgrammeKind, Role, ScanOutcome)
