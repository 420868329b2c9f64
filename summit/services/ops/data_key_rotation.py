"""Re-encrypt every encrypted value under the first key of DATA_KEY (``flask --app summit rotate-data-key``).

Which columns: every ``EncryptedText`` column of the models' metadata (plumbing/data_key.py's
``encrypted_columns``), so a column added later is rotated with no change here.  Each value is decrypted
with any key of the ring and encrypted with the first one; a value the first key already opens is left
alone, so a run that was killed goes on where it stopped.  Rows are read in primary-key order and committed
a batch at a time: whenever the process dies, every row holds a token of the old key or of the new one,
and the ring "new,old" opens them all.  The key-check row (data_key_check) is re-encrypted last: a check
row under the new key means every other row is under it too, so starting with the new key alone then works,
and starting with it any earlier refuses (the start-up check reads the check row).

Each UPDATE names the token it read (compare and set): a value the app changed in the meantime is not
overwritten with the old text; the next run re-encrypts it if it needs it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Text, and_, func, select, type_coerce

from ...plumbing.data_key import DataCipher, DataKeyError, encrypted_columns
from ...plumbing.errors import ServiceError

DEFAULT_BATCH = 500


class RotationFailed(ServiceError):
    code = "rotation_failed"
    status = 500


@dataclass
class Rotation:
    #: values re-encrypted under the first key, by "table.column"
    rewritten: dict[str, int] = field(default_factory=dict)
    #: values the first key already opened (a re-run after a kill, or written since by the app)
    already: int = 0

    @property
    def total(self) -> int:
        return sum(self.rewritten.values())


def reencrypt_all(engine, metadata, cipher: DataCipher, *, batch_size: int = DEFAULT_BATCH,
                  after_batch=None) -> Rotation:
    """Every encrypted value of every table under ``cipher``'s first key; committed every ``batch_size`` rows.

    ``after_batch(table, column, done)`` is called after each commit (the command prints progress with it).
    """
    first = Fernet(cipher.keys[0])
    result = Rotation()
    for table, column in encrypted_columns(metadata):
        keys = list(table.primary_key.columns)
        if len(keys) != 1:
            raise RotationFailed(f"{table.name}: rotation needs a single-column primary key")
        key = keys[0]
        raw = type_coerce(column, Text)
        name = f"{table.name}.{column.name}"
        result.rewritten[name] = 0
        last = None
        while True:
            query = (select(key, raw).where(column.is_not(None), func.length(column) > 0)
                     .order_by(key).limit(batch_size))
            if last is not None:
                query = query.where(key > last)
            with engine.begin() as connection:  # one batch, one transaction
                rows = connection.execute(query).all()
                for row_id, token in rows:
                    if _opens(first, token):
                        result.already += 1
                        continue
                    try:
                        fresh = cipher.rotate(token)
                    except (InvalidToken, ValueError, TypeError):
                        raise DataKeyError(f"{name} of row {row_id} cannot be decrypted with any key of "
                                           "DATA_KEY: give the key it was written with too") from None
                    connection.execute(table.update().where(and_(key == row_id, raw == token))
                                       .values({column.name: type_coerce(fresh, Text)}))
                    result.rewritten[name] += 1
            if not rows:
                break
            last = rows[-1][0]
            if after_batch is not None:
                after_batch(table.name, column.name, result.rewritten[name])
    return result


def _opens(fernet: Fernet, token: str) -> bool:
    try:
        fernet.decrypt(token.encode("ascii"))
        return True
    except (InvalidToken, ValueError, TypeError):
        return False
