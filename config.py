"""Summit configuration, read from the environment.

Development needs nothing set: the database is SQLite in the Flask instance
folder and the secret key is generated once and kept there.  Production sets
at least DATABASE_URL (postgresql+psycopg://…) and SECRET_KEY; see README.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit


class ConfigurationError(RuntimeError):
    """A setting the app cannot start with; the message says what to set.

    A RuntimeError, so that gunicorn prints it as one line ("Error: …") and exits.
    """


MISSING_PUBLIC_BASE_URL = (
    "PUBLIC_BASE_URL is not set. In production (SUMMIT_ENV=production) set it to the address delegates use, "
    "for example PUBLIC_BASE_URL=https://summit.example.org: every link in emails, API answers and calendar "
    "feeds starts with it, and requests naming another host are refused.")


MISSING_DATA_KEY = (
    "DATA_KEY is not set. In production (SUMMIT_ENV=production) set it to a Fernet key, made by "
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())', and keep it "
    "with the database's backups: it encrypts delegates' sensitive fields, which no other key can read.")


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _count(name: str) -> int | None:
    value = (os.environ.get(name) or "").strip()
    return int(value) if value else None


def log_format(environ=os.environ) -> str:
    """"json" (one object a line, the production default) or "text"; LOG_FORMAT chooses."""
    production = environ.get("SUMMIT_ENV", "development") == "production"
    chosen = (environ.get("LOG_FORMAT") or ("json" if production else "text")).strip().lower()
    return "json" if chosen == "json" else "text"


def public_base_url(value: str | None) -> str | None:
    """PUBLIC_BASE_URL checked: an http or https origin (a path is allowed), kept without its trailing slash.

    Anything else is refused at start, not discovered later in a delegate's inbox.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    try:
        port_ok = parts.port is None or parts.port > 0  # .port raises on one that is no number
    except ValueError:
        port_ok = False
    if (not port_ok or parts.scheme not in ("http", "https") or not parts.hostname or parts.username
            or parts.password or "?" in value or "#" in value):
        raise ConfigurationError(f"PUBLIC_BASE_URL={value!r} is not an http or https address such as "
                                 "https://summit.example.org (no query, fragment or user name)")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def host_names(value) -> list[str]:
    """ALLOWED_HOSTS: host names separated by commas or spaces, in the form a Host header carries them."""
    if not value:
        return []
    names = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [_ascii_host(name.strip().lower()) for name in names if name.strip()]


def _ascii_host(name: str) -> str:
    """A name as a Host header carries it (IDNA); a leading dot (its subdomains too) is kept."""
    dot = "." if name.startswith(".") else ""
    try:
        return dot + name.removeprefix(".").encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ConfigurationError(f"ALLOWED_HOSTS: {name!r} is not a host name") from exc


def check_environment(environ=os.environ) -> None:
    """What must hold before serving (gunicorn's master checks it before it starts any worker)."""
    base = public_base_url(environ.get("PUBLIC_BASE_URL"))
    if base is None and environ.get("SUMMIT_ENV", "development") == "production":
        raise ConfigurationError(MISSING_PUBLIC_BASE_URL)
    if not (environ.get("DATA_KEY") or "").strip() and environ.get("SUMMIT_ENV", "development") == "production":
        raise ConfigurationError(MISSING_DATA_KEY)


def instance_secret(instance_path: str, name: str, make) -> str:
    """A development secret (the session key, the data key): made once by ``make()``, kept in the instance
    folder, owner-readable only.  Never a constant in the code: a leaked repository must not leak sessions.
    """
    path = Path(instance_path) / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = make()
        # O_EXCL: when several workers start at once, the first one wins and the rest read its key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def instance_secret_key(instance_path: str) -> str:
    return instance_secret(instance_path, "secret_key", lambda: secrets.token_urlsafe(48))


def from_environment(instance_path: str) -> dict:
    """Settings for create_app; tests override any of them with a dict."""
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "summit.sqlite3")
    )
    # Heroku-style URLs name the driver "postgres://"; SQLAlchemy needs the dialect and psycopg 3.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    from summit.plumbing.data_key import INSTANCE_FILE, new_key

    production = os.environ.get("SUMMIT_ENV", "development") == "production"
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or instance_secret_key(instance_path),
        # Encrypts sensitive fields at rest (summit/plumbing/data_key.py): Fernet keys, comma-separated, the
        # first encrypts.  Unset in development: generated once into the instance folder; required in production.
        "DATA_KEY": os.environ.get("DATA_KEY")
        or (None if production else instance_secret(instance_path, INSTANCE_FILE, new_key)),
        # where the key ring lives when the app keeps it itself (development): rotate-data-key rewrites it
        "DATA_KEY_FILE": (None if os.environ.get("DATA_KEY") or production
                          else str(Path(instance_path) / "data_key")),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Where delegates reach us: every absolute link (emails, API bodies, calendar feeds) starts with it,
        # never with a request's Host, and requests naming another host are refused.  Required in
        # production; unset in development: the server's own listening address (summit/plumbing/urls.py).
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or None,
        # More host names requests may name (an internal name, an alias); links still use PUBLIC_BASE_URL.
        "ALLOWED_HOSTS": host_names(os.environ.get("ALLOWED_HOSTS")),
        # Badge batches: the RQ queue the web processes and the workers share (unset: summit-badges), and
        # how many processes render one batch (unset: one per core, at most 2).
        "BADGE_QUEUE": os.environ.get("BADGE_QUEUE") or None,
        "BADGE_RENDER_PROCESSES": _count("BADGE_RENDER_PROCESSES"),
        # Most badges one request renders (the API's badges.pdf; unset: 50, services/badges/documents.py);
        # more is a 413 that points to a batch.
        "BADGE_SYNC_LIMIT": _count("BADGE_SYNC_LIMIT"),
        # Seconds a finished batch PDF (names and check-in codes) is kept before it is deleted.
        "BADGE_RESULT_TTL": _count("BADGE_RESULT_TTL") or 24 * 3600,
        # A running batch says it is alive every BADGE_JOB_HEARTBEAT seconds; one silent for
        # BADGE_JOB_STALE_AFTER seconds has died with its process and is marked failed.
        "BADGE_JOB_HEARTBEAT": _count("BADGE_JOB_HEARTBEAT") or 10,
        "BADGE_JOB_STALE_AFTER": _count("BADGE_JOB_STALE_AFTER") or 120,
        # The name of this host's one batch slot (unset: the host name).  Hosts with the same
        # name share one slot; give each host its own (the default) so each renders one at a time.
        "BADGE_RUNNER": os.environ.get("BADGE_RUNNER") or None,
        # The public pages and feeds come from a cache (summit/web/read_cache.py) confirmed against the
        # database's read version at most this many seconds ago (0 to 1; 0: on every request).
        "PUBLIC_READ_CACHE_SECONDS": float(os.environ.get("PUBLIC_READ_CACHE_SECONDS") or 0.5),
        "PUBLIC_READ_CACHE": _flag("PUBLIC_READ_CACHE", True),
        # How many reverse proxies (e.g. one TLS-terminating nginx) stand in front of gunicorn; their
        # X-Forwarded-* headers are believed only then.  0: none, the headers are ignored.
        "TRUSTED_PROXIES": _count("TRUSTED_PROXIES") or 0,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "noreply@summit.invalid"),
        # "background" (unset): mail leaves from a thread of its own after the answer has gone;
        # "inline": inside the request, which then waits on the mail server.
        "MAIL_DELIVERY": os.environ.get("MAIL_DELIVERY") or "background",
        # The durable outbox (summit/services/outbox): every MAIL_OUTBOX_POLL seconds each process looks
        # for mail due (unset: 5; 0: only when woken after a commit), and a claimed mail not finished
        # within MAIL_OUTBOX_LEASE seconds (unset: 300) was claimed by a process that died and is claimed again.
        "MAIL_OUTBOX_POLL": float(os.environ["MAIL_OUTBOX_POLL"]) if os.environ.get("MAIL_OUTBOX_POLL") else None,
        "MAIL_OUTBOX_LEASE": _count("MAIL_OUTBOX_LEASE") or 300,
        # Lost-link requests for one email, from any address (each also counts against the
        # address's REGISTRATION_RATE_LIMIT): anyone can type anyone's email, and each mails them.
        "LOST_LINK_EMAIL_RATE_LIMIT": os.environ.get("LOST_LINK_EMAIL_RATE_LIMIT") or "5 per hour; 10 per day",
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        # Shared by every worker process: Redis when REDIS_URL is set, else the app's own database
        # (summit/rate_limit_storage.py).  memory:// would be one count per process, so N workers
        # would admit N times each limit.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("REDIS_URL")
        or "database://",
        # A 429 says when to come back (Retry-After), with the X-RateLimit-* headers beside it.
        "RATELIMIT_HEADERS_ENABLED": True,
        "REGISTRATION_RATE_LIMIT": os.environ.get("REGISTRATION_RATE_LIMIT", "20 per minute"),
        # Look-ups of the public visa-letter verify page per client address: an embassy checks a few letters;
        # a client walking serials is stopped long before it could find one (services/travel/letters.py).
        "LETTER_VERIFY_RATE_LIMIT": os.environ.get("LETTER_VERIFY_RATE_LIMIT", "30 per minute"),
        # Sign-in attempts per client address, whatever the account (Flask-Limiter, like the above).
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "20 per minute"),
        # The console's sign-in throttle (services/accounts.authenticate): password checks per account
        # and client address in a window, and per account from all addresses together (addresses it
        # was recently signed in from are let past that one).  Always on, whatever RATELIMIT_ENABLED says.
        "LOGIN_ATTEMPTS_PER_ADDRESS": _count("LOGIN_ATTEMPTS_PER_ADDRESS") or 5,
        "LOGIN_ATTEMPTS_PER_ACCOUNT": _count("LOGIN_ATTEMPTS_PER_ACCOUNT") or 100,
        "LOGIN_WINDOW_SECONDS": _count("LOGIN_WINDOW_SECONDS") or 15 * 60,
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SUMMIT_ENV": "production" if production else "development",
        "LOG_FORMAT": log_format(),
    }
