"""One id per request, to tie a complaint, its log lines and its access-log line together.

A proxy or a client may send ``X-Request-ID``; we keep it when it is short and
plain (it goes into logs and a response header, so no spaces, quotes or
newlines), and make one otherwise.  The id is in ``g.request_id``, in the
response's ``X-Request-ID``, in every log record passing our handler, and on
the 500 page as the reference to quote.
"""
from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
_ENVIRON_KEY = "summit.request_id"
_SAFE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def current_request_id() -> str | None:
    """The id of the request being served (made on first use), or None outside a request.

    Kept in the WSGI environ, which belongs to this request alone, so that no
    reused app context can hand one request's id to the next.
    """
    if not has_request_context():
        return None
    environ = request.environ
    rid = environ.get(_ENVIRON_KEY)
    if rid is None:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if _SAFE.fullmatch(incoming) else uuid.uuid4().hex
        environ[_ENVIRON_KEY] = rid
    return rid


class RequestIdFilter(logging.Filter):
    """Stamps ``record.request_id`` ("-" outside a request); usable from a dictConfig too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


def init_app(app: Flask) -> None:
    @app.before_request
    def _expose_request_id() -> None:
        g.request_id = current_request_id()

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers[HEADER] = current_request_id()
        return response
