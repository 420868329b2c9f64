"""Journeys in a real browser (headless Chromium driven by Playwright) against a live server."""
