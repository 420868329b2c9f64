"""Console accounts, password sign-in with throttling, sessions, and API tokens.

Sign-in throttling counts password checks per account *and* client address, so nobody can lock
an organiser out by typing wrong passwords: the flood is refused at its own address while the
owner signs in from theirs.  A second, higher count per account (all addresses together) bounds
guessing from many addresses; the addresses the account recently signed in from are let past it,
so even that one is no lock-out lever against the owner's usual machine.  Each attempt is counted
*before* its password is checked, in one atomic statement (services/ops/rate_counters.py), so parallel
requests cannot slip more checks past the limit than it allows.

An unknown email, a disabled account and a wrong password all cost one password hash and get the
same answer, so neither the answer nor its timing says whether an account exists.
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ...plumbing.database import writing
from ...plumbing.extensions import client_key, db
from ...models import ROLES, ApiToken, ConsoleUser, utcnow
from ...models.labels import Role
from ..ops import rate_counters
from ...plumbing.errors import Conflict, NotFound, ServiceError, ValidationFailed
from ...plumbing.secrets import new_token, token_hash

MIN_PASSWORD_LENGTH = 10
#: an address the account signed in from is let past the per-account count for this long
TRUSTED_ADDRESS_SECONDS = 30 * 24 * 3600


class LoginThrottled(ServiceError):
    code = "login_throttled"
    status = 429


class BadCredentials(ServiceError):
    code = "bad_credentials"
    status = 401


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    """The one hasher and its parameters, for real passwords and the stand-in alike."""
    return generate_password_hash(password)


@cache
def _stand_in_hash() -> str:
    # Checked against when there is no account to check, so that path costs one hash too.
    return hash_password(secrets.token_urlsafe(24))


def save_user(email: str, role: str, password: str) -> ConsoleUser:
    """Create the account, or update its role and password if it exists (which ends its sessions)."""
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
    else:
        # A new password: a session opened with the old one (perhaps by whoever had it) ends.
        user.session_version = ConsoleUser.session_version + 1
    user.role = role
    user.password_hash = hash_password(password)
    user.active = True
    db.session.commit()
    return user


def disable_user(email: str) -> ConsoleUser:
    """The account can no longer sign in or use its tokens, and its open sessions end now."""
    user = db.session.scalars(
        db.select(ConsoleUser).where(ConsoleUser.email == normalise_email(email))).first()
    if user is None:
        raise NotFound(f"no console account {email}", code="unknown_user")
    user.active = False
    user.session_version = ConsoleUser.session_version + 1
    db.session.commit()
    return user


def end_sessions(user_id: int) -> None:
    """Sign the account out everywhere: every session cookie issued so far stops working.

    The session is a signed cookie the browser holds, so it cannot be deleted on the server;
    raising the version it names (ConsoleUser.get_id) makes auth.load_user refuse every copy.
    """
    db.session.execute(update(ConsoleUser).where(ConsoleUser.id == user_id).values(
        session_version=ConsoleUser.session_version + 1))
    db.session.commit()


def authenticate(email: str, password: str, client_address: str | None) -> ConsoleUser:
    """The account for these credentials, from this client address.

    Raises LoginThrottled (with ``retry_after`` seconds) when this account has had too many
    attempts from this address, or from everywhere, in the window; BadCredentials otherwise.
    """
    email = normalise_email(email)
    client = client_key(client_address)
    _count_attempt(email, client)
    user = db.session.scalars(db.select(ConsoleUser).where(ConsoleUser.email == email)).first()
    # One hash check on every path (the stand-in when there is no account), and only then the verdict.
    matches = check_password_hash(user.password_hash if user is not None else _stand_in_hash(), password or "")
    if user is None or not user.active or not matches:
        raise BadCredentials("wrong email or password")
    _trust_address(email, client)
    return user


def _attempt_counters(email: str, client: str) -> tuple[str, str, str]:
    # \x1f cannot occur in a normalised email or an address key, so the names cannot collide.
    return (f"login\x1f{email}\x1f{client}", f"login\x1f{email}", f"login-ok\x1f{email}\x1f{client}")


def _count_attempt(email: str, client: str) -> None:
    """Count this attempt, before its password is checked; raise LoginThrottled over a limit."""
    config = current_app.config
    window = config["LOGIN_WINDOW_SECONDS"]
    pair_name, account_name, trusted_name = _attempt_counters(email, client)
    with writing():
        refusal = pair = rate_counters.hit(db.session, pair_name, window)
        if pair.hits <= config["LOGIN_ATTEMPTS_PER_ADDRESS"]:
            # Only attempts within the per-address limit count for the account: one address
            # hammering away cannot use up everyone's allowance.
            account = rate_counters.hit(db.session, account_name, window)
            trusted = rate_counters.peek(db.session, trusted_name) is not None
            refusal = account if account.hits > config["LOGIN_ATTEMPTS_PER_ACCOUNT"] and not trusted else None
    if refusal is not None:
        raise LoginThrottled("too many sign-in attempts", retry_after=refusal.retry_after())


def _trust_address(email: str, client: str) -> None:
    """A successful sign-in: this address starts afresh, and is trusted past the per-account count."""
    pair_name, _, trusted_name = _attempt_counters(email, client)
    with writing():
        rate_counters.clear(db.session, pair_name)
        rate_counters.clear(db.session, trusted_name)
        rate_counters.hit(db.session, trusted_name, TRUSTED_ADDRESS_SECONDS)


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
    if row is None or (user is not None and row.user_id != user.id and user.role != Role.ORGANISER):
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
    # the account with it: one query on every API call, not two
    row = db.session.scalars(db.select(ApiToken).options(joinedload(ApiToken.user))
                             .where(ApiToken.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = utcnow()
    # Touch at most once a minute: a scanner at the door must not write on every scan.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        # As a writer from the start, and conditional: four scanners starting at once with one token all
        # see it stale; on SQLite a read transaction upgraded to write would fail "database is locked".
        user_id = row.user_id
        with writing():
            db.session.execute(
                update(ApiToken).where(ApiToken.id == row.id, (ApiToken.last_used_at.is_(None))
                                       | (ApiToken.last_used_at < now - timedelta(minutes=1)))
                .values(last_used_at=now).execution_options(synchronize_session=False))
        return db.session.get(ConsoleUser, user_id)
    return row.user
