"""Thousands of delegates in one INSERT, for the search test and bench/console_search.py.

Registering 10,000 delegates through the service would take minutes; the console's
search only reads rows, so a bulk insert of valid rows is the honest shortcut.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from summit.plumbing.extensions import db
from summit.models import CATEGORIES, Delegate

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
    start = start or datetime(2024, 7, 1, tzinfo=timezone.utc)
    for n in range(count):
        yield {
            "summit_id": summit_id, "status": "cancelled" if n % 97 == 0 else "registered",
            "given_name": GIVEN[n % len(GIVEN)], "family_name": f"{FAMILY[(n // 3) % len(FAMILY)]}",
            "native_name": NATIVE[n % len(NATIVE)], "email": f"bulk{n}@example.org",
            "organisation": ORGS[(n // 7) % len(ORGS)], "country": COUNTRIES[(n // 5) % len(COUNTRIES)],
            "category": CATEGORIES[n % len(CATEGORIES)], "language": "zh" if n % 4 == 0 else "en",
            "consent_at": start, "manage_token_hash": hashlib.sha256(f"bulk-{summit_id}-{n}".encode()).hexdigest(),
            "created_at": start + timedelta(minutes=13 * n), "updated_at": start,
            "checked_in_at": start + timedelta(days=80) if n % 11 == 0 else None,
            "badge_printed_at": start + timedelta(days=79) if n % 5 == 0 else None,
            "badge_print_count": 1 if n % 5 == 0 else 0,
            "phone": "", "job_title": "", "dietary_needs": "", "accessibility_needs": "", "banquet": n % 2 == 0,
        }


def insert_delegates(summit_id: int, count: int) -> list[dict]:
    """Insert ``count`` delegates; returns the rows as inserted (the ground truth for assertions)."""
    data = list(rows(summit_id, count))
    for chunk in range(0, len(data), 2000):
        db.session.execute(insert(Delegate), data[chunk:chunk + 2000])
    db.session.commit()
    return data
