"""Console accounts, their API tokens, and the audit trail of what they changed."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..plumbing.extensions import db
from .labels import Role
from .types import UTCDateTime, utcnow

#: lowest first (see Role)
ROLES = Role.values()


class ConsoleUser(UserMixin, db.Model):
    __tablename__ = "console_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: werkzeug scrypt hash
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    #: part of the signed session cookie's user id (get_id); the user loader refuses a cookie with
    #: another one, so raising it ends every session of the account at once (sign-out, a new
    #: password, disabling: services/accounts.end_sessions)
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")

    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint(Role.sql_in("role"), name="role_known"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """Flask-Login's session identity: "<id>:<session version>" (see auth.load_user)."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, role: str) -> bool:
        """Organisers can do everything staff can."""
        return Role(self.role).includes(role)


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_user.id", ondelete="CASCADE"))
    #: sha256 of the token; the token itself is shown once, at creation
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[ConsoleUser] = relationship(back_populates="tokens")


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: NULL for the delegate's own self-service actions and for the command line
    user_id: Mapped[int | None] = mapped_column(ForeignKey("console_user.id", ondelete="SET NULL"))
    #: e.g. "programme_item.update", "visit_route.capacity", "delegate.move"
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    #: {"field": [old, new], …}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    user = relationship(ConsoleUser)

    __table_args__ = (
        Index("ix_audit_entry_entity", "entity", "entity_id"),
        Index("ix_audit_entry_at", "at"),  # the audit page lists newest first
    )
