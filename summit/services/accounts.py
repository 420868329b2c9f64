"""Console accounts, password login with throttling, and API tokens."""
from __future__ import annotations

from datetime import timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import ROLES, ApiToken, ConsoleUser, utcnow
from .errors import Conflict, NotFound, ServiceError, ValidationFailed
from .secrets import new_token, token_hash

MIN_PASSWORD_LENGTH = 10
#: after this many wrong passwords in a row the account waits LOCK_MINUTES
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15


class LoginLocked(ServiceError):
    code = "login_locked"
    status = 429


class BadCredentials(ServiceError):
    code = "bad_credentials"
    status = 401


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def save_user(email: str, role: str, password: str) -> ConsoleUser:
    """Create the account, or update its role and password if it exists."""
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = ["not an email address"]
    if role not in ROLES:
        errors["role"] = [f"one of {', '.join(ROLES)}"]
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"at least {MIN_PASSWORD_LENGTH} characters"]
    if errors:
        raise ValidationFailed(errors)
    user = db.session.scalars(db.select(ConsoleUser).where(ConsoleUser.email == email)).first()
    if user is None:
        user = ConsoleUser(email=email)
        db.session.add(user)
    user.role = role
    user.password_hash = generate_password_hash(password)
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> ConsoleUser:
    """The account for these credentials; counts failures and locks after too many."""
    user = db.session.scalars(
        db.select(ConsoleUser).where(ConsoleUser.email == normalise_email(email))).first()
    now = utcnow()
    if user is not None and user.locked_until and user.locked_until > now:
        raise LoginLocked("too many failed attempts", retry_after=int((user.locked_until - now).total_seconds()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password or ""):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
            db.session.commit()
        raise BadCredentials("wrong email or password")
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user


def issue_token(email: str, label: str = "") -> tuple[ApiToken, str]:
    """A new API token for the account: (row, the token itself, shown this once)."""
    user = db.session.scalars(
        db.select(ConsoleUser).where(ConsoleUser.email == normalise_email(email))).first()
    if user is None:
        raise NotFound(f"no console account {email}", code="unknown_user")
    token = new_token()
    row = ApiToken(user=user, token_hash=token_hash(token), label=label[:100])
    db.session.add(row)
    db.session.commit()
    return row, token


def revoke_token(token_id: int, user: ConsoleUser | None = None) -> ApiToken:
    row = db.session.get(ApiToken, token_id)
    if row is None or (user is not None and row.user_id != user.id and user.role != "organiser"):
        raise NotFound("no such token")
    if row.revoked_at is not None:
        raise Conflict("token already revoked", code="already_revoked")
    row.revoked_at = utcnow()
    db.session.commit()
    return row


def user_for_token(token: str) -> ConsoleUser | None:
    """The active account behind a live API token, or None."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalars(db.select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = utcnow()
    # Touch at most once a minute: a scanner at the door must not write on every scan.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
        db.session.commit()
    return row.user
