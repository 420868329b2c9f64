"""iCalendar downloads and feeds: the programme, one item, a delegate's own agenda."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from ..plumbing.i18n import lang
from ..models import utcnow
from ..models.labels import DelegateStatus
from ..services.calendar import feeds as calendar
from ..services.calendar.tokens import delegate_for_calendar_token
from ..services.summits.current import current_summit
from ..plumbing.urls import external_url

calendar_bp = Blueprint("calendar", __name__)


@calendar_bp.get("/agenda.ics")
def agenda_ics():
    summit = current_summit()
    feed = calendar.programme_calendar(summit, lang(), _links(lang()))
    return _send(feed, "public, max-age=300")


@calendar_bp.get("/agenda/<int:item_id>.ics")
def item_ics(item_id: int):
    summit = current_summit()
    return _send(calendar.item_calendar(summit, item_id, lang(), _links(lang())), "public, max-age=300")


@calendar_bp.get("/calendar/<token>.ics")
def personal_ics(token: str):
    # Always a calendar, never an error page: a calendar app shown an error keeps the events it has for
    # ever.  A cancelled registration's feed shows them cancelled; an address that opens no feed
    # (forged, reset, or signed with a key since changed) answers the same empty calendar whatever it was.
    delegate = delegate_for_calendar_token(token)
    if delegate is None:
        feed = calendar.no_calendar(current_summit(), lang())
    elif delegate.status == DelegateStatus.CANCELLED:
        feed = calendar.cancelled_delegate_calendar(delegate, _links(delegate.language))
    else:
        feed = calendar.delegate_calendar(delegate, _links(delegate.language))
    response = _send(feed, "private, no-cache")
    # A secret URL: keep it out of search engines and shared caches.
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _links(language: str) -> calendar.FeedLinks:
    return calendar.FeedLinks(
        agenda=external_url("public.agenda_page", lang=language),
        routes=external_url("public.routes_page", lang=language),
    )


def _send(feed: calendar.CalendarFile, cache_control: str):
    response = current_app.response_class(feed.body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{feed.filename}"'
    response.headers["Cache-Control"] = cache_control
    response.set_etag(feed.etag)
    # HTTP dates count whole seconds: a Last-Modified in the current second would let an
    # If-Modified-Since poll miss a second change within that same second (RFC 9110
    # §8.8.2.2).  Give it only once it has settled; the ETag is exact either way.
    if feed.last_modified is not None and feed.last_modified.replace(microsecond=0) < utcnow().replace(microsecond=0):
        response.last_modified = feed.last_modified
    # Subscribed apps poll often: an unchanged feed costs them a 304 and no body.
    return response.make_conditional(request)
