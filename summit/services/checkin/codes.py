"""The check-in code a badge's QR carries: the delegate id, HMAC-signed.

Signed rather than stored: the door can verify a code without a lookup table,
and nothing on the badge reveals the delegate's manage secret.  The salt keeps
a check-in code from ever validating as any other signed value of the app
(calendar URLs use their own), and SHA-256 makes the MAC 256 bits: a code
cannot be forged, and changing one character of it is detected.
"""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ...models import Delegate

SALT = "summit.checkin-code"
#: longer than any code we issue; anything bigger is refused before parsing
MAX_CODE_LENGTH = 200


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT,
                             signer_kwargs={"digest_method": hashlib.sha256})


def checkin_code(delegate: Delegate) -> str:
    return _serializer().dumps(delegate.id)


def delegate_id_for_code(code: str) -> int | None:
    """The delegate id a genuine code names, or None for anything forged, altered or malformed."""
    if not isinstance(code, str):
        return None
    code = code.strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    try:
        value = _serializer().loads(code)
    except (BadSignature, ValueError, TypeError, UnicodeError):
        return None
    # bool is an int subclass; a signed True is not a delegate
    if type(value) is not int or value <= 0:
        return None
    return value
