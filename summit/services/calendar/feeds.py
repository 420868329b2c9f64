"""The programme, one item, and a delegate's own agenda as iCalendar (RFC 5545) files.

What calendar apps need to keep a subscribed feed right, and what each choice guards against:

* Wall-clock times with ``TZID`` and a matching VTIMEZONE, never bare UTC: the app then
  shows each delegate the right hour in their own zone.
* A UID per event that never changes and never repeats (``item-<id>@…``, ``visit-<delegate>-<route>@…``):
  a new download updates the event instead of adding a second one; an event that leaves
  the feed (the old route after a switch) leaves the subscribed calendar.
* SEQUENCE = the row's revision and LAST-MODIFIED/DTSTAMP = its last change: apps replace
  the older copy.  DTSTAMP is the last change rather than "now" so that the same data always
  gives the same bytes; the ETag is a hash of those bytes, so a poll with If-None-Match
  gets 304 exactly when nothing a delegate would see has changed.

Plain functions of the rows, no request: the web layer passes the absolute links in.
Each programme item's rendered event is kept in memory, keyed on every value it is made
of, so a poll costs queries and a join rather than re-folding unchanged text.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, Timezone, vDuration

from ...plumbing.extensions import db
from ...models import Delegate, ProgrammeItem, RouteBooking, Summit, VisitRoute, utcnow
from ...models.labels import BookingStatus, ProgrammeKind
from ..programme.agenda import programme
from ...plumbing.errors import NotFound
from ..visits.capacity import waitlist_position

#: how often subscribed apps should poll (REFRESH-INTERVAL, X-PUBLISHED-TTL)
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class FeedLinks:
    """Absolute links back to the site, in the feed's language (built by the web layer)."""

    agenda: str  #: the programme page; an item's link is ``agenda#item-<id>``
    routes: str  #: the routes page; a route's link is ``routes#route-<code>``


@dataclass(frozen=True)
class CalendarFile:
    body: bytes
    filename: str
    #: the newest change among the rows in the file (HTTP Last-Modified)
    last_modified: datetime

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:32]


# --- the three files -------------------------------------------------------------------------

def programme_calendar(summit: Summit, lang: str, links: FeedLinks) -> CalendarFile:
    """Every programme item, cancelled ones included (as STATUS:CANCELLED, so apps drop them)."""
    items = programme(summit)
    body = _assemble(_header(summit, _pick(summit, "name", lang)),
                     [_item_event(item, summit, lang, links) for item in items])
    return _file(body, f"{summit.slug}.ics", [item.updated_at for item in items])


def item_calendar(summit: Summit, item_id: int, lang: str, links: FeedLinks) -> CalendarFile:
    """One item, with the same UID as in the feeds, so importing it twice never duplicates it."""
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.summit_id != summit.id:
        raise NotFound("no such programme item", code="unknown_item")
    body = _assemble(_header(summit, _pick(item, "title", lang)), [_item_event(item, summit, lang, links)])
    return _file(body, f"{summit.slug}-{item.id}.ics", [item.updated_at])


def delegate_calendar(delegate: Delegate, links: FeedLinks) -> CalendarFile:
    """The delegate's agenda, in their language.

    The programme, less the banquet unless they attend; their route as its own event in
    place of the generic "technical visit" item (tentative while they wait for a place).
    """
    summit = db.session.get(Summit, delegate.summit_id)
    lang = delegate.language
    booking = delegate.booking
    route = booking.route if booking is not None else None
    items = [
        item for item in programme(summit)
        if not (item.kind == ProgrammeKind.BANQUET and not delegate.banquet)
        and not (item.kind == ProgrammeKind.VISIT and route is not None and route.departs_at is not None)
    ]
    changes = [item.updated_at for item in items] + [delegate.updated_at]
    events = [_item_event(item, summit, lang, links) for item in items]
    with force_locale(lang):
        name = _("%(summit)s · My agenda", summit=_pick(summit, "short_name", lang))
        if route is not None and route.departs_at is not None:
            position = waitlist_position(booking)
            events.append(_visit_event(delegate, booking, route, position, summit, lang, links).to_ical())
            changes += [route.updated_at, booking.created_at, booking.confirmed_at]
            if position is not None:
                # The position moves when someone ahead leaves, which no timestamp of this
                # delegate records: never let If-Modified-Since alone answer 304 then.
                changes.append(utcnow())
    return _file(_assemble(_header(summit, name), events), f"{summit.slug}-my-agenda.ics", changes)


# --- building blocks ---------------------------------------------------------------------------

def _header(summit: Summit, name: str) -> bytes:
    return _calendar_header(summit.slug, name, summit.timezone, summit.starts_on.year)


@lru_cache(maxsize=256)
def _calendar_header(slug: str, name: str, tzid: str, year: int) -> bytes:
    """The calendar's own properties and its VTIMEZONE, as an empty VCALENDAR."""
    calendar = Calendar()
    calendar.add("prodid", f"-//Summit//{slug}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.calendar_name = name  # NAME (RFC 7986) and X-WR-CALNAME
    calendar.add("x-wr-timezone", tzid)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # Outlook's and Apple's older spelling
    calendar.add_component(_vtimezone(tzid, year))
    return calendar.to_ical()


def _assemble(header: bytes, events: list[bytes]) -> bytes:
    """The events inside the header's VCALENDAR."""
    end = b"END:VCALENDAR\r\n"
    return header[: -len(end)] + b"".join(events) + end


@lru_cache(maxsize=8)
def _vtimezone(tzid: str, year: int) -> Timezone:
    """The zone's rules around the summit's year, from the tz database (tzdata), computed once.

    A window, not 1970–2038: Asia/Shanghai had summer time 1986–91, and apps need only
    the rules in force when the events happen.
    """
    return Timezone.from_tzid(tzid, first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))


@dataclass(frozen=True)
class _ItemFacts:
    """Every value an item's event is made of: the key of its cached rendering."""

    id: int
    kind: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    venue_zh: str
    venue_en: str
    summit_venue_zh: str
    summit_venue_en: str
    summit_venue_address_zh: str
    summit_venue_address_en: str
    venue_latitude: float | None
    venue_longitude: float | None
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    revision: int
    updated_at: datetime
    slug: str
    tzid: str


def _item_event(item: ProgrammeItem, summit: Summit, lang: str, links: FeedLinks) -> bytes:
    facts = _ItemFacts(
        item.id, item.kind, item.title_zh, item.title_en, item.description_zh, item.description_en,
        item.venue_zh, item.venue_en, summit.venue_zh, summit.venue_en, summit.venue_address_zh,
        summit.venue_address_en, summit.venue_latitude, summit.venue_longitude, item.starts_at, item.ends_at,
        item.cancelled, item.revision, item.updated_at, summit.slug, summit.timezone)
    return _rendered_item_event(facts, lang, links)


# Folding and escaping content lines is most of a feed's cost, and polls repeat the same
# events: keep each rendering.  The key holds every input, so an edit is a new key, never
# a stale copy.
@lru_cache(maxsize=4096)
def _rendered_item_event(item: _ItemFacts, lang: str, links: FeedLinks) -> bytes:
    zone = ZoneInfo(item.tzid)
    url = f"{links.agenda}#item-{item.id}"
    title = _pick(item, "title", lang)
    with force_locale(lang):
        event = Event()
        event.add("uid", f"item-{item.id}@{item.slug}.summit")
        event.add("dtstamp", item.updated_at)
        event.add("last-modified", item.updated_at)
        event.add("sequence", item.revision)
        event.add("dtstart", item.starts_at.astimezone(zone))
        event.add("dtend", item.ends_at.astimezone(zone))
        event.add("summary", _("Cancelled: %(title)s", title=title) if item.cancelled else title)
        event.add("description", "\n\n".join(part for part in (
            _local_times(item.starts_at, item.ends_at, zone, lang),
            _pick(item, "description", lang),
            _("On the summit website: %(url)s", url=url),
        ) if part))
        separator = "，" if lang == "zh" else ", "
        # The room, the venue and its address: what a map app needs to find it.  A visit's programme
        # item is on the routes (each delegate's own route event has its meeting point), not at the venue.
        at_venue = item.kind != ProgrammeKind.VISIT
        parts = [_pick(item, "venue", lang)]
        if at_venue:
            parts += [_pick(item, "summit_venue", lang), _pick(item, "summit_venue_address", lang)]
        location = separator.join(part for part in parts if part)
        if location:
            event.add("location", location)
        if at_venue and item.venue_latitude is not None and item.venue_longitude is not None:
            event.add("geo", (item.venue_latitude, item.venue_longitude))
        event.add("categories", [_kind_label(item.kind)])
        event.add("url", url)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        return event.to_ical()


def _visit_event(delegate: Delegate, booking: RouteBooking, route: VisitRoute, position: int | None,
                 summit: Summit, lang: str, links: FeedLinks) -> Event:
    zone = summit.zone
    url = f"{links.routes}#route-{route.code}"
    name = _pick(route, "name", lang)
    changed = max(moment for moment in (route.updated_at, booking.created_at, booking.confirmed_at) if moment)
    meeting_point = _pick(route, "meeting_point", lang)
    meeting_address = _pick(route, "meeting_address", lang)
    stops = [stop.get(lang) or stop.get("en") or stop.get("zh") or "" for stop in route.stops]

    lines = [_local_times(route.departs_at, route.returns_at, zone, lang)]
    if position is not None:
        lines.append(_("Waiting list: you are number %(position)d for this route. "
                       "This event becomes confirmed when a place opens up for you.", position=position))
    if meeting_point:
        lines.append(_("Meeting point: %(place)s", place=meeting_point))
        if _pick(route, "meeting_directions", lang):
            lines.append(_pick(route, "meeting_directions", lang))
    if _pick(route, "transport", lang):
        lines.append(_("Transport: %(how)s", how=_pick(route, "transport", lang)))
    if _pick(route, "bring", lang):
        lines.append(_("Bring: %(what)s", what=_pick(route, "bring", lang)))
    if stops:
        lines.append(_("Stops:") + "\n" + "\n".join(f"{n}. {stop}" for n, stop in enumerate(stops, 1)))
    if _pick(route, "note", lang):
        lines.append(_pick(route, "note", lang))
    lines.append(_("On the summit website: %(url)s", url=url))

    event = Event()
    # Per delegate and route: a route switch drops this UID from the feed and adds another.
    event.add("uid", f"visit-{delegate.id}-{route.code}@{summit.slug}.summit")
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    # Confirming a waiting place is a change the app must apply over the tentative copy.
    event.add("sequence", route.revision + (1 if booking.status == BookingStatus.CONFIRMED else 0))
    event.add("dtstart", route.departs_at.astimezone(zone))
    if route.returns_at is not None:
        event.add("dtend", route.returns_at.astimezone(zone))
    summary = _("%(code)s · Technical visit: %(name)s", code=route.code, name=name)
    if position is not None:
        summary = _("%(code)s · Technical visit: %(name)s (waiting list)", code=route.code, name=name)
    event.add("summary", summary)
    event.add("description", "\n\n".join(lines))
    separator = "，" if lang == "zh" else ", "
    location = separator.join(part for part in (meeting_point, meeting_address) if part)
    if location:
        event.add("location", location)
    if route.meeting_latitude is not None and route.meeting_longitude is not None:
        event.add("geo", (route.meeting_latitude, route.meeting_longitude))
    event.add("categories", [_kind_label(ProgrammeKind.VISIT)])
    event.add("url", url)
    event.add("status", "TENTATIVE" if position is not None else "CONFIRMED")
    if position is None:  # a reminder to leave for the coach; none for a place not yet one's own
        event.add_component(_departure_reminder(route, name, meeting_point, lang))
    return event


#: how long before a visit's departure its reminder rings
REMINDER_BEFORE_DEPARTURE = timedelta(minutes=60)


def _departure_reminder(route: VisitRoute, name: str, meeting_point: str, lang: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -REMINDER_BEFORE_DEPARTURE)  # relative to DTSTART, the departure
    if meeting_point:
        text = _("%(code)s leaves in one hour from %(place)s.", code=route.code, place=meeting_point)
    else:
        text = _("%(code)s · %(name)s leaves in one hour.", code=route.code, name=name)
    alarm.add("description", text)
    return alarm


def _file(body: bytes, filename: str, changes: list[datetime | None]) -> CalendarFile:
    moments = [moment for moment in changes if moment is not None]
    return CalendarFile(body, filename, max(moments) if moments else utcnow())


def _local_times(start: datetime, end: datetime | None, zone, lang: str) -> str:
    """The times as the summit's clock shows them: the app shows the delegate's own zone,
    but the delegate will meet people who speak in Beijing time."""
    local_start = start.astimezone(zone)
    day = format_date(local_start.date(), "full" if lang == "zh" else "EEEE d MMMM y", locale=lang)
    if end is None:
        return _("%(day)s, %(start)s Beijing time (UTC+8)", day=day, start=f"{local_start:%H:%M}")
    return _("%(day)s, %(start)s–%(end)s Beijing time (UTC+8)",
             day=day, start=f"{local_start:%H:%M}", end=f"{end.astimezone(zone):%H:%M}")


def _pick(row, field: str, lang: str) -> str:
    """The field in the feed's language, else the other one (as the pages do)."""
    other = "en" if lang == "zh" else "zh"
    return getattr(row, f"{field}_{lang}") or getattr(row, f"{field}_{other}")


def _kind_label(kind: str) -> str:
    # The programme page's words (models/labels.py), in the feed's language (force_locale around the caller).
    return str(ProgrammeKind.of(kind).label)
