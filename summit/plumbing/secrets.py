"""Random secrets that are stored only as a hash.

Tokens are 256-bit random values, so a plain SHA-256 is the right hash: a slow
KDF protects guessable passwords, not values that cannot be guessed.
"""
from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
