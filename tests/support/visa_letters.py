"""What the visa-letter tests share: a registration body with a passport, the letter deadline opened."""
from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from summit.services.travel.letter_settings import change_settings

PASSPORT = {"number": "X 1234-5678", "nationality": "sn", "date_of_birth": "1980-02-03",
            "expires_on": "2030-01-01", "name": "AMINA DIALLO"}


def open_requests(summit) -> None:
    """The GSTF 2024 file's deadline (2024) is past by the tests' clock: an organiser moves it."""
    change_settings(summit, request_deadline=None)


def body(n: int = 1, **overrides) -> dict:
    data = {"given_name": "Amina", "family_name": "Diallo", "email": f"visa{n}@example.org",
            "organisation": "Ministry of Transport", "country": "SN", "category": "government",
            "consent": True, "visa_letter": True, "passport": dict(PASSPORT),
            "sensitive_consent": True}  # a passport is sensitive: its own consent
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}  # None: left out


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)
