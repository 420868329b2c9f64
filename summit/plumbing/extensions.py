"""The Flask extensions, created unbound here and bound in create_app."""
import ipaddress

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints, so Alembic can alter them later (SQLite batch mode needs names).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()


def client_key(address: str | None) -> str:
    """Who a client is, for counting (rate limits, sign-in throttling): its IPv4 address, or its
    IPv6 /64 (one subscriber's network; counting single IPv6 addresses would give a flood 2**64
    fresh ones)."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def client_address_key() -> str:
    """Rate limits count per client: its IPv4 address or its IPv6 /64 (behind TRUSTED_PROXIES, the
    address the proxy saw)."""
    return client_key(request.remote_addr)


# Its counters live where RATELIMIT_STORAGE_URI says: Redis, or the database (rate_limit_storage.py).
limiter = Limiter(key_func=client_address_key, default_limits=[])


def registration_limit() -> str:
    """The limit shared by every way of registering (form, API, lost link), per client address."""
    return current_app.config["REGISTRATION_RATE_LIMIT"]
