"""The console for organisers and staff, behind login.

Every view here names the role it needs with ``auth.console_requires`` (the one
place access is decided); the only exception is the login page itself.
tests/security/test_console_access.py walks the URL map and proves it.
"""
from . import (accreditation, audit, auth_views, banquet, dashboard, delegates, delegations, exports, messages,  # noqa: F401
               letters, programme, review, routes, tokens, zones)  # (views register on import)
from .blueprint import console

__all__ = ["console"]
