"""A delegate who lost their manage link asks for a new one by email.

Anyone can type anyone's email, so a request changes nothing the delegate relies on: it mails a new
secret and stores its hash as *pending*, and the working link keeps working.  The new secret becomes
the manage secret only when the delegate opens it and confirms on its page (a POST: a mail scanner
that fetches every link opens nothing), and only then does the old link stop working.

- One link waits at a time: a newer request replaces an older one not yet opened (only the newest
  mail works; the mail says so).  Someone who keeps asking can only make the delegate use a newer
  mail, and the requests are rate-limited per address and per email (web/selfservice.py).
- A pending link expires ``NEW_LINK_LIFETIME`` after the request.
- The request does the same work whether or not the email is registered: one
  ``UPDATE … RETURNING`` that matches a row or none, in a write transaction, then a commit that
  does not wait for the disk.  So neither the answer nor its timing tells who is registered
  (tests/registration/test_lost_link.py measures it).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text, update

from ...plumbing.database import writing
from ...plumbing.extensions import db
from ...models import Delegate, utcnow
from ...models.labels import DelegateStatus
from . import delegates as registration
from .delegate_input import clean_delegate
from ...plumbing.errors import NotFound, ServiceError, ValidationFailed
from ...plumbing.secrets import new_token, token_hash

#: how long a mailed link can still be opened
NEW_LINK_LIFETIME = timedelta(hours=24)

#: longer than any secret we hand out; a longer "token" is no secret of ours (and is not hashed)
_TOKEN_MAX = 200


class NewLinkExpired(ServiceError):
    code = "link_expired"
    status = 410


def lookup_email(raw) -> str:
    """The email as registrations store it (the registration rules' own normalisation).

    Raises ValidationFailed for a blank or malformed address, so it is refused in the asker's
    language rather than looked up.
    """
    cleaned = clean_delegate({"email": raw if isinstance(raw, str) else ""}, partial=True)
    if cleaned.errors:
        raise ValidationFailed(cleaned.errors)
    return cleaned.values["email"]


def request_new_link(summit_id: int, email: str) -> tuple[Delegate, str] | None:
    """Mail-ready (delegate, new secret) for a registered ``email``, or None; see the module's rules.

    ``email`` as ``lookup_email`` gives it.  The pending secret replaces any older pending one.
    """
    token = new_token()
    # SQLite: the write lock before the statement, so parallel requests queue
    with writing(keep_state=True):
        _commit_without_waiting_for_the_disk()
        delegate = db.session.scalars(
            update(Delegate)
            .where(Delegate.summit_id == summit_id, Delegate.email == email,
                   Delegate.status == DelegateStatus.REGISTERED)
            .values(pending_manage_token_hash=token_hash(token),
                    pending_manage_token_expires_at=utcnow() + NEW_LINK_LIFETIME)
            .returning(Delegate),
            execution_options={"populate_existing": True, "synchronize_session": False},
        ).first()
    return (delegate, token) if delegate is not None else None


def _commit_without_waiting_for_the_disk() -> None:
    """PostgreSQL: this transaction's commit does not wait for its WAL to reach the disk.

    A commit that wrote waits for a flush (about a millisecond, far more on a busy disk) and one that
    wrote nothing does not: that wait alone would tell a registered email from an unknown one.  The
    cost is small: after a crash in the next fraction of a second the pending link may be lost, and
    the delegate asks again; the working link is untouched either way.  (SQLite in WAL mode with
    synchronous=NORMAL does not sync on commit at all.)
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _hash_of(token: str) -> str:
    if not token or len(token) > _TOKEN_MAX:
        raise NotFound("unknown or expired link", code="unknown_token")
    return token_hash(token)


def delegate_for_new_link(token: str) -> Delegate:
    """The registered delegate whose pending link this is; NewLinkExpired or NotFound otherwise."""
    delegate = db.session.scalars(db.select(Delegate).where(
        Delegate.pending_manage_token_hash == _hash_of(token), Delegate.status == DelegateStatus.REGISTERED)).first()
    if delegate is None:
        raise NotFound("unknown or expired link", code="unknown_token")
    if delegate.pending_manage_token_expires_at <= utcnow():
        raise NewLinkExpired("this link has expired")
    return delegate


def open_new_link(token: str) -> tuple[Delegate, bool]:
    """Make a pending link the delegate's manage secret: the old link stops working now.

    Returns (delegate, opened_now).  A link already opened (a second click, another tab) is simply
    the manage link: (delegate, False).  NewLinkExpired past its lifetime, NotFound otherwise.
    One ``UPDATE`` swaps the secrets, so two clicks at once cannot both open it.
    """
    hashed = _hash_of(token)
    now = utcnow()
    with writing(keep_state=True):
        delegate = db.session.scalars(
            update(Delegate)
            .where(Delegate.pending_manage_token_hash == hashed, Delegate.status == DelegateStatus.REGISTERED,
                   Delegate.pending_manage_token_expires_at > now)
            .values(manage_token_hash=hashed, pending_manage_token_hash=None,
                    pending_manage_token_expires_at=None, updated_at=now)
            .returning(Delegate),
            execution_options={"populate_existing": True, "synchronize_session": False},
        ).first()
    if delegate is not None:
        return delegate, True
    try:
        return registration.delegate_for_manage_token(token), False
    except NotFound:
        pass
    delegate_for_new_link(token)  # raises NewLinkExpired, or NotFound: not (or no longer) a link
    raise NotFound("unknown or expired link", code="unknown_token")
