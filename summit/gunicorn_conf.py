"""gunicorn settings for Summit, shipped inside the package so they work from an installed wheel:

    gunicorn -c python:summit.gunicorn_conf 'summit:create_app()'

Every value can be changed from the environment (README, "Operating it"); a
gunicorn command-line option still overrides this file.  The access log is one
JSON object a line on stdout, with the request id and with the secret part of
``/manage/<secret>`` and ``/calendar/<secret>.ics`` masked (summit.plumbing.access_log):
those paths are a delegate's credentials.
"""
from __future__ import annotations

import json
import os
import time

from config import check_environment, log_format

from .plumbing.access_log import RedactingLogger
from .plumbing.log_redaction import redact
from .plumbing.logs import JsonFormatter, utc_timestamp


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Behind the TLS proxy on the same host by default; a container sets SUMMIT_BIND=0.0.0.0:8000.
bind = [address.strip() for address in os.environ.get("SUMMIT_BIND", "127.0.0.1:8000").split(",")]
# cores + 1, not gunicorn's (2 × cores) + 1, which is meant for single-threaded workers that wait on
# I/O: ours have threads for that, and the work is CPU.  On 2 cores, 3 workers × 4 threads kept
# registrations at 300 a second under 30 ms p95 where 5 workers fell behind (README, Performance).
# SUMMIT_WORKERS, or the conventional WEB_CONCURRENCY, overrides.
workers = _int_env("SUMMIT_WORKERS", _int_env("WEB_CONCURRENCY", _cores() + 1))
# Threads let a worker serve others while one request waits on the database or renders a badge.
worker_class = "gthread"
threads = _int_env("SUMMIT_THREADS", 4)
# A request still running after this many seconds gets its worker restarted (one badge takes < 1 s;
# batches run in the background, not in a request).
timeout = _int_env("SUMMIT_TIMEOUT", 60)
# On a restart or SIGTERM, requests in flight get this long to finish.
graceful_timeout = _int_env("SUMMIT_GRACEFUL_TIMEOUT", 30)
# Seconds an idle connection from the proxy is kept open.
keepalive = _int_env("SUMMIT_KEEPALIVE", 5)
# Replace each worker after about this many requests, staggered so they do not all restart at once:
# bounds the memory a long-lived PDF renderer may accumulate.  0 turns it off.  Not lower: a new
# worker costs a second or two of CPU to start, and in a flash crowd at 300 requests a second a
# limit of 1,000 restarted a worker every few seconds, a third of a core (bench/flash_crowd.py).
max_requests = _int_env("SUMMIT_MAX_REQUESTS", 20000)
max_requests_jitter = max(max_requests // 10, 0)
# No preload: each worker builds its own app and database pool (connections must not cross a fork).
preload_app = False
proc_name = "summit"
# The workers' heartbeat files: in memory where there is a tmpfs (a slow disk would stall them).
_SHM = "/dev/shm"  # nosec B108  (gunicorn's heartbeat files, no data: the tmpfs its docs recommend)
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None

# gunicorn's control socket (gunicornc) is off: its default path is shared by every gunicorn of the
# user, so a second instance on the host would take it over.  SUMMIT_CONTROL_SOCKET=PATH turns it on.
control_socket_disable = not os.environ.get("SUMMIT_CONTROL_SOCKET")
if os.environ.get("SUMMIT_CONTROL_SOCKET"):
    control_socket = os.environ["SUMMIT_CONTROL_SOCKET"]

# Access log on stdout ("-"), a file path, or "off"; gunicorn's own messages on stderr.
_access_log = os.environ.get("SUMMIT_ACCESS_LOG", "-")
accesslog = None if _access_log == "off" else _access_log
errorlog = "-"
loglevel = os.environ.get("SUMMIT_LOG_LEVEL", "info")


class SummitLogger(RedactingLogger):
    """Access lines as JSON, from atoms the redacting logger has already cleaned of secrets; gunicorn's
    own lines as JSON too when the app's are."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        if log_format() == "json":
            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time) -> None:
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict
                or (self.cfg.syslog and not self.cfg.disable_redirect_access_to_syslog)):
            return
        # The few fields a line holds, read directly: gunicorn's atoms() would copy every header
        # and environ variable, and the redaction would then scan each (a third of a healthz).
        status = resp.status
        status = int(status.split(None, 1)[0] if isinstance(status, str) else status)
        request_id = next((value for name, value in resp.headers if name.lower() == "x-request-id"), None)
        path = redact(environ.get("PATH_INFO") or "")
        entry = {
            "time": utc_timestamp(time.time()),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": f"{environ.get('REQUEST_METHOD')} {path} {status}",
            "request_id": request_id or environ.get("summit.request_id"),
            "method": environ.get("REQUEST_METHOD"),
            "path": path,
            "query": redact(environ.get("QUERY_STRING") or ""),
            "status": status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "referer": redact(environ.get("HTTP_REFERER")),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(entry, ensure_ascii=False))
        except Exception:  # a log line must never break a response
            self.exception("could not write the access log")


logger_class = SummitLogger


def on_starting(server) -> None:
    """Refuse to start, in one clear line, what every worker would refuse (e.g. production without
    PUBLIC_BASE_URL), rather than let each worker fail to boot with a traceback."""
    check_environment()  # a ConfigurationError is a RuntimeError: gunicorn prints "Error: …" and exits 1
    _check_data_key()


def _check_data_key() -> None:
    """A DATA_KEY that does not open the database's data refuses to start here, in the master, with the
    one line plumbing/data_key.py writes (each worker's create_app checks it again)."""
    from flask import Flask
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    import config as settings

    from . import models  # noqa: F401  (the tables whose encrypted columns the check reads)
    from .plumbing import data_key
    from .plumbing.extensions import db

    instance = os.environ.get("SUMMIT_INSTANCE_PATH") or Flask("summit", instance_relative_config=True).instance_path
    values = settings.from_environment(instance)
    cipher = data_key.DataCipher(data_key.parse_keys(values["DATA_KEY"] or ""))
    engine = create_engine(values["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            data_key.check_database(connection, db.metadata, cipher)
    except OperationalError:
        pass  # not reachable yet: the workers check it on their first request
    finally:
        engine.dispose()  # no connection crosses the fork


def post_worker_init(worker) -> None:
    """Each worker polls the mail outbox from the start (summit/services/outbox), so mail left by a
    worker that died, or written before a restart, is sent without waiting for a request."""
    from flask import Flask

    from .services import outbox

    app = getattr(worker, "wsgi", None)
    # Only an app built by summit.create_app has the outbox's database: another Flask app served with
    # these settings (bench/hello_app.py, the benches' ceiling) has none to poll.
    if isinstance(app, Flask) and "sqlalchemy" in app.extensions:
        outbox.start_poller(app)


def worker_exit(server, worker) -> None:
    """A worker leaving (restart, stop) first sends the mail its requests queued."""
    from .plumbing.mail_transport import wait_for_pending_mail

    try:
        wait_for_pending_mail(timeout=graceful_timeout)
    except Exception:  # a mail server that hangs past the grace period must not keep the worker
        server.log.exception("mail still queued when the worker exited")
