"""The Flask class the app is made of: Flask, with the one answer it works out again on every request kept."""
from __future__ import annotations

import types

from flask import Flask


class SummitFlask(Flask):
    """Flask asks ``inspect`` whether each before- and after-request hook, the view and each teardown is a
    coroutine function, on every request (fourteen questions a kept public read here, a twentieth of its
    cost).  The answer for a plain function never changes: kept once per function.  Anything else (a bound
    method, a partial) is asked as before, so that nothing made per request is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synced: dict[types.FunctionType, object] = {}

    def ensure_sync(self, func):
        if type(func) is not types.FunctionType:
            return super().ensure_sync(func)
        synced = self._synced.get(func)
        if synced is None:
            synced = self._synced[func] = super().ensure_sync(func)
        return synced
