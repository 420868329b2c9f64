"""Schemathesis hooks for the API fuzz run (loaded through SCHEMATHESIS_HOOKS; see test_fuzz_api.py).

Three credentials, one per security scheme of the OpenAPI document:
- console operations get the organiser's API token the test made (SUMMIT_FUZZ_API_TOKEN);
- the delegate's own operations get the token of a delegate registered through the API itself.
  A fuzzed DELETE cancels that delegate, after which its token answers 401: schemathesis then asks
  for a new one (retry_on 401), so the later cases still reach the real code, not only the 401.
  A fuzzed PATCH /api/v1/summit may close registration (invitation mode): asking for a delegate's
  token opens it again first, as an organiser would.
- the focal point's operations (/api/v1/delegations/self…) get the token of a delegation the organiser
  creates through the API.
"""
from __future__ import annotations

import itertools
import os
import uuid

import requests
import schemathesis

BASE_URL = os.environ["SUMMIT_FUZZ_BASE_URL"].rstrip("/")
_numbers = itertools.count(1)


def _bearer(case, token: str) -> None:
    case.headers = case.headers or {}
    case.headers["Authorization"] = f"Bearer {token}"


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=r"^/api/v1/registrations/self(/[^/]+)*$")
class DelegateToken:
    def get(self, case, ctx):
        requests.patch(f"{BASE_URL}/api/v1/summit", json={"registration_mode": "open"}, timeout=30,
                       headers={"Authorization": f"Bearer {os.environ['SUMMIT_FUZZ_API_TOKEN']}"}).raise_for_status()
        body = {"given_name": "Fuzz", "family_name": "Delegate", "email": f"fuzz-{next(_numbers)}-"
                f"{uuid.uuid4().hex[:8]}@example.org", "organisation": "Schemathesis", "country": "FR",
                "category": "other", "consent": True}
        response = requests.post(f"{BASE_URL}/api/v1/registrations", json=body, timeout=30)
        response.raise_for_status()
        return response.json()["token"]

    def set(self, case, data, ctx):
        _bearer(case, data)


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=r"^/api/v1/delegations/self(/[^/]+)?$")
class DelegationToken:
    """A focal point's token: a delegation made through the API itself, with room for every fuzzed member;
    a new one whenever a token is refused (retry_on 401), so the cases reach the real code."""

    def get(self, case, ctx):
        body = {"name": {"zh": "模糊测试代表团", "en": "Fuzz delegation"}, "country": "FR",
                "focal_point": {"name": "Fuzz Focal", "email": f"focal-{uuid.uuid4().hex[:8]}@example.org"},
                "places": 10_000}
        response = requests.post(f"{BASE_URL}/api/v1/delegations", json=body, timeout=30,
                                 headers={"Authorization": f"Bearer {os.environ['SUMMIT_FUZZ_API_TOKEN']}"})
        response.raise_for_status()
        return response.json()["token"]

    def set(self, case, data, ctx):
        _bearer(case, data)


@schemathesis.auth().apply_to(path_regex=r"^/api/v1/(delegates|delegations$|badges\.pdf|checkins|routes/|summit$|accreditation/|zones|zone-entries/|audit$|arrivals$)")
class ConsoleToken:
    def get(self, case, ctx):
        return os.environ["SUMMIT_FUZZ_API_TOKEN"]

    def set(self, case, data, ctx):
        _bearer(case, data)
