"""The SQL statements the app runs inside a block, for tests that count them."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from summit.plumbing.extensions import db

#: what asks the database something: BEGIN and the like are left out (SQLite's are statements of ours,
#: PostgreSQL's are the driver's)
DATA_STATEMENTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


@contextmanager
def data_statements():
    """The block's SELECT, INSERT, UPDATE and DELETE statements, as a list filled while it runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().split(None, 1)[0].upper() in DATA_STATEMENTS:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
