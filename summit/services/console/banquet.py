"""The banquet list: how many guests, and what the kitchen must know (dietary needs).

The one place staff (not only organisers) read delegates' dietary needs, because catering is their work
there (issue 17: sensitive fields only where the work needs them).  The needs are encrypted at rest, so
they are grouped here in Python, after decryption: SQL can tell only "given" from "none".
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from ...plumbing.extensions import db
from ...models import Delegate, Summit
from ...models.labels import DelegateStatus


@dataclass
class BanquetList:
    guests: int
    #: guests with a dietary need, by family name
    with_needs: list[Delegate]
    #: (the need as typed, how many guests gave it), most frequent first; the same text in any case counts once
    counts: list[tuple[str, int]]


def banquet_list(summit: Summit) -> BanquetList:
    guests = db.session.scalars(
        select(Delegate).where(Delegate.summit_id == summit.id, Delegate.banquet.is_(True),
                               Delegate.status == DelegateStatus.REGISTERED.value)).all()
    with_needs = sorted((d for d in guests if d.dietary_needs.strip()),
                        key=lambda d: (d.family_name.casefold(), d.given_name.casefold(), d.id))
    shown: dict[str, str] = {}
    tally: Counter[str] = Counter()
    for d in with_needs:
        key = " ".join(d.dietary_needs.split()).casefold()
        shown.setdefault(key, " ".join(d.dietary_needs.split()))
        tally[key] += 1
    counts = sorted(((shown[key], n) for key, n in tally.items()), key=lambda pair: (-pair[1], pair[0].casefold()))
    return BanquetList(guests=len(guests), with_needs=with_needs, counts=counts)
