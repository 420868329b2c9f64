"""How Summit writes its log: one JSON object a line in production, plain text in development.

Both carry the request id.  Two URL paths are credentials (a delegate's
``/manage/<secret>`` page and ``/calendar/<secret>.ics`` feed): the JSON lines
pass every message through ``log_redaction.redact``.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from flask import Flask

from .log_redaction import redact
from .request_id import RequestIdFilter, current_request_id


def utc_timestamp(created: float) -> str:
    return datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _request_id(record: logging.LogRecord) -> str | None:
    stamped = getattr(record, "request_id", None)
    if stamped and stamped != "-":
        return stamped
    return current_request_id()  # a handler without RequestIdFilter (a host's own set-up)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, and the traceback if any.

    The message is masked here too: JSON logs are the ones shipped to a log
    store, where a stray secret would outlive any fix.  (Development text logs
    keep the manage link: without SMTP, that is how a developer follows it.)
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": _request_id(record),
        }
        if record.exc_info:
            entry["traceback"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def formatter_for(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


def configure_logging(app: Flask) -> None:
    """Our loggers (summit.*, which include Flask's app.logger) at INFO on stderr.

    Left alone when the host already set logging up (a --log-config, a test
    runner): then its handlers decide, and ``RequestIdFilter`` and
    ``JsonFormatter`` are there to be named in its configuration.
    """
    logger = logging.getLogger("summit")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    ours = [h for h in logger.handlers if getattr(h, "_summit", False)]
    if ours:
        handler = ours[0]
    elif logger.handlers or logging.getLogger().handlers:
        return
    else:
        handler = logging.StreamHandler()
        handler._summit = True
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
    # Set again for each app: the last one created decides (one app a process in practice).
    handler.setFormatter(formatter_for(app.config.get("LOG_FORMAT", "text")))


class NoResultRows(logging.Filter):
    """Drops SQLAlchemy's DEBUG lines of result rows ("Row (...)"): they carry delegates' names, emails and
    phones, and hide_parameters (set in production) hides only what is sent, not what comes back."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


def keep_personal_data_out_of_sql_logs() -> None:
    """Production: whatever level an operator sets SQLAlchemy's loggers to, no row reaches a log (the
    statements' parameters are hidden by the engine's hide_parameters, summit/__init__.py)."""
    for name in ("sqlalchemy.engine", "sqlalchemy.engine.Engine"):
        target = logging.getLogger(name)
        if not any(isinstance(f, NoResultRows) for f in target.filters):
            target.addFilter(NoResultRows())
