"""Fixed-window counters that every worker process shares: rate limits and sign-in throttling."""
from __future__ import annotations

from sqlalchemy import Double, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..plumbing.extensions import db


class RateCounter(db.Model):
    """One counter for one key and its current window (services/ops/rate_counters.py moves it).

    Rows are keyed by a SHA-256 of the counter's name, which holds client addresses and typed
    emails: the table keeps no personal data in clear, and every key has the same short size.
    A row whose window has ended is as good as absent and is deleted in passing.
    """

    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    hits: Mapped[int]
    #: when the window ends, in seconds since the epoch (the unit limits and Retry-After use)
    expires_at: Mapped[float] = mapped_column(Double)

    __table_args__ = (
        Index("ix_rate_counter_expires_at", "expires_at"),  # the sweep of ended windows
    )
