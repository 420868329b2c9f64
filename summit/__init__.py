"""Summit: run an international summit end to end."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """templates/, static/, migrations/: inside the package once installed, at the repo top in a checkout."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, believe their X-Forwarded-For/-Proto/-Host headers.

    Then request.is_secure is true behind a TLS proxy (HSTS, Flask-WTF's Referer check) and rate
    limits count each client's address instead of the proxy's.  Off by default: without a proxy
    in front, those headers come from the client and would be lies.
    """
    count = app.config.get("TRUSTED_PROXIES") or 0
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _check_public_address(app: Flask) -> None:
    """PUBLIC_BASE_URL checked; production refuses to start without a public address (summit/plumbing/urls.py)."""
    import config as settings

    from .plumbing.urls import configured_base

    app.config["PUBLIC_BASE_URL"] = settings.public_base_url(app.config.get("PUBLIC_BASE_URL"))
    app.config["ALLOWED_HOSTS"] = settings.host_names(app.config.get("ALLOWED_HOSTS"))
    if app.config.get("SUMMIT_ENV") == "production" and configured_base(app.config) is None:
        raise settings.ConfigurationError(settings.MISSING_PUBLIC_BASE_URL)


def _summit_timezone() -> str:
    """Babel's time zone: every time on every page is Beijing time (the summit's zone), whatever the
    server's TZ and the visitor's; the pages say so next to the times."""
    from .plumbing.errors import NotFound
    from .services.summits.current import current_summit

    try:
        return current_summit().timezone
    except NotFound:  # no summit seeded yet: still render
        return "Asia/Shanghai"


def _load_data_key(app: Flask) -> None:
    """The sensitive fields' key (summit/plumbing/data_key.py); production refuses to start without one."""
    import config as settings

    from .plumbing import data_key

    if not (app.config.get("DATA_KEY") or "").strip():
        raise settings.ConfigurationError(settings.MISSING_DATA_KEY)
    data_key.init_app(app)


def create_app(config: dict | None = None) -> Flask:
    import config as settings

    from . import auth, cli
    from .plumbing import error_pages as errors, host_check, i18n, mail_transport, request_id, request_input
    from .plumbing.database import configure_engine
    from .web import row_ids
    from .plumbing.extensions import babel, csrf, db, limiter, login_manager, migrate
    from .plumbing.logs import configure_logging

    from .plumbing.app_class import SummitFlask

    app = SummitFlask(
        __name__,
        template_folder=str(_resource_dir("templates")),
        static_folder=str(_resource_dir("static")),
        instance_relative_config=True,
        # another instance folder (its keys, its SQLite file) for a second instance on the host, and for tests
        instance_path=os.environ.get("SUMMIT_INSTANCE_PATH") or None,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    app.config.update(
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
        BABEL_DEFAULT_LOCALE="en",
        WTF_CSRF_TIME_LIMIT=None,  # a delegate may take an hour over the form
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        JSON_SORT_KEYS=False,
    )
    app.config.update(config or {})
    if app.config.get("SUMMIT_ENV") == "production":
        # No personal data in logs, even at DEBUG (issue 17): SQL statements' parameters hidden, in log
        # lines and in the messages of errors; result rows dropped from SQLAlchemy's log
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "hide_parameters": True}
        from .plumbing.logs import keep_personal_data_out_of_sql_logs
        keep_personal_data_out_of_sql_logs()
    _check_public_address(app)
    _load_data_key(app)
    configure_logging(app)
    request_id.init_app(app)  # first, so every later hook and log line can use the id
    host_check.init_app(app)  # next: a request for another host is refused before any work
    row_ids.init_app(app)
    request_input.init_app(app)
    _trust_proxies(app)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_resource_dir("migrations")), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=_summit_timezone)
    csrf.init_app(app)
    login_manager.init_app(app)
    from . import rate_limit_storage  # noqa: F401  (registers the database:// storage before the limiter needs it)
    limiter.init_app(app)
    with app.app_context():
        configure_engine(db.engine)

    from . import models  # noqa: F401  (tables registered for Alembic)
    from .plumbing import data_key
    data_key.check_on_start(app)  # a wrong DATA_KEY refuses to start, before any page shows what it cannot read
    from .api import api_bp
    from .web import drafts, security_headers, templating
    from .web.calendar import calendar_bp
    from .web.desk import desk_bp
    from .web import desk_board, desk_people, desk_travel, selfservice_travel  # noqa: F401  (their routes join desk_bp, selfservice_bp)
    from .web.door import door_bp
    from .web.health import health_bp
    from .web.console import console
    from .web.public import public_bp
    from .web.letters import letters_bp
    from .web.registration import registration_bp
    from .web.selfservice import selfservice_bp
    from .web import selfservice_visa  # noqa: F401  (its routes join selfservice_bp)
    from .web.delegation_page import delegation_page_bp
    from .web import delegation_import  # noqa: F401  (its routes join delegation_page_bp)
    from .web import delegation_visa  # noqa: F401  (its routes join delegation_page_bp)

    app.register_blueprint(public_bp)
    app.register_blueprint(letters_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(selfservice_bp)
    app.register_blueprint(delegation_page_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(door_bp)
    app.register_blueprint(console)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, not cookies

    i18n.init_app(app)
    mail_transport.init_app(app)
    from .services import outbox
    outbox.init_app(app)
    templating.init_app(app)
    drafts.init_app(app)
    security_headers.init_app(app)
    errors.init_app(app)
    from .services.summits.current import current_summit
    app.extensions["error_page_summit"] = current_summit  # the error pages' name and branding
    from .web import read_cache
    read_cache.init_app(app)  # last: its before_request answers after every other check has run
    cli.init_app(app)
    return app
