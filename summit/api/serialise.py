"""Rows as the contract's JSON shapes (times ISO 8601 with the summit's offset)."""
from __future__ import annotations

from datetime import datetime

from ..models import Delegate, ProgrammeItem, Summit
from ..services.programme.agenda import RouteAvailability
from ..services.travel import letters, passports
from ..services.visits.capacity import waitlist_position


def iso(moment: datetime | None, summit: Summit) -> str | None:
    return moment.astimezone(summit.zone).isoformat() if moment else None


def both(row, field: str) -> dict:
    return {"zh": getattr(row, f"{field}_zh"), "en": getattr(row, f"{field}_en")}


def agenda_item(item: ProgrammeItem, summit: Summit, lang: str) -> dict:
    return {
        "id": item.id,
        "kind": item.kind,
        "title": both(item, "title"),
        "starts_at": iso(item.starts_at, summit),
        "ends_at": iso(item.ends_at, summit),
        # The contract's venue is one string: the room in the asker's language.
        "venue": getattr(item, f"venue_{lang}") or item.venue_en or item.venue_zh,
        "venue_names": both(item, "venue"),
        "description": both(item, "description"),
        "cancelled": item.cancelled,
        "revision": item.revision,
    }


def route(availability: RouteAvailability, summit: Summit) -> dict:
    r = availability.route
    return {
        "id": r.id,
        "code": r.code,
        "name": both(r, "name"),
        "stops": [{"zh": stop.get("zh", ""), "en": stop.get("en", "")} for stop in r.stops],
        "capacity": r.capacity,
        "confirmed": r.confirmed,
        "remaining": r.remaining,
        "waitlisted": availability.waitlisted,
        "note": both(r, "note"),
        "departs_at": iso(r.departs_at, summit),
        "returns_at": iso(r.returns_at, summit),
        "meeting_point": both(r, "meeting_point"),
        "meeting_address": both(r, "meeting_address"),
        "description": both(r, "description"),
        "transport": both(r, "transport"),
        "bring": both(r, "bring"),
    }


def route_place(booking) -> dict | None:
    """A delegate's place: {"id", "status", "waitlist_position"} or None."""
    if booking is None:
        return None
    return {
        "id": booking.route_id,
        "status": booking.status,
        "waitlist_position": waitlist_position(booking),
        "code": booking.route.code,
    }


def delegate(d: Delegate, summit: Summit) -> dict:
    """A delegate as GET /api/v1/delegates lists one."""
    return {
        "id": d.id,
        "given_name": d.given_name,
        "family_name": d.family_name,
        "native_name": d.native_name,
        "email": d.email,
        "organisation": d.organisation,
        "country": d.country,
        "category": d.category,
        "route": route_place(d.booking),
        "checked_in_at": iso(d.checked_in_at, summit),
        **accreditation(d),
        **names(d),
    }


def names(d: Delegate) -> dict:
    """How the delegate's name is written (every delegate body): the order, and the name as printed."""
    return {"name_order": d.name_order, "display_name": d.display_name}


def accreditation(d: Delegate) -> dict:
    """What every registration body and delegate carries about admission (the contract's Accreditation)."""
    return {"accreditation": d.accreditation, "protocol_level": d.protocol_level, "title": d.title,
            "delegation_id": d.delegation_id}


def summit_info(summit: Summit, levels) -> dict:
    return {"slug": summit.slug, "name": both(summit, "name"), "registration_mode": summit.registration_mode,
            "protocol_levels": [{"code": level.code, "name": both(level, "name"), "rank": level.rank}
                                for level in levels]}


#: the visa part of a registration that asked for no letter
NO_VISA = {"visa_letter": None, "passport": None}


def visa(d: Delegate) -> dict:
    """The visa letter (status, serial) and the passport, its number masked (a registration body)."""
    return {"visa_letter": letters.shown(letters.live_letter(d.id)),
            "passport": passports.shown(passports.passport_of(d.id))}
