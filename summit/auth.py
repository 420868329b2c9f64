"""Who is asking: console sessions (Flask-Login) and API bearer tokens."""
from __future__ import annotations

from .extensions import db, login_manager
from .models import ConsoleUser


@login_manager.user_loader
def load_user(user_id: str) -> ConsoleUser | None:
    if not user_id.isdigit():
        return None
    return db.session.get(ConsoleUser, int(user_id))
