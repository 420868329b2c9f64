"""The public reads, served from a cache never stale by more than PUBLIC_READ_CACHE_SECONDS.

Routes with places left, the agenda, the calendar feeds and the home, agenda and routes pages are the
same for everyone who sends no cookie but the language's: they are kept, rendered, under the read version
(summit/plumbing/read_versions.py, bumped by every writer inside its own transaction), the language and
the full path.  The version is two numbers, the programme's and the places': a read that shows places left
is kept under both, the agenda and its feeds under the programme's alone, so registrations do not
empty their cache.  A worker serves a kept body only while it has confirmed that version within the last
PUBLIC_READ_CACHE_SECONDS (a primary-key SELECT; 0: on every request), so a seat taken on any worker or
host shows everywhere within that bound.  With REDIS_URL the bodies are shared by every worker and host;
without, each worker keeps its own (the version check is shared either way: it is in the database).

Anything personal stays out: a request carrying a session or remember-me cookie is never answered from
here, and an answer is kept only when it did not touch the session (a flash, a CSRF token, a signed-in
organiser's menu all do) and set no cookie of its own beyond the language's.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Flask, current_app, request, session
from markupsafe import Markup

from ..plumbing import read_versions
from ..plumbing.extensions import db
from ..plumbing.i18n import LANG_COOKIE, lang, select_locale

#: the views whose answer depends only on the data below, the language and the URL
CACHED_ENDPOINTS = frozenset({
    "api.get_routes", "api.get_agenda",
    "calendar.agenda_ics", "calendar.item_ics",
    "public.home", "public.agenda_page", "public.routes_page",
})
#: the tables those views (and the blank registration form, below) are made of: a write to any bumps the
#: read version. The form shows each hotel's rooms left and the visa letters' deadline too.
READ_TABLES = {"summit", "programme_item", "visit_route", "route_booking", "protocol_level",
               "hotel", "hotel_night", "visa_letter_settings", "privacy_notice"}
#: what only says how full things are (plumbing/read_versions.py's PLACES): every write to these tables,
#: and an UPDATE that sets only these counters; a seat taken then leaves the agenda and its feeds kept
PLACES_TABLES = {"route_booking"}
PLACES_COUNTERS = {"visit_route": frozenset({"confirmed"}), "hotel_night": frozenset({"booked"})}
#: the views that show places left: kept under both versions (the others under the programme's alone)
PLACES_ENDPOINTS = frozenset({"api.get_routes", "public.home", "public.routes_page"})
#: the headers a kept answer keeps (the per-request ones, request id and security headers, are added anew)
_KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Cache-Control", "Last-Modified", "ETag", "X-Robots-Tag")
_LOCAL_ENTRIES = 256
_REDIS_TTL = 300

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kept:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    #: a kept form page may be a refusal (registration closed: 403); a kept read is always a 200
    status: int = 200


_local: dict[tuple, Kept] = {}
_lock = threading.Lock()


def _version(max_age: float) -> read_versions.Versions:
    return read_versions.confirmed(db.session, max_age)


def _cacheable_request() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint not in CACHED_ENDPOINTS:
        return False
    return all(name == LANG_COOKIE for name in request.cookies)


def _key(versions: read_versions.Versions) -> tuple:
    return (versions if request.endpoint in PLACES_ENDPOINTS else versions[:1]), select_locale(), request.full_path


def _outdated(kept_under: tuple, now: tuple) -> bool:
    """Whether a piece kept under ``kept_under`` (the programme's number, or it and the places') is of older
    numbers than one being kept under ``now``: it is never served again."""
    return kept_under[0] != now[0] or (len(kept_under) == len(now) == 2 and kept_under[1] != now[1])


def _redis():
    return current_app.extensions.get("read_cache_redis")


def _redis_name(key: tuple) -> str:
    versions, language, path = key
    return "summit:read:%s:%s:%s" % ("-".join(map(str, versions)), language, path)


def _lookup(key: tuple) -> Kept | None:
    kept = _local.get(key)
    if kept is not None or (client := _redis()) is None:
        return kept
    try:
        raw = client.get(_redis_name(key))
    except Exception:  # Redis away: render, as without it
        log.warning("read cache: Redis unavailable", exc_info=True)
        return None
    if raw is None:
        return None
    data = json.loads(raw)
    kept = Kept(base64.b64decode(data["body"]), tuple((k, v) for k, v in data["headers"]), data.get("status", 200))
    _remember_locally(key, kept)
    return kept


def _remember_locally(key: tuple, kept: Kept) -> None:
    _keep_in(_local, key, kept)


def _keep_in(store: dict, key: tuple, value) -> None:
    """``store[key] = value`` in this process, first dropping what older numbers kept there (never served
    again) and, at _LOCAL_ENTRIES, everything."""
    with _lock:
        for other in [other for other in store if _outdated(other[0], key[0])]:
            del store[other]
        if len(store) >= _LOCAL_ENTRIES:
            store.clear()
        store[key] = value


def _store(key: tuple, kept: Kept) -> None:
    _remember_locally(key, kept)
    if (client := _redis()) is not None:
        data = {"body": base64.b64encode(kept.body).decode(), "headers": list(kept.headers), "status": kept.status}
        try:
            client.set(_redis_name(key), json.dumps(data), ex=_REDIS_TTL)
        except Exception:
            log.warning("read cache: Redis unavailable", exc_info=True)


#: the request headers that make an answer conditional (werkzeug's make_conditional reads these)
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                "HTTP_IF_RANGE", "HTTP_RANGE")


def _answer(kept: Kept):
    # _KEPT_HEADERS holds no Content-Length: the response class works it out from the body
    response = current_app.response_class(kept.body, headers=kept.headers)
    environ = request.environ
    if any(name in environ for name in _CONDITIONAL):
        return response.make_conditional(request)
    return response  # most asks are plain: the 200 as it is (the server adds the Date)


def _etag(key: tuple) -> str:
    versions, language, path = key
    return "r%s-%s-%s" % ("-".join("%x" % v for v in versions), language, hashlib.sha256(path.encode()).hexdigest()[:16])


#: where a kept form page has its CSRF token: the page is rendered with this in the token's place, and each
#: visitor's own token is put in on the way out (random per process: no visitor can type it into a field)
TOKEN_SLOT = "csrf-slot-" + secrets.token_hex(12)


def blank_form(render: Callable[[], tuple[str, int]], token: str) -> tuple[str, int]:
    """A form page that is the same for every visitor but for its CSRF token (the registration form before
    anything is typed), kept like the public reads, under the read version, the language, the URL and the
    day (a deadline may pass); ``render`` makes it, and its status, with TOKEN_SLOT as the token.  A page
    kept here is answered without a query but the version's."""
    key = (_version(float(current_app.config["PUBLIC_READ_CACHE_SECONDS"])), select_locale(),
           f"form:{date.today().isoformat()}:{request.full_path}")
    kept = _lookup(key) if current_app.config.get("PUBLIC_READ_CACHE", True) else None
    if kept is None:
        body, status = render()
        kept = Kept(body.encode(), (), status)
        _store(key, kept)
    return kept.body.decode().replace(TOKEN_SLOT, token), kept.status


def kept_fragment(name: str, *parts, caller: Callable[[], Markup], keep: bool = True, places: bool = True) -> Markup:
    """A piece of a page made only of read tables (a route's times, transport and meeting point), kept under
    the read version and the page's language, for pages that are not kept whole (the delegate's own page,
    the form shown again).  In a template: ``{% call kept_fragment("route_details", r.id) %}…{% endcall %}``;
    ``parts`` name whatever else the piece shows (the delegate's choice), ``keep=False`` renders it afresh
    (a form shown again with its errors); ``places=False`` for a piece that shows no places left (kept
    then while seats are taken).  The version is read once a request (and by the bound of
    PUBLIC_READ_CACHE_SECONDS)."""
    if not keep:
        return caller()
    versions = read_versions.once_a_request(db.session, float(current_app.config["PUBLIC_READ_CACHE_SECONDS"]))
    key = (versions if places else versions[:1], lang(), name, parts)
    kept = _fragments.get(key)
    if kept is None:
        kept = caller()  # Markup already: the template escaped what it put in
        _keep_in(_fragments, key, kept)  # this process only: a fragment is cheaper to render than to fetch
    return kept


#: kept_fragment's pieces, by (read versions, language, name, parts)
_fragments: dict[tuple, Markup] = {}


def init_app(app: Flask) -> None:
    app.config.setdefault("PUBLIC_READ_CACHE_SECONDS", 0.5)
    if not 0 <= float(app.config["PUBLIC_READ_CACHE_SECONDS"]) <= 1:
        raise ValueError("PUBLIC_READ_CACHE_SECONDS must be between 0 and 1: the reads are never staler than that")
    with app.app_context():
        read_versions.watch(db.engine, READ_TABLES, PLACES_TABLES, PLACES_COUNTERS)
    app.jinja_env.globals["kept_fragment"] = kept_fragment
    if app.config.get("REDIS_URL") and app.config.get("PUBLIC_READ_CACHE_REDIS", True):
        import redis

        app.extensions["read_cache_redis"] = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=0.5)

    @app.before_request
    def _serve_kept():
        if not app.config.get("PUBLIC_READ_CACHE", True) or not _cacheable_request():
            return None
        key = _key(_version(float(app.config["PUBLIC_READ_CACHE_SECONDS"])))
        kept = _lookup(key)
        if kept is None:
            request.environ["summit.read_cache_key"] = key  # for _keep, once the view has made it
            return None
        return _answer(kept)

    @app.after_request
    def _keep(response):
        key = request.environ.get("summit.read_cache_key")  # None too for an answer served from here
        if key is None or response.status_code != 200 or response.is_streamed or request.method != "GET":
            return response
        if session.modified or any(not c.startswith(LANG_COOKIE + "=") for c in response.headers.getlist("Set-Cookie")):
            return response
        if "ETag" not in response.headers:
            response.set_etag(_etag(key))
        response.headers.setdefault("Cache-Control", "no-cache")  # a client may keep it, asking with If-None-Match
        headers = tuple((name, response.headers[name]) for name in _KEPT_HEADERS if name in response.headers)
        _store(key, Kept(response.get_data(), headers))
        return response.make_conditional(request)
