"""Gunicorn's access log without delegates' secrets: ``logger_class = "summit.plumbing.access_log.RedactingLogger"``.

Gunicorn logs each request's path (and Referer); for /manage/<secret> and /calendar/<secret>.ics
the path is the credential.  This logger blanks those (see log_redaction) in every field a log
format may use, and drops credential headers outright.  The format itself stays the operator's.
"""
from __future__ import annotations

from gunicorn.glogging import Logger

from .log_redaction import MASK, SECRET_HEADERS, redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key in SECRET_HEADERS:
                atoms[key] = MASK
            elif isinstance(value, str):
                atoms[key] = redact(value)
        return atoms
