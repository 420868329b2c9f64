"""One known plain text under the current DATA_KEY: how the app tells a wrong key at start (plumbing/data_key.py)."""
from __future__ import annotations

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..plumbing.extensions import db
from .types import EncryptedText


class DataKeyCheck(db.Model):
    """A single row (id 1): ``sample`` is data_key.CHECK_PLAINTEXT encrypted like every sensitive field, so
    rotate-data-key re-encrypts it too (last, once every other row is under the new key)."""

    __tablename__ = "data_key_check"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sample: Mapped[str] = mapped_column(EncryptedText)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
