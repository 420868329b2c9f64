"""The offline door scanner: a page at the desk that installs as a PWA.

The page downloads its zone's roster (hashes of the badge codes and what the door shows), keeps it in
the browser's IndexedDB, decides at the door without the network, queues every scan with a UUID, and
syncs the queue through the desk's session here when the network is back.  Everything it needs is
served by the app: the page, its script and styles, the bundled QR reader, the manifest and its
icons, and the service worker (served from inside the scope it controls, /desk/door).

The JSON endpoints are the desk's session doors onto the same services the token API calls
(zone_roster, sync_scans): staff login, and the CSRF token in the X-CSRFToken header for the POST.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..auth import console_requires
from ..models.zones import DEVICE_MAX
from ..plumbing.i18n import lang
from ..plumbing.request_input import json_object, takes_json
from ..services.checkin import roster as rosters, sync as syncing, zones as zone_rules
from ..services.registration import countries
from ..services.summits.current import current_summit
from .security_headers import keep_private

door_bp = Blueprint("door", __name__, url_prefix="/desk")

keep_private(door_bp, referrer=None)

#: the page's scope: the service worker controls this page and nothing else of the desk
SCOPE = "/desk/door"
#: what the service worker keeps for the page to load offline (the page itself is kept as it is visited)
SHELL_ASSETS = ("css/summit.css", "js/language-draft.js", "door/door.css", "door/decide.js", "door/door.js", "vendor/jsqr/jsQR.js",
                "door/icon-192.png", "door/icon-512.png", "img/favicon.svg")


def _static_path(name: str) -> Path:
    return Path(current_app.static_folder) / name


@lru_cache(maxsize=4)
def _shell_version(folder: str) -> str:
    """A digest of the shell's files and the worker itself: a new release installs a new cache."""
    digest = hashlib.sha256()
    for name in (*SHELL_ASSETS, "door/sw.js"):
        digest.update((Path(folder) / name).read_bytes())
    return digest.hexdigest()[:16]


def _zone_choices(summit) -> list[dict]:
    return [{"code": z.code, "name": z.name_zh if lang() == "zh" else z.name_en}
            for z in zone_rules.zones_of(summit)]


def _words() -> dict[str, str]:
    """Every string the page's script shows, translated here (the script has no catalogue)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: scans are kept on this device"),
        "queued": _("Scans waiting to sync: %(n)s"),
        "roster_none": _("No roster on this device yet: connect to download it."),
        "roster_age": _("Roster of %(time)s (%(minutes)s min ago), %(count)s badges"),
        "roster_loading": _("Downloading the roster…"),
        "roster_failed": _("The roster could not be downloaded; the one on this device is used."),
        "green": _("Admit"),
        "green_why": _("Checked in now."),
        "amber_already": _("Already in"),
        "amber_already_why": _("Already checked in here today at %(time)s. Do not admit again."),
        "amber_revoked": _("Revoked badge"),
        "amber_revoked_why": _("This badge was reissued at %(time)s: ask for the new one."),
        "amber_revoked_why_untimed": _("This badge was reissued: ask for the new one."),
        "amber_not_accredited": _("Not accredited"),
        "amber_not_accredited_why": _("The organisers have not approved this registration. "
                                      "Send the delegate to the accreditation desk."),
        "red_not_admitted": _("Not admitted here"),
        "red_not_admitted_why": _("This badge does not admit its holder to this zone."),
        "red_unknown": _("Unknown code"),
        "red_unknown_why": _("Unknown or forged code: not a valid badge of this summit."),
        "synced": _("Synced at %(time)s."),
        "sync_failed": _("Sync failed; the scans stay queued and are sent again."),
        "signed_out": _("Signed out: sign in again to sync and refresh the roster."),
        "conflicts": _("The server decided differently"),
        "conflict_row": _("%(name)s, scanned %(time)s: this device said “%(local)s”, the server says “%(server)s”."),
        "camera_starting": _("Starting the camera…"),
        "camera_scanning": _("Hold the badge’s QR code in front of the camera."),
        "camera_unavailable": _("No camera here: type the code, or use a handheld scanner in the field below."),
        "no_zone": _("Choose the zone of this door first."),
        "outcome_checked_in": _("checked in"),
        "outcome_already_checked_in": _("already checked in"),
        "outcome_not_admitted": _("not admitted to this zone"),
        "outcome_not_accredited": _("not accredited"),
        "outcome_badge_revoked": _("revoked badge"),
        "outcome_unknown_code": _("unknown code"),
        "outcome_invalid_scanned_at": _("the device clock was wrong"),
        "outcome_invalid_scan": _("not a valid scan"),
        "unknown_name": _("Unknown badge"),
    }


@door_bp.get("/door")
@console_requires("staff")
def door_page():
    summit = current_summit()
    config = {
        "zone_roster_url": url_for("door.roster_json", code="ZONE"),
        "sync_url": url_for("door.sync_json"),
        "worker_url": url_for("door.service_worker"),
        "scope": SCOPE,
        "timezone": summit.timezone,
        "summit": summit.id,
        "user": current_user.id,
        "lang": lang(),
        "words": _words(),
        "csrf_token": generate_csrf(),
        # the roster names countries by code; the door shows their names, offline too
        "countries": dict(countries.countries(lang())),
    }
    return render_template("desk/door.html", summit=summit, zones=_zone_choices(summit), config=config)


@door_bp.get("/door.webmanifest")
@console_requires("staff")
def manifest():
    summit = current_summit()
    body = {
        "name": _("Door scanner · %(summit)s", summit=summit.short_name_zh if lang() == "zh" else summit.short_name_en),
        "short_name": _("Door"),
        "lang": "zh-Hans" if lang() == "zh" else "en",
        "start_url": SCOPE,
        "scope": SCOPE,
        "id": SCOPE,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b5c6b",
        "icons": [
            {"src": url_for("static", filename="door/icon-192.png"), "sizes": "192x192", "type": "image/png",
             "purpose": "any maskable"},
            {"src": url_for("static", filename="door/icon-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "any maskable"},
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@door_bp.get("/door-sw.js")
@console_requires("staff")
def service_worker():
    """The worker script, from inside its scope; it learns the shell's URLs and version from its first lines."""
    folder = current_app.static_folder
    version = _shell_version(folder)
    assets = [url_for("static", filename=name) for name in SHELL_ASSETS]
    head = (f"var SHELL_VERSION = {version!r};\n"
            f"var SHELL_ASSETS = {_js_list(assets)};\n"
            f"var PAGE_URL = {SCOPE!r};\n")
    script = head + _static_path("door/sw.js").read_text(encoding="utf-8")
    response = Response(script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = SCOPE
    return response


def _js_list(items: list[str]) -> str:
    import json
    return json.dumps(items)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@door_bp.get("/door/zones/<code>/roster.json")
@console_requires("staff")
def roster_json(code: str):
    summit = current_summit()
    try:
        body = rosters.zone_roster(summit, code, current_user)
    except zone_rules.UnknownZone as exc:
        return jsonify(error=exc.code, message=_("This zone does not exist.")), 404
    # The page may be a cached shell whose token has aged: each roster brings a fresh one for the sync.
    return jsonify({**body, "csrf_token": generate_csrf()})


@door_bp.post("/door/sync.json")
@takes_json
@console_requires("staff")
def sync_json():
    body = json_object()
    scans = body.get("scans")
    if not isinstance(scans, list):
        return jsonify(error="validation_failed", message=_("Send the scans as a list.")), 422
    if len(scans) > syncing.MAX_SCANS:
        return jsonify(error="too_many_scans",
                       message=_("At most %(n)s scans at a time.", n=syncing.MAX_SCANS)), 413
    device = body.get("device") if isinstance(body.get("device"), str) else ""
    summit = current_summit()
    results = syncing.sync_scans(summit, scans, current_user, device=device[:DEVICE_MAX])
    return jsonify(results=[_result(r, summit) for r in results], csrf_token=generate_csrf())


def _result(result, summit) -> dict:
    at = result.checked_in_at
    out = {"id": result.id, "outcome": result.outcome,
           "checked_in_at": at.astimezone(summit.zone).isoformat() if at else None}
    if result.outcome == syncing.INVALID_SCAN:
        out["error"] = result.error
    return out
