"""The version of what the public reads show, bumped by every change to it."""
from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from ..plumbing.extensions import db


class ReadVersion(db.Model):
    """One row (id 1): the public reads' cache key (summit/web/read_cache.py).

    Every transaction that writes a table the public pages and feeds are made of bumps it just before
    its COMMIT, in that same transaction (summit/plumbing/read_versions.py), so a reader that sees the
    new data also sees the new version, and one that sees the old version was right to serve the old body.
    """
    __tablename__ = "read_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: only grows; a fresh row starts at the clock in microseconds, so emptying the table never reuses a number
    version: Mapped[int] = mapped_column(BigInteger)
