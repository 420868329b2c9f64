"""Two first polls of a feed at once: each finds no revision row, both insert it, one wins.

The flash-crowd bench found this as 500s on GET /agenda.ics (PostgreSQL, three workers, a fresh
database): the row was added to the session before the savepoint, so begin_nested() flushed it outside
the savepoint, and the duplicate rolled back the whole transaction.  Here the other poll's insert is
made to land between our read and our insert, by a second connection, every time.
"""
from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import create_engine, event, func, select

from summit.models import CalendarEventRevision, CalendarFeedRevision
from summit.plumbing.extensions import db


@pytest.mark.parametrize("table", ["calendar_event_revision", "calendar_feed_revision"])
def test_a_revision_another_poll_inserted_first_is_taken_not_a_500(app, summit, client, database_url, table):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite: the feed's write transaction holds the database's lock from before its read")
    other = create_engine(database_url)
    raced = []

    def insert_theirs_first(conn, cursor, statement, parameters, context, executemany):
        if not raced and statement.startswith(f"INSERT INTO {table} "):
            raced.append(parameters)
            with other.begin() as theirs:  # the other worker's poll, committed just before ours inserts
                theirs.exec_driver_sql(statement, parameters)

    event.listen(db.engine, "before_cursor_execute", insert_theirs_first)
    try:
        response = client.get("/agenda.ics")
    finally:
        event.remove(db.engine, "before_cursor_execute", insert_theirs_first)
        other.dispose()
    assert raced, "the feed inserted no revision: the race was not staged"
    assert response.status_code == 200
    assert Calendar.from_ical(response.data).walk("VEVENT")
    model = CalendarEventRevision if table == "calendar_event_revision" else CalendarFeedRevision
    key = model.uid if model is CalendarEventRevision else model.key
    # Every event (or the feed) recorded once; the one raced for is theirs, not a second row.
    assert db.session.scalar(select(func.count()).select_from(model)) == \
        db.session.scalar(select(func.count(func.distinct(key))))
    again = client.get("/agenda.ics")
    assert again.status_code == 200 and again.data == response.data
