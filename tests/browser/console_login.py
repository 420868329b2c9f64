"""Console accounts for the journeys: made with the accounts service (as `flask create-user` does),
signed in through the login page like a person."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from summit.services.console.accounts import save_user

from browser.journey import Journey, words

PASSWORD = "a long enough password"


def sign_in(journey: Journey, page: Page, role: str, start: str) -> None:
    """Open ``start`` (behind login), sign in at the login page it sends to, and land back on it."""
    user = save_user(f"{role}@example.org", role, PASSWORD)
    page.goto(start)
    expect(page.locator(".flash-warning")).to_have_text(words("en", "Please sign in to use the console."))
    journey.look(page, "login")
    page.fill("[name=email]", user.email)
    page.fill("[name=password]", PASSWORD)
    page.get_by_role("button", name=words("en", "Sign in")).click()
    expect(page).to_have_url(re.compile(re.escape(start) + "$"))  # back where the login was asked for
