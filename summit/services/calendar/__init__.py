"""Calendars: the iCalendar feeds (feeds.py) and the secret in a personal feed's URL (tokens.py)."""
