"""The key that encrypts delegates' sensitive fields at rest (dietary and accessibility needs, passports).

``DATA_KEY`` holds one or more Fernet keys (cryptography's authenticated AES-CBC + HMAC scheme), separated
by commas: the first encrypts, every one of them decrypts.  Two keys are the state of a rotation
(``flask rotate-data-key``): rows written under either stay readable while it runs and if it is killed.

Development needs nothing set: a key is generated once into the instance folder, as the secret key is.
Production must set it (config.check_environment), because a key the app made up on one host would leave
every other host, and every restored backup, unable to read what it wrote.
"""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

EXTENSION = "summit_data_cipher"
INSTANCE_FILE = "data_key"


class DataKeyError(RuntimeError):
    """DATA_KEY cannot be used; the message says why and what to set (a RuntimeError: gunicorn prints it)."""


def parse_keys(value: str) -> list[bytes]:
    """The keys in ``value`` (comma-separated), each checked to be a Fernet key; the first encrypts."""
    keys = [part.strip() for part in (value or "").split(",") if part.strip()]
    if not keys:
        raise DataKeyError("DATA_KEY is empty: set it to a key made by "
                           "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'")
    for position, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise DataKeyError(f"DATA_KEY: key {position} is not a Fernet key (32 bytes, url-safe base64, "
                               "44 characters)") from None
    return [key.encode("ascii") for key in keys]


def instance_data_key(instance_path: str) -> str:
    """The development key: made once, kept in the instance folder (owner-readable only)."""
    path = Path(instance_path) / INSTANCE_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Fernet.generate_key().decode("ascii")
        try:  # O_EXCL: when several workers start at once, the first one wins and the rest read its key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


class DataCipher:
    """Encrypts with the first key, decrypts with any."""

    def __init__(self, keys: list[bytes]):
        self.keys = keys
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plain text; InvalidToken when no key opens it (a wrong key, or a value tampered with)."""
        return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def rotate(self, token: str) -> str:
        """The same plain text under the first key (unchanged if it already is)."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def init_app(app) -> None:
    app.extensions[EXTENSION] = DataCipher(parse_keys(app.config["DATA_KEY"]))


def cipher() -> DataCipher:
    """The running app's cipher (the column type calls it inside the app context every query needs)."""
    return current_app.extensions[EXTENSION]


__all__ = ["DataCipher", "DataKeyError", "InvalidToken", "cipher", "init_app", "instance_data_key", "parse_keys"]
