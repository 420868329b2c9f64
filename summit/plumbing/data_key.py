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


class UndecryptableValue(DataKeyError):
    """A stored value no key of DATA_KEY opens (a wrong key, or a value changed behind the app's back).

    Raised by the column type instead of cryptography's bare InvalidToken, so the error page and the log
    say what is wrong (the key) without a traceback of data.
    """


#: the table holding one known plain text under the current key (models/data_key_check.py): read at start,
#: it tells a wrong DATA_KEY from a right one before any page is served
CHECK_TABLE = "data_key_check"
CHECK_PLAINTEXT = "summit data key check"
WRONG_KEY = (
    "DATA_KEY does not open the data in this database: it was encrypted with another key. Set DATA_KEY to "
    "the key this database was written with (it is kept with the database's backups); during a rotation, set "
    "both, the new key first: DATA_KEY=<new>,<old>. Starting with this key would show no delegate's "
    "sensitive fields, so the app refuses to start.")


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


def write_instance_keys(path: str, keys: list[bytes]) -> None:
    """Replace the development key ring in ``path`` at once (a rename): a kill leaves the old or the new ring."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(",".join(key.decode("ascii") for key in keys))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


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


def encrypted_columns(metadata) -> list:
    """Every column of ``metadata`` kept encrypted (``EncryptedText``), as (table, column), in table order.

    Read from the models' metadata, so a column another module declares EncryptedText (a passport
    number) is found, verified at start and rotated, with nothing else to register.  The check table
    comes last: rotate-data-key re-encrypts it after every other row (see services/ops/data_key_rotation.py).
    """
    found = [(table, column) for table in metadata.sorted_tables for column in table.columns
             if is_encrypted(column)]
    return sorted(found, key=lambda pair: pair[0].name == CHECK_TABLE)


def is_encrypted(column) -> bool:
    """Whether a Column (or an ORM attribute such as ``Delegate.dietary_needs``) is kept encrypted."""
    column = getattr(column, "expression", column)
    # models/types.py's EncryptedText says so (plumbing does not import the models)
    return bool(getattr(getattr(column, "type", None), "encrypted_at_rest", False))


def encrypted_attribute_names(model) -> frozenset[str]:
    """The names of a model's encrypted attributes (e.g. {"dietary_needs", "accessibility_needs"})."""
    return frozenset(column.key for column in model.__table__.columns if is_encrypted(column))


def check_database(connection, metadata, cipher: DataCipher) -> None:
    """Raise DataKeyError(WRONG_KEY) unless ``cipher`` opens what this database holds.

    Nothing to check before the schema exists (``flask db upgrade`` on an empty database starts the app
    first).  The check row holds CHECK_PLAINTEXT under the key that wrote the database; a database without
    one (just made, emptied by the tests) has one value of each encrypted column tried, and then gets its
    check row under the current key.
    """
    from sqlalchemy import func, inspect, select
    from sqlalchemy.exc import IntegrityError

    tables = set(inspect(connection).get_table_names())
    if CHECK_TABLE not in tables:
        return
    check = metadata.tables[CHECK_TABLE]
    # read and written raw: the column type would need an app context (the gunicorn master has none)
    token = connection.execute(select(_raw(check.c.sample)).where(check.c.id == 1)).scalar()
    if token is not None:
        if _opens(cipher, token) != CHECK_PLAINTEXT:
            raise DataKeyError(WRONG_KEY)
        return
    for table, column in encrypted_columns(metadata):
        if table.name not in tables or table.name == CHECK_TABLE:
            continue
        order = [key.desc() for key in table.primary_key.columns]
        sample = connection.execute(select(_raw(column)).where(column.is_not(None), func.length(column) > 0)
                                    .order_by(*order).limit(1)).scalar()
        if sample is not None and _opens(cipher, sample) is None:
            raise DataKeyError(WRONG_KEY)
    try:
        connection.execute(check.insert().values(id=1, sample=_raw_value(cipher.encrypt(CHECK_PLAINTEXT))))
        connection.commit()
    except IntegrityError:  # another worker starting at the same moment wrote it: check theirs
        connection.rollback()
        token = connection.execute(select(_raw(check.c.sample)).where(check.c.id == 1)).scalar()
        if _opens(cipher, token) != CHECK_PLAINTEXT:
            raise DataKeyError(WRONG_KEY) from None


def _raw(column):
    """The column as the text it stores (the Fernet token), not through EncryptedText."""
    from sqlalchemy import Text, type_coerce

    return type_coerce(column, Text)


def _raw_value(token: str):
    from sqlalchemy import Text, literal

    return literal(token, Text)


def _opens(cipher: DataCipher, token: str) -> str | None:
    try:
        return cipher.decrypt(token)
    except (InvalidToken, ValueError, TypeError):
        return None


def check_on_start(app) -> None:
    """create_app's check: a wrong DATA_KEY refuses to start.  A database that cannot be reached yet
    (PostgreSQL still starting) is checked on the first request instead, which answers 503 until it is right."""
    from sqlalchemy.exc import OperationalError

    from .extensions import db

    try:
        _check(app, db)
    except OperationalError:
        app.logger.warning("DATA_KEY not checked at start: the database could not be reached; "
                           "the first request checks it")
        state = {"checked": False}

        @app.before_request
        def _check_data_key_once():
            if not state["checked"]:
                try:
                    _check(app, db)  # a DataKeyError here is the error page's 503 (plumbing/error_pages.py)
                except OperationalError:
                    return None  # still unreachable: the view answers as it does without a database
                    # (the health checks' 503); the next request checks again
                state["checked"] = True


def _check(app, db) -> None:
    with app.app_context():
        with db.engine.connect() as connection:
            check_database(connection, db.metadata, app.extensions[EXTENSION])
            connection.commit()
        # No connection kept in the pool: gunicorn --preload forks its workers from this process, and a
        # pooled connection they all inherited is one socket shared by several processes (on PostgreSQL,
        # "connection in transaction status INTRANS" and 500s under a crowd)
        db.engine.dispose()


def cipher() -> DataCipher:
    """The running app's cipher (the column type calls it inside the app context every query needs)."""
    return current_app.extensions[EXTENSION]


__all__ = ["CHECK_PLAINTEXT", "CHECK_TABLE", "DataCipher", "DataKeyError", "InvalidToken", "UndecryptableValue",
           "check_database", "check_on_start", "cipher", "encrypted_attribute_names", "encrypted_columns", "init_app",
           "is_encrypted", "new_key", "parse_keys", "write_instance_keys"]
