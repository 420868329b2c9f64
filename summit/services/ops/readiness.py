"""Is this instance ready for traffic?  The database answers, its schema is at the
newest migration, and a summit is loaded.  Each check says what failed, for the operator."""
from __future__ import annotations

from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ...plumbing.extensions import db
from ...plumbing.errors import NotFound
from ..summits.current import current_summit


@lru_cache(maxsize=4)
def _revisions(directory: str) -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every revision) of the migration scripts, read once: they cannot change under a
    running process."""
    scripts = ScriptDirectory(directory)
    return frozenset(scripts.get_heads()), frozenset(s.revision for s in scripts.walk_revisions())


def database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def readiness_checks() -> dict[str, str]:
    """{"database", "migrations", "summit"} → "ok" or what is wrong; later checks are "skipped"
    when the database cannot be reached."""
    if not database_reachable():
        return {"database": "unreachable", "migrations": "skipped", "summit": "skipped"}
    checks = {"database": "ok"}
    try:
        applied = frozenset(MigrationContext.configure(db.session.connection()).get_current_heads())
    except SQLAlchemyError:
        db.session.rollback()
        applied = frozenset()
    heads, known = _revisions(current_app.extensions["migrate"].directory)
    if applied == heads:
        checks["migrations"] = "ok"
    elif applied <= known:
        checks["migrations"] = "pending"  # `flask db upgrade` has not run for this version
    else:
        checks["migrations"] = "unknown_revision"  # the database is newer than this code
    if checks["migrations"] != "ok":
        # Tables may be missing or of another shape: asking for a summit would only fail.
        checks["summit"] = "skipped"
        return checks
    try:
        current_summit()
        checks["summit"] = "ok"
    except NotFound:
        checks["summit"] = "missing"
    except SQLAlchemyError:
        db.session.rollback()
        checks["summit"] = "error"
    return checks
