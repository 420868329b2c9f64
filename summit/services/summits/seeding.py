"""Load a summit definition file (TOML) into the database.

Idempotent, and never overwrites an organiser's edit: for every row we seed we
keep a fingerprint of the values we wrote (SeedRecord).  On the next run a row
whose current values still match that fingerprint is ours to refresh; one that
differs was edited in the console and is left alone; one that is gone was
deleted by an organiser and is not brought back.
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from importlib import resources
from pathlib import Path

from ..privacy import notices
from ...plumbing.database import writing
from ...plumbing.extensions import db
from ...models import (DEFAULT_PROTOCOL_LEVEL, VENUE, ProgrammeItem, ProtocolLevel, SeedRecord, Summit, VisitRoute,
                       Zone, utcnow)
from ...models.labels import DelegateCategory, RegistrationMode
from ...models.summit import DEFAULT_RETENTION_DAYS
from ...models.travel import Hotel, HotelNight
from ...models.zones import ZONE_CODE_MAX
from ...plumbing.errors import ValidationFailed
from ..travel.letter_settings import seed_letter_settings

DEFAULT_DEFINITION = "gstf-2024.toml"

SUMMIT_FIELDS = (
    "name_zh", "name_en", "short_name_zh", "short_name_en", "theme_zh", "theme_en",
    "starts_on", "ends_on", "timezone", "city_zh", "city_en", "venue_zh", "venue_en",
    "organiser_zh", "organiser_en", "host_zh", "host_en",
)
ITEM_FIELDS = (
    "kind", "title_zh", "title_en", "description_zh", "description_en",
    "starts_at", "ends_at", "venue_zh", "venue_en", "position",
)
SUMMIT_DEFAULTS = {"timezone": "Asia/Shanghai"}
ROUTE_DEFAULTS = {"stops": [], "departs_at": None, "returns_at": None}
ROUTE_FIELDS = (
    "name_zh", "name_en", "stops", "note_zh", "note_en", "capacity",
    "departs_at", "returns_at", "meeting_point_zh", "meeting_point_en",
)
#: who may come and whom to ask: seeded as a row of their own ("summit:access"), so that an organiser's
#: switch of the mode in the console is kept like any edit, and summits seeded before these existed get them
ACCESS_FIELDS = ("registration_mode", "contact_email")
#: where the summit is held and how to get there: a row of its own ("summit:venue") for the same reason
VENUE_FIELDS = ("venue_address_zh", "venue_address_en", "venue_latitude", "venue_longitude", "venue_map",
                "venue_directions_zh", "venue_directions_en")
VENUE_DEFAULTS = {"venue_latitude": None, "venue_longitude": None}
#: what a delegate reads before choosing a route ("route:<code>:details"), seeded apart from the capacity
#: and times, so a route whose capacity an organiser changed still gets them
ROUTE_DETAIL_FIELDS = (
    "description_zh", "description_en", "transport_zh", "transport_en", "bring_zh", "bring_en",
    "meeting_address_zh", "meeting_address_en", "meeting_latitude", "meeting_longitude",
    "meeting_directions_zh", "meeting_directions_en",
)
ROUTE_DETAIL_DEFAULTS = {"meeting_latitude": None, "meeting_longitude": None}
ACCESS_DEFAULTS = {"registration_mode": RegistrationMode.OPEN.value}
#: how long personal data is kept after the summit ("summit:retention", a row of its own, so an edit is kept
#: and summits seeded before it existed get it)
RETENTION_FIELDS = ("retention_days",)
RETENTION_DEFAULTS = {"retention_days": DEFAULT_RETENTION_DAYS}
LEVEL_FIELDS = ("name_zh", "name_en", "rank", "badge_colour", "badge_pattern")
LEVEL_DEFAULTS = {"rank": 100, "badge_colour": "#666666", "badge_pattern": "solid"}
#: a file without [[protocol_levels]] still gets the level every delegate starts with
DEFAULT_LEVEL_SPEC = {"code": DEFAULT_PROTOCOL_LEVEL, "name_zh": "代表", "name_en": "Delegate", "rank": 2,
                      "badge_colour": "#1f5fa8", "badge_pattern": "solid"}
#: a zone's columns as seeded (its rule: see models/zones.py)
ZONE_FIELDS = ("name_zh", "name_en", "position", "levels", "categories", "banquet", "route_code", "days", "everyone")
#: what a zone's ``admits`` table may name
ZONE_RULES = ("everyone", "levels", "categories", "banquet", "route")
#: a file without [[zones]] still gets the venue, admitting every approved delegate
DEFAULT_ZONE_SPEC = {"code": VENUE, "name_zh": "会场", "name_en": "Venue", "admits": {"everyone": True}}


@dataclass
class SeedReport:
    summit: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    #: routes whose new capacity is below the places already confirmed on them
    kept_full: list[str] = field(default_factory=list)
    #: the registration mode, contact and protocol levels, reported apart from the programme's rows
    access: "SeedReport | None" = None
    #: the privacy notice version this seed published (None: the text was unchanged)
    notice_version: int | None = None


def default_definition_path() -> Path:
    return Path(str(resources.files("summit.data").joinpath(DEFAULT_DEFINITION)))


def read_definition(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed({"file": [str(exc)]}, f"cannot read {path}: {exc}") from exc
    problems = []
    if "summit" not in data or "slug" not in data.get("summit", {}):
        problems.append("[summit] with a slug is required")
    for index, item in enumerate(data.get("items", [])):
        for name in ("key", "kind", "title_zh", "title_en", "starts_at", "ends_at"):
            if name not in item:
                problems.append(f"items[{index}] lacks {name}")
        for name in ("starts_at", "ends_at"):
            value = item.get(name)
            if isinstance(value, datetime) and value.tzinfo is None:
                problems.append(f"items[{index}].{name} needs an offset, e.g. +08:00")
    for index, route in enumerate(data.get("routes", [])):
        for name in ("code", "name_zh", "name_en", "capacity"):
            if name not in route:
                problems.append(f"routes[{index}] lacks {name}")
    levels = data.get("protocol_levels", [])
    for index, level in enumerate(levels):
        for name in ("code", "name_zh", "name_en", "rank"):
            if name not in level:
                problems.append(f"protocol_levels[{index}] lacks {name}")
        if not isinstance(level.get("rank", 1), int) or level.get("rank", 1) < 1:
            problems.append(f"protocol_levels[{index}].rank must be a whole number from 1")
        colour = level.get("badge_colour", "#000000")
        if not (isinstance(colour, str) and len(colour) == 7 and colour.startswith("#")):
            problems.append(f"protocol_levels[{index}].badge_colour must be #rrggbb")
    if levels and DEFAULT_PROTOCOL_LEVEL not in {level.get("code") for level in levels}:
        problems.append(f"protocol_levels must include {DEFAULT_PROTOCOL_LEVEL!r}, every delegate's first level")
    problems.extend(_zone_problems(data))
    mode = data.get("summit", {}).get("registration_mode", RegistrationMode.OPEN.value)
    if RegistrationMode.known(mode) is None:
        problems.append(f"summit.registration_mode must be one of {', '.join(RegistrationMode.values())}")
    retention = data.get("summit", {}).get("retention_days", DEFAULT_RETENTION_DAYS)
    if not isinstance(retention, int) or isinstance(retention, bool) or not 0 <= retention <= 36500:
        problems.append("summit.retention_days must be a whole number of days from 0 to 36500")
    if problems:
        raise ValidationFailed({"file": problems}, "; ".join(problems))
    return data


def _zone_problems(data: dict) -> list[str]:
    """What is wrong with the file's [[zones]], each problem naming the zone and the field."""
    zones = data.get("zones", [])
    if not isinstance(zones, list):
        return ["zones must be [[zones]] tables"]
    problems = []
    level_codes = {level.get("code") for level in data.get("protocol_levels", [])} or {DEFAULT_PROTOCOL_LEVEL}
    route_codes = {route.get("code") for route in data.get("routes", [])}
    seen = set()
    for index, zone in enumerate(zones):
        where = f"zones[{index}]"
        if not isinstance(zone, dict):
            problems.append(f"{where} must be a table")
            continue
        for name in ("code", "name_zh", "name_en", "admits"):
            if name not in zone:
                problems.append(f"{where} lacks {name}")
        code = zone.get("code")
        if code is not None:
            if not (isinstance(code, str) and 0 < len(code) <= ZONE_CODE_MAX
                    and all(c.isascii() and (c.isalnum() or c in "-_") for c in code)):
                problems.append(f"{where}.code must be 1 to {ZONE_CODE_MAX} letters, digits, - or _")
            elif code in seen:
                problems.append(f"{where}.code {code!r} is defined twice")
            seen.add(code)
        for name in ("name_zh", "name_en"):
            if name in zone and not (isinstance(zone[name], str) and 0 < len(zone[name].strip()) <= 100):
                problems.append(f"{where}.{name} must be a text of 1 to 100 characters")
        extra = set(zone) - {"code", "name_zh", "name_en", "admits", "days"}
        if extra:
            problems.append(f"{where} has unknown keys: {', '.join(sorted(extra))}")
        admits = zone.get("admits", {})
        if not isinstance(admits, dict):
            problems.append(f"{where}.admits must be a table, e.g. {{ everyone = true }}")
            admits = {}
        unknown = set(admits) - set(ZONE_RULES)
        if unknown:
            problems.append(f"{where}.admits has unknown rules: {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(ZONE_RULES)})")
        if "admits" in zone and not any(admits.get(rule) for rule in ZONE_RULES):
            problems.append(f"{where}.admits admits nobody: name at least one of {', '.join(ZONE_RULES)}")
        for flag in ("everyone", "banquet"):
            if flag in admits and not isinstance(admits[flag], bool):
                problems.append(f"{where}.admits.{flag} must be true or false")
        for name, known in (("levels", level_codes), ("categories", set(DelegateCategory.values()))):
            values = admits.get(name, [])
            if not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
                problems.append(f"{where}.admits.{name} must be a list of codes")
                continue
            for value in values:
                if value not in known:
                    problems.append(f"{where}.admits.{name}: {value!r} is not one of {', '.join(sorted(known))}")
        if "route" in admits and admits["route"] not in route_codes:
            problems.append(f"{where}.admits.route: {admits['route']!r} is not a route of this file "
                            f"({', '.join(sorted(route_codes)) or 'none'})")
        days = zone.get("days", [])
        if not (isinstance(days, list) and all(type(day) is date for day in days)):
            problems.append(f"{where}.days must be a list of dates, e.g. [2024-09-25]")
    if zones and VENUE not in seen:
        problems.append(f"zones must include {VENUE!r}: delegate.checked_in_at is the first entry there")
    return problems


def _zone_values(spec: dict, position: int) -> dict:
    admits = spec.get("admits", {})
    return {"name_zh": spec["name_zh"], "name_en": spec["name_en"], "position": position,
            "levels": list(admits.get("levels", [])), "categories": list(admits.get("categories", [])),
            "banquet": bool(admits.get("banquet", False)), "route_code": admits.get("route"),
            "days": sorted(day.isoformat() for day in spec.get("days", [])),
            "everyone": bool(admits.get("everyone", False))}


def _canonical(value):
    # Compare instants, not spellings: 09:00+08:00 and 01:00Z are the same time.
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _fingerprint(values: dict) -> str:
    payload = json.dumps({k: _canonical(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _wanted(source: dict, fields, defaults: dict) -> dict:
    return {name: source.get(name, defaults.get(name, "")) for name in fields}


class _Seeder:
    def __init__(self, summit: Summit, report: SeedReport):
        self.summit = summit
        self.report = report
        self.records = {r.key: r for r in db.session.scalars(
            db.select(SeedRecord).where(SeedRecord.summit_id == summit.id))}

    def sync(self, key: str, row, wanted: dict, make_row, *, fresh: bool = False):
        """Create, refresh or leave alone one seeded row.

        ``fresh``: more values for a row this run has just created (a part seeded under a key of its own),
        filled in as part of its creation, not reported or published as an edit.
        """
        record = self.records.get(key)
        fingerprint = _fingerprint(wanted)
        if row is None:
            if record is not None:
                self.report.kept_deleted.append(key)
                return
            row = make_row()
            db.session.add(row)
            self.report.created.append(key)
        else:
            current = _fingerprint({name: getattr(row, name) for name in wanted})
            if record is not None and current != record.fingerprint:
                self.report.kept_edited.append(key)
                return
            if current == fingerprint:
                self._record(key, record, fingerprint)
                return
            if fresh:
                for name, value in wanted.items():
                    setattr(row, name, value)
                self._record(key, record, fingerprint)
                return
            if hasattr(row, "revision"):
                # Calendars publish both: SEQUENCE (revision) and LAST-MODIFIED (updated_at).
                row.revision += 1
                row.updated_at = utcnow()
            self.report.updated.append(key)
        for name, value in wanted.items():
            setattr(row, name, value)
        self._record(key, record, fingerprint)

    def _record(self, key, record, fingerprint):
        if record is None:
            record = SeedRecord(summit_id=self.summit.id, key=key, fingerprint=fingerprint)
            db.session.add(record)
            self.records[key] = record
        record.fingerprint = fingerprint


def seed_summit(path: Path | None = None) -> SeedReport:
    """Load one summit definition; returns what was created, refreshed or kept."""
    data = read_definition(path or default_definition_path())
    # Reads, then writes what it read: as a writer from the start, so that on SQLite it queues
    # behind another writer (busy timeout) instead of failing "database is locked" when its
    # read snapshot can no longer be upgraded, and two seeds at once cannot both create a row.
    with writing():
        return _load(data)


def _load(data: dict) -> SeedReport:
    spec = data["summit"]
    summit = db.session.scalars(db.select(Summit).where(Summit.slug == spec["slug"])).first()
    report = SeedReport(summit=spec["slug"])

    if summit is None:
        summit = Summit(slug=spec["slug"], **_wanted(spec, SUMMIT_FIELDS, SUMMIT_DEFAULTS))
        db.session.add(summit)
        db.session.flush()
        report.created.append("summit")
    seeder = _Seeder(summit, report)
    seeder.sync("summit", summit, _wanted(spec, SUMMIT_FIELDS, SUMMIT_DEFAULTS), lambda: None)

    report.access = _load_access(summit, spec, data.get("protocol_levels") or [DEFAULT_LEVEL_SPEC])
    seeder.sync("summit:venue", summit, _wanted(spec, VENUE_FIELDS, VENUE_DEFAULTS), lambda: None,
                fresh="summit" in report.created)
    seeder.sync("summit:retention", summit, _wanted(spec, RETENTION_FIELDS, RETENTION_DEFAULTS), lambda: None,
                fresh="summit" in report.created)

    items = {i.seed_key: i for i in summit.items if i.seed_key}
    for position, spec_item in enumerate(data.get("items", [])):
        key = spec_item["key"]
        seeder.sync(f"item:{key}", items.get(key), _wanted(spec_item, ITEM_FIELDS, {"position": position}),
                    lambda key=key: ProgrammeItem(summit_id=summit.id, seed_key=key))

    routes = {r.code: r for r in summit.routes}
    for spec_route in data.get("routes", []):
        code = spec_route["code"]
        row = routes.get(code)
        if row is not None and spec_route.get("capacity", 0) < row.confirmed:
            # Never take places away from delegates who hold them: the organiser decides who moves.
            report.kept_full.append(f"route:{code}")
        else:
            seeder.sync(f"route:{code}", row, _wanted(spec_route, ROUTE_FIELDS, ROUTE_DEFAULTS),
                        lambda code=code: VisitRoute(summit_id=summit.id, code=code, confirmed=0))
            db.session.flush()
            row = db.session.scalars(db.select(VisitRoute).where(
                VisitRoute.summit_id == summit.id, VisitRoute.code == code)).first()
        if row is not None:
            seeder.sync(f"route:{code}:details", row, _wanted(spec_route, ROUTE_DETAIL_FIELDS, ROUTE_DETAIL_DEFAULTS),
                        lambda: None, fresh=f"route:{code}" in report.created)

    # the notice is published, never edited: a changed text is a new version (services/privacy/notices.py)
    notice = notices.sync_notice(summit, data.get("privacy"), spec)
    if notice is not None:
        report.notice_version = notice.version
    _load_travel(seeder, summit, data)

    zones = {z.code: z for z in db.session.scalars(db.select(Zone).where(Zone.summit_id == summit.id))}
    for position, spec_zone in enumerate(data.get("zones") or [DEFAULT_ZONE_SPEC]):
        code = spec_zone["code"]
        seeder.sync(f"zone:{code}", zones.get(code), _zone_values(spec_zone, position),
                    lambda code=code: Zone(summit_id=summit.id, code=code))
    # the host's letterhead for visa letters: stored once, an organiser's change kept
    if seed_letter_settings(summit, data.get("letters")):
        report.created.append("letters")
    return report


#: a hotel's columns as seeded ([[hotels]]; its nights: ``blocks = [{night, rooms}]``)
HOTEL_FIELDS = ("name_zh", "name_en", "address_zh", "address_en", "latitude", "longitude", "map", "distance_km",
                "placeholder")
HOTEL_DEFAULTS = {"latitude": None, "longitude": None, "distance_km": 0.0, "placeholder": False}


def _load_travel(seeder: "_Seeder", summit: Summit, data: dict) -> None:
    """The pick-up window ([travel]) and the hotels with their rooms blocked a night ([[hotels]]); both optional.

    A night's rooms are never lowered below the rooms already booked (as a route's capacity): reported kept_full.
    """
    travel = data.get("travel") or {}
    if "pickup_window_minutes" in travel:
        seeder.sync("summit:travel", summit, {"pickup_window_minutes": int(travel["pickup_window_minutes"])},
                    lambda: None)
    hotels = {h.code: h for h in db.session.scalars(db.select(Hotel).where(Hotel.summit_id == summit.id))}
    for spec in data.get("hotels", []):
        code = spec["code"]
        seeder.sync(f"hotel:{code}", hotels.get(code), _wanted(spec, HOTEL_FIELDS, HOTEL_DEFAULTS),
                    lambda code=code: Hotel(summit_id=summit.id, code=code))
        db.session.flush()
        hotel = db.session.scalars(db.select(Hotel).where(Hotel.summit_id == summit.id, Hotel.code == code)).first()
        if hotel is None:  # deleted by an organiser: kept deleted
            continue
        nights = {n.night: n for n in hotel.nights}
        for block in spec.get("blocks", []):
            night, rooms = block["night"], int(block["rooms"])
            row = nights.get(night)
            key = f"hotel:{code}:{night.isoformat()}"
            if row is not None and rooms < row.booked:
                seeder.report.kept_full.append(key)
                continue
            seeder.sync(key, row, {"rooms": rooms},
                        lambda night=night: HotelNight(summit_id=summit.id, hotel_id=hotel.id, night=night, booked=0))
    db.session.flush()


def _load_access(summit: Summit, spec: dict, levels: list[dict]) -> SeedReport:
    """The registration mode, the contact and the protocol levels (before any delegate can refer to one)."""
    report = SeedReport(summit=summit.slug)
    seeder = _Seeder(summit, report)
    seeder.sync("summit:access", summit, _wanted(spec, ACCESS_FIELDS, ACCESS_DEFAULTS), lambda: None)
    existing = {level.code: level for level in db.session.scalars(
        db.select(ProtocolLevel).where(ProtocolLevel.summit_id == summit.id))}
    for spec_level in levels:
        code = spec_level["code"]
        seeder.sync(f"level:{code}", existing.get(code), _wanted(spec_level, LEVEL_FIELDS, LEVEL_DEFAULTS),
                    lambda code=code: ProtocolLevel(summit_id=summit.id, code=code))
    db.session.flush()
    return report
