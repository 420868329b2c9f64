"""Column types shared by the models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as UTC.

    PostgreSQL keeps it as timestamptz; SQLite has no zone, so we store naive UTC
    and hand back an aware value.  Naive input is refused: a wall-clock time
    with no zone is exactly the bug that shows delegates the wrong hour.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: attach the summit's zone before storing")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class EncryptedText(TypeDecorator):
    """Text kept encrypted at rest (plumbing/data_key.py): the database file and its backups hold only
    Fernet tokens.  The empty string stays empty, so "has the delegate given any?" needs no key; the value
    itself cannot be searched or sorted in SQL, which is the point.
    """

    impl = Text
    cache_ok = True
    #: how plumbing/data_key.py finds these columns in the metadata (start-up check, rotation)
    encrypted_at_rest = True

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return value
        from ..plumbing.data_key import cipher
        return cipher().encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return value
        from ..plumbing.data_key import InvalidToken, UndecryptableValue, cipher
        try:
            return cipher().decrypt(value)
        except (InvalidToken, ValueError, TypeError):
            # the key is the problem (or the row was changed behind the app's back), never the data:
            # the message names neither the value nor the row's content
            raise UndecryptableValue("a stored value cannot be decrypted with DATA_KEY: set the key this "
                                     "database was written with (DATA_KEY=<new>,<old> during a rotation)") from None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


#: the largest id a row can have (ids are 32-bit INTEGER on PostgreSQL); larger numbers name no row
ID_MAX = 2**31 - 1


#: ``info=PERSONAL`` marks a column as personal data: erasure (services/privacy/erasure.py) blanks every
#: column so marked, on this table and on any table with a ``delegate_id`` (a passport, a flight), so a new
#: personal column joins the erasure by carrying the marker, in one place.  ``"erased"``: the value it gets
#: (default: None if nullable, else "").  Unmarked columns are what anonymous counts keep: summit, status,
#: category, country, protocol level, language, route, check-ins.
PERSONAL = {"personal": True}
