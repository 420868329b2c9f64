"""The check-in code a badge's QR carries: (summit, delegate, badge version), HMAC-signed.

Signed rather than stored: the door can verify a code without a lookup table,
and nothing on the badge reveals the delegate's manage secret.  The salt keeps
a check-in code from ever validating as any other signed value of the app
(calendar URLs use their own), and SHA-256 makes the MAC 256 bits: a code
cannot be forged, and changing one character of it is detected.

The summit in the code makes a badge of one edition unknown at the next; the version makes a
reissued badge's old code recognisable as revoked (not merely unknown).  Codes printed before
versions existed sign the bare delegate id: they read as version 1 of that delegate, of whatever
summit the delegate belongs to.
"""
from __future__ import annotations

import hashlib
from typing import NamedTuple

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ...models import Delegate
from ...models.types import ID_MAX

SALT = "summit.checkin-code"
#: longer than any code we issue; anything bigger is refused before parsing
MAX_CODE_LENGTH = 200


class BadgeCode(NamedTuple):
    """What a genuine code names; ``summit_id`` None for a legacy code (the delegate's own summit)."""

    summit_id: int | None
    delegate_id: int
    version: int


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT,
                             signer_kwargs={"digest_method": hashlib.sha256})


def checkin_code(delegate: Delegate) -> str:
    """The code of the delegate's current badge."""
    return _serializer().dumps([delegate.summit_id, delegate.id, delegate.badge_version or 1])


def code_sha256(code: str) -> str:
    """What the roster carries and the door computes: the hex SHA-256 of the code's text."""
    return hashlib.sha256(code.encode()).hexdigest()


def _positive_int(value) -> bool:
    # bool is an int subclass; a signed True is not a delegate
    return type(value) is int and 0 < value <= ID_MAX


def read_code(code) -> BadgeCode | None:
    """What a genuine code names, or None for anything forged, altered, truncated or malformed.

    The length is checked before anything is parsed, so a 10,000-character "code" costs nothing.
    """
    if not isinstance(code, str):
        return None
    code = code.strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    serializer = _serializer()
    try:
        value = serializer.loads(code)
    except (BadSignature, ValueError, TypeError, UnicodeError):
        return None
    # Exactly the text we issue: base64 ignores the spare bits of its last character, so without this a
    # code with that character changed would still read (and hash differently from the roster's).
    if serializer.dumps(value) != code:
        return None
    if _positive_int(value):  # a badge printed before codes named their summit and version
        return BadgeCode(None, value, 1)
    if (isinstance(value, list) and len(value) == 3 and all(_positive_int(part) for part in value)):
        return BadgeCode(*value)
    return None


def delegate_id_for_code(code) -> int | None:
    """The delegate id a genuine code names, or None for anything forged, altered or malformed."""
    read = read_code(code)
    return read.delegate_id if read else None
