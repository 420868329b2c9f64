"""Hundreds to thousands of delegates at once: for the tests that need many (the search at 10,000, the
dashboard, badge batches) and bench/console_search.py.

Registering 10,000 delegates one by one through the service takes 60 s on SQLite and 100 s on
PostgreSQL (6 and 10 ms each). So the registrations themselves are one INSERT (in chunks) of
exactly the rows ``registration.register`` writes for a delegate who chose no route: a ``delegate``
row and nothing else. With no route the capacity rule books nothing (``book_new_delegate`` with no
route id writes no booking and moves no counter), so every route's ``confirmed`` stays what its
bookings say. The one liberty taken is ``created_at``, spread over the weeks before the summit so
that the searches' sort and the dashboard's days have something to show.

Everything that happens after registering goes through its own service, which keeps its own
counters: check-ins (``checkin.arrivals.check_in``, one per delegate), printed badges
(``badges.documents.record_printed``, one UPDATE that counts the print), then cancellations
(``registration.cancel``, which frees the place and bumps the calendar version).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from summit.plumbing.extensions import db
from summit.models import CATEGORIES, Delegate
from summit.services.badges.documents import record_printed
from summit.services.checkin import arrivals
from summit.services.checkin.codes import checkin_code
from summit.services.registration import delegates as registration

GIVEN = ["Amina", "Li", "Olga", "Mohammed", "Sofia", "Kwame", "Priya", "João", "Élodie", "Hiroshi", "Nadia",
         "Somchai", "Fatima", "Ivan", "Grace", "Wei"]
FAMILY = ["Diallo", "Wang", "Petrova", "Al-Sayed", "García", "Mensah", "Sharma", "Silva", "Dubois", "Tanaka",
          "Haddad", "Srisuk", "Zhang", "O'Brien", "Nguyen", "Kowalski"]
NATIVE = ["", "王小明", "محمد علي", "Ольга Петрова", "สมชาย ศรีสุข", "田中 博", "Ελένη Παπαδοπούλου", "김민준",
          "", "张伟", "फ़ातिमा", ""]
COUNTRIES = ["CN", "SN", "RU", "EG", "ES", "GH", "IN", "BR", "FR", "JP", "LB", "TH", "KE", "DE", "US", "VN"]
ORGS = ["Ministry of Transport", "World Bank", "UITP", "Tsinghua University", "BYD", "CCTV", "Roads Authority",
        "Institute 100% Green", "Rail_Net Europe", "交通运输部", "هيئة الطرق والمواصلات"]


def rows(summit_id: int, count: int, start: datetime | None = None):
    """The delegates as registered, with what will happen to them: ``cancel``, ``check_in``, ``print``."""
    start = start or datetime(2024, 7, 1, tzinfo=timezone.utc)
    for n in range(count):
        yield {
            "summit_id": summit_id, "status": "registered",
            "given_name": GIVEN[n % len(GIVEN)], "family_name": f"{FAMILY[(n // 3) % len(FAMILY)]}",
            "native_name": NATIVE[n % len(NATIVE)], "email": f"bulk{n}@example.org",
            "organisation": ORGS[(n // 7) % len(ORGS)], "country": COUNTRIES[(n // 5) % len(COUNTRIES)],
            "category": CATEGORIES[n % len(CATEGORIES)], "language": "zh" if n % 4 == 0 else "en",
            "consent_at": start, "manage_token_hash": hashlib.sha256(f"bulk-{summit_id}-{n}".encode()).hexdigest(),
            "created_at": start + timedelta(minutes=13 * n), "updated_at": start,
            "phone": "", "job_title": "", "dietary_needs": "", "accessibility_needs": "", "banquet": n % 2 == 0,
        }, {"cancel": n % 97 == 0, "check_in": n % 11 == 0, "print": n % 5 == 0}


def insert_delegates(summit_id: int, count: int) -> list[dict]:
    """Register ``count`` delegates; returns them as the database holds them (the ground truth for assertions)."""
    planned = list(rows(summit_id, count))
    data = [row for row, _ in planned]
    for chunk in range(0, len(data), 2000):
        db.session.execute(insert(Delegate), data[chunk:chunk + 2000])
    db.session.commit()
    ids = dict(db.session.execute(db.select(Delegate.email, Delegate.id).where(
        Delegate.summit_id == summit_id, Delegate.email.like("bulk%@example.org"))).all())
    ids = [ids[row["email"]] for row in data]
    for delegate_id, (_, then) in zip(ids, planned):
        if then["check_in"]:
            arrivals.check_in(checkin_code(db.session.get(Delegate, delegate_id)), None)
    record_printed([delegate_id for delegate_id, (_, then) in zip(ids, planned) if then["print"]])
    for delegate_id, (_, then) in zip(ids, planned):
        if then["cancel"]:
            registration.cancel(db.session.get(Delegate, delegate_id))
    db.session.expire_all()
    columns = [getattr(Delegate, name) for name in (
        "id", "status", "checked_in_at", "badge_printed_at", "badge_print_count", "cancelled_at")]
    now = {row.id: row._asdict() for row in db.session.execute(db.select(*columns).where(Delegate.id.in_(ids)))}
    return [{**row, **now[delegate_id]} for delegate_id, row in zip(ids, data)]
