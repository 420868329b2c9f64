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
* Neither ever goes back (revisions.py): SEQUENCE and LAST-MODIFIED are what was published
  for the UID, moved on when the event changes, and a feed's Last-Modified moves to a later
  second whenever its body changes, a deleted session included.
* A cancelled registration's feed still answers, with its events STATUS:CANCELLED, and an
  address that no longer opens any feed answers an empty calendar: a calendar app shown an
  error page keeps the old events for ever.
* The calendar's own TEXT properties (NAME, X-WR-CALNAME) are escaped like any other.

Plain functions of the rows, no request: the web layer passes the absolute links in.
Each programme item's rendered event is kept in memory, keyed on every value it is made
of, so a poll costs queries and a join rather than re-folding unchanged text.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, Timezone, vDuration, vText

from ...plumbing.extensions import db
from ...models import Delegate, ProgrammeItem, RouteBooking, Summit, VisitRoute, utcnow
from ...models.labels import BookingStatus, ProgrammeKind
from ..programme.agenda import programme
from ...plumbing.errors import NotFound
from ..visits.capacity import waitlist_position
from . import revisions
from .revisions import Published

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
    #: when what the file says last changed (HTTP Last-Modified; never earlier than a previous answer's);
    #: None for a file that stands for nothing (the answer to an address that opens no feed)
    last_modified: datetime | None

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:32]


# --- the three files -------------------------------------------------------------------------

def programme_calendar(summit: Summit, lang: str, links: FeedLinks) -> CalendarFile:
    """Every programme item, cancelled ones included (as STATUS:CANCELLED, so apps drop them)."""
    items = programme(summit)
    published = _published_items(items, summit)
    body = _assemble(_header(summit, _pick(summit, "name", lang)),
                     [_item_event(item, summit, lang, links, published[_item_uid(item, summit)]) for item in items])
    return _file(body, f"{summit.slug}.ics", [item.updated_at for item in items], key=f"programme:{summit.id}:{lang}")


def item_calendar(summit: Summit, item_id: int, lang: str, links: FeedLinks) -> CalendarFile:
    """One item, with the same UID as in the feeds, so importing it twice never duplicates it."""
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.summit_id != summit.id:
        raise NotFound("no such programme item", code="unknown_item")
    published = _published_items([item], summit)
    body = _assemble(_header(summit, _pick(item, "title", lang)),
                     [_item_event(item, summit, lang, links, published[_item_uid(item, summit)])])
    return _file(body, f"{summit.slug}-{item.id}.ics", [item.updated_at], key=f"item:{item.id}:{lang}")


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
    visit = None
    with force_locale(lang):
        name = _("%(summit)s · My agenda", summit=_pick(summit, "short_name", lang))
        if route is not None and route.departs_at is not None:
            position = waitlist_position(booking)
            visit = _visit_event(delegate, booking, route, position, summit, lang, links)
            changes += [route.updated_at, booking.created_at, booking.confirmed_at]
            # The waiting position moves when someone ahead leaves, which no timestamp of this delegate
            # records: the changed body moves Last-Modified on (revisions.feed_modified).
    states = [_item_state(item, summit) for item in items]
    if visit is not None:
        states.append(_visit_state(visit, delegate.id))
    published = revisions.published_events(states)
    events = [_item_event(item, summit, lang, links, published[_item_uid(item, summit)]) for item in items]
    if visit is not None:
        events.append(_republished(visit, published[str(visit["UID"])]).to_ical())
    return _file(_assemble(_header(summit, name), events), f"{summit.slug}-my-agenda.ics", changes,
                 key=f"delegate:{delegate.id}")


def cancelled_delegate_calendar(delegate: Delegate, links: FeedLinks) -> CalendarFile:
    """A cancelled registration's agenda: each event the feed showed, now STATUS:CANCELLED.

    Calendar apps that subscribed drop them (an error page instead would leave the old route and the
    banquet in them for ever).  Each SEQUENCE is one more than the one last published for its UID, so
    the cancellation wins over the copy an app holds.  Their route is the one the feed showed last
    (the place itself was freed with the registration).  Nothing is recorded: the file changes only
    when the programme does.
    """
    summit = db.session.get(Summit, delegate.summit_id)
    lang = delegate.language
    cancelled_at = delegate.cancelled_at or delegate.updated_at
    routes = {route.code: route for route in summit.routes}
    # The route their feed showed last: a route they had switched away from left their calendar then.
    shown = sorted(revisions.delegate_event_revisions(delegate.id), key=lambda row: (row.modified_at, row.sequence))
    visits = [(row, routes.get(_route_code_of(row.uid))) for row in shown[-1:]]
    visits = [(row, route) for row, route in visits if route is not None and route.departs_at is not None]
    items = [
        item for item in programme(summit)
        if not (item.kind == ProgrammeKind.BANQUET and not delegate.banquet)
        and not (item.kind == ProgrammeKind.VISIT and visits)
    ]
    published = revisions.event_revisions([_item_uid(item, summit) for item in items])
    events = []
    for item in items:
        was = published.get(_item_uid(item, summit)) or Published(item.revision, item.updated_at)
        events.append(_item_event(item, summit, lang, links, _cancelling(was, cancelled_at), cancelled=True))
    changes = [cancelled_at] + [item.updated_at for item in items]
    with force_locale(lang):
        name = _("%(summit)s · My agenda (registration cancelled)", summit=_pick(summit, "short_name", lang))
        for row, route in visits:
            events.append(_cancelled_visit_event(row.uid, route, _cancelling(Published(row.sequence, row.modified_at),
                                                                              cancelled_at), summit, lang, links))
    return _file(_assemble(_header(summit, name), events), f"{summit.slug}-my-agenda.ics", changes,
                 key=f"delegate:{delegate.id}")


def no_calendar(summit: Summit, lang: str) -> CalendarFile:
    """The answer to an address that opens no feed (forged, reset, signed with an old key): an empty
    calendar, the same bytes for every such address, so it tells nothing about whose it was.

    A calendar app handed an error keeps what it has; handed this, it empties the subscription.
    """
    with force_locale(lang):
        name = _("%(summit)s · This calendar address no longer works", summit=_pick(summit, "short_name", lang))
        note = _("Your registration page shows your calendar's current address.")
    return CalendarFile(_header(summit, name, note), f"{summit.slug}-my-agenda.ics", None)


# --- building blocks ---------------------------------------------------------------------------

def _header(summit: Summit, name: str, description: str = "") -> bytes:
    return _calendar_header(summit.slug, name, summit.timezone, summit.starts_on.year, description)


@lru_cache(maxsize=256)
def _calendar_header(slug: str, name: str, tzid: str, year: int, description: str = "") -> bytes:
    """The calendar's own properties and its VTIMEZONE, as an empty VCALENDAR."""
    calendar = Calendar()
    calendar.add("prodid", f"-//Summit//{slug}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # NAME (RFC 7986) and X-WR-CALNAME, escaped as TEXT (RFC 5545 §3.3.11): a raw comma cuts the
    # name for some parsers, and a raw line break would end the property.
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    if description:
        calendar.add("x-wr-caldesc", vText(description))
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
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    revision: int
    updated_at: datetime
    slug: str
    tzid: str


def _item_facts(item: ProgrammeItem, summit: Summit) -> _ItemFacts:
    return _ItemFacts(
        item.id, item.kind, item.title_zh, item.title_en, item.description_zh, item.description_en,
        item.venue_zh, item.venue_en, summit.venue_zh, summit.venue_en, item.starts_at, item.ends_at,
        item.cancelled, item.revision, item.updated_at, summit.slug, summit.timezone)


def _item_event(item: ProgrammeItem, summit: Summit, lang: str, links: FeedLinks, published: Published,
                *, cancelled: bool = False) -> bytes:
    """The item's event, with the SEQUENCE and LAST-MODIFIED published for its UID (revisions.py)."""
    facts = replace(_item_facts(item, summit), revision=published.sequence, updated_at=published.modified_at)
    if cancelled:
        facts = replace(facts, cancelled=True)
    return _rendered_item_event(facts, lang, links)


def _item_uid(item: ProgrammeItem, summit: Summit) -> str:
    return f"item-{item.id}@{summit.slug}.summit"


def _item_state(item: ProgrammeItem, summit: Summit) -> revisions.EventState:
    """What the item's event says in every language (its UID is the same in each): every fact but the time."""
    facts = _item_facts(item, summit)
    return revisions.EventState(_item_uid(item, summit), revisions.fingerprint(replace(facts, updated_at=None)),
                                item.revision, item.updated_at)


def _published_items(items: list[ProgrammeItem], summit: Summit) -> dict[str, Published]:
    return revisions.published_events([_item_state(item, summit) for item in items])


_STAMPS = ("SEQUENCE", "DTSTAMP", "LAST-MODIFIED")


def _visit_state(event: Event, delegate_id: int) -> revisions.EventState:
    """The delegate's route event as built from its rows: its content, less SEQUENCE and time stamps."""
    # Each property's value, its alarms' too, unfolded: serialising the whole event here would fold it twice.
    content = [(name, value.to_ical() if hasattr(value, "to_ical") else value, getattr(value, "params", None))
               for name, value in event.property_items(recursive=True, sorted=False) if name not in _STAMPS]
    return revisions.EventState(str(event["UID"]), revisions.fingerprint(content, int(event["SEQUENCE"])),
                                int(event["SEQUENCE"]), event.decoded("LAST-MODIFIED"), delegate_id)


def _republished(event: Event, published: Published) -> Event:
    """The event with the SEQUENCE and time stamps published for its UID."""
    for name in _STAMPS:
        event.pop(name, None)
    event.add("dtstamp", published.modified_at)
    event.add("last-modified", published.modified_at)
    event.add("sequence", published.sequence)
    return event


def _cancelling(was: Published, cancelled_at: datetime) -> Published:
    """Past what was published: the cancellation must win over the copy an app holds."""
    return Published(was.sequence + 1, max(was.modified_at, cancelled_at))


def _route_code_of(uid: str) -> str:
    """``visit-<delegate>-<code>@…`` → the route's code."""
    return uid.split("@", 1)[0].split("-", 2)[-1]


def _cancelled_visit_event(uid: str, route: VisitRoute, published: Published, summit: Summit, lang: str,
                           links: FeedLinks) -> bytes:
    zone = summit.zone
    name = _("%(code)s · Technical visit: %(name)s", code=route.code, name=_pick(route, "name", lang))
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", published.modified_at)
    event.add("last-modified", published.modified_at)
    event.add("sequence", published.sequence)
    event.add("dtstart", route.departs_at.astimezone(zone))
    if route.returns_at is not None:
        event.add("dtend", route.returns_at.astimezone(zone))
    event.add("summary", _("Cancelled: %(title)s", title=name))
    event.add("description", _("Your registration is cancelled, and with it your place on this visit."))
    event.add("url", f"{links.routes}#route-{route.code}")
    event.add("status", "CANCELLED")
    return event.to_ical()


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
        location = separator.join(part for part in (_pick(item, "venue", lang), _pick(item, "summit_venue", lang))
                                  if part)
        if location:
            event.add("location", location)
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
    stops = [stop.get(lang) or stop.get("en") or stop.get("zh") or "" for stop in route.stops]

    lines = [_local_times(route.departs_at, route.returns_at, zone, lang)]
    if position is not None:
        lines.append(_("Waiting list: you are number %(position)d for this route. "
                       "This event becomes confirmed when a place opens up for you.", position=position))
    if meeting_point:
        lines.append(_("Meeting point: %(place)s", place=meeting_point))
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
    if meeting_point:
        event.add("location", meeting_point)
    event.add("categories", [_kind_label(ProgrammeKind.VISIT)])
    event.add("url", url)
    event.add("status", "TENTATIVE" if position is not None else "CONFIRMED")
    return event


def _file(body: bytes, filename: str, changes: list[datetime | None], *, key: str) -> CalendarFile:
    """The file; its Last-Modified is its rows' newest change, or later when that would move it back."""
    moments = [moment for moment in changes if moment is not None]
    natural = max(moments) if moments else utcnow()
    return CalendarFile(body, filename, revisions.feed_modified(key, body, natural))


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
