"""Which Redis a test may use: the one its environment variable names, when it answers."""
from __future__ import annotations

import os


def answering_redis(variable: str, default: str) -> str | None:
    """``$variable`` or ``default``, or None when no Redis answers there (the test is then skipped)."""
    url = os.environ.get(variable, default)
    try:
        from redis import Redis

        Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except Exception:
        return None
    return url
