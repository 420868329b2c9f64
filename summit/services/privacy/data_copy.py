"""The delegate's own copy of everything the summit holds about them (PIPL art. 45, GDPR art. 15 and 20).

One function builds it, for the JSON download (API and self-service page) and the printable page alike,
so the two never differ. Secrets are left out: the hashes of the delegate's links prove nothing to them
and would only help someone who got hold of the file.
"""
from __future__ import annotations

from datetime import date, datetime

from ...models import (BookingEvent, Consent, Delegate, Delegation, Message, OutboxMail, Scan, Summit, VisitRoute,
                       Zone, ZoneEntry, utcnow)
from ...plumbing.extensions import db
from ...plumbing.urls import external_url
from ..travel import letters as visa_letters
from .consents import PROCESSING
from .notices import latest

#: columns that are credentials or internal bookkeeping, not data about the person
_LEFT_OUT = {"manage_token_hash", "pending_manage_token_hash", "pending_manage_token_expires_at",
             "calendar_token_version", "checked_in_by_id", "summit_id"}


def _value(value, zone):
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(row, zone, names) -> dict:
    return {name: _value(getattr(row, name), zone) for name in names}


def details(delegate: Delegate, zone) -> dict:
    names = [c.key for c in Delegate.__mapper__.column_attrs if c.key not in _LEFT_OUT]
    return _row(delegate, zone, names)


def data_copy(delegate: Delegate) -> dict:
    summit = db.session.get(Summit, delegate.summit_id)
    zone = summit.zone
    routes = {r.id: r for r in db.session.scalars(db.select(VisitRoute).where(VisitRoute.summit_id == summit.id))}

    def route(route_id):
        r = routes.get(route_id)
        return {"id": r.id, "code": r.code, "name": {"zh": r.name_zh, "en": r.name_en}} if r else None

    consents = db.session.execute(db.select(Consent, db.literal_column("privacy_notice.version"))
                                  .join(Consent.notice).where(Consent.delegate_id == delegate.id)
                                  .order_by(Consent.given_at, Consent.id)).all()
    consent_list = [{"kind": c.kind, "given_at": _value(c.given_at, zone), "withdrawn_at": _value(c.withdrawn_at, zone),
                     "given_by": c.given_by, "notice_version": version,
                     "notice_url": external_url("public.privacy", version=version)} for c, version in consents]
    if not any(c["kind"] == PROCESSING for c in consent_list):
        # registered before consents were recorded one by one: the form's one consent, at consent_at
        consent_list.insert(0, {"kind": PROCESSING, "given_at": _value(delegate.consent_at, zone),
                                "withdrawn_at": None, "given_by": "delegate", "notice_version": None,
                                "notice_url": None})

    events = db.session.scalars(db.select(BookingEvent).where(BookingEvent.delegate_id == delegate.id)
                                .order_by(BookingEvent.at, BookingEvent.id))
    zones = {z.id: z for z in db.session.scalars(db.select(Zone).where(Zone.summit_id == summit.id))}

    def zone_of(zone_id):
        z = zones.get(zone_id)
        return {"code": z.code, "name": {"zh": z.name_zh, "en": z.name_en}} if z else None

    entries = db.session.scalars(db.select(ZoneEntry).where(ZoneEntry.delegate_id == delegate.id)
                                 .order_by(ZoneEntry.checked_in_at))
    scans = db.session.scalars(db.select(Scan).where(Scan.delegate_id == delegate.id).order_by(Scan.scanned_at))
    mails = db.session.execute(db.select(OutboxMail, Message).outerjoin(Message, OutboxMail.message_id == Message.id)
                               .where(OutboxMail.delegate_id == delegate.id).order_by(OutboxMail.created_at,
                                                                                       OutboxMail.id)).all()
    delegation = db.session.get(Delegation, delegate.delegation_id) if delegate.delegation_id else None
    lang = delegate.language
    from ..travel import plans as travel  # flights and hotel (services/travel/): their own capability
    journey = travel.travel_of(delegate.id)
    stay = journey.stay
    return {
        "generated_at": _value(utcnow(), zone),
        "summit": {"slug": summit.slug, "name": {"zh": summit.name_zh, "en": summit.name_en},
                   "controller": {"zh": summit.organiser_zh, "en": summit.organiser_en},
                   # the privacy contact the notice names, else the summit's general one
                   "contact_email": (getattr(latest(summit.id), "content", None) or {}).get("contact_email")
                   or summit.contact_email},
        "details": details(delegate, zone),
        "accreditation": {"status": delegate.accreditation, "protocol_level": delegate.protocol_level,
                          "title": delegate.title},
        "delegation": None if delegation is None else {
            "id": delegation.id, "name": {"zh": delegation.name_zh, "en": delegation.name_en},
            "country": delegation.country, "focal_point": delegation.focal_name},
        "consents": consent_list,
        "route": {"current": route(delegate.booking.route_id) if delegate.booking else None,
                  "status": delegate.booking.status if delegate.booking else None,
                  "waiting_for": route(delegate.waiting.route_id) if delegate.waiting else None},
        "route_history": [{"event": e.kind, "at": _value(e.at, zone), "route": route(e.route_id)} for e in events],
        "checkins": [{"zone": zone_of(e.zone_id), "day": e.day.isoformat(), "checked_in_at": _value(e.checked_in_at, zone)}
                     for e in entries],
        "scans": [{"zone": zone_of(s.zone_id), "outcome": s.outcome, "scanned_at": _value(s.scanned_at, zone),
                   "undone_at": _value(s.undone_at, zone)} for s in scans],
        "messages": [{"kind": m.template, "to": m.to, "status": m.status, "created_at": _value(m.created_at, zone),
                      "sent_at": _value(m.sent_at, zone),
                      **({"subject": getattr(msg, f"subject_{lang}"), "body": getattr(msg, f"body_{lang}")}
                         if msg is not None else {})} for m, msg in mails],
        "travel": {
            "flights": [_row(journey.flights[d], zone, ("direction", "at", "flight", "airport", "updated_at"))
                        for d in ("arrival", "departure") if d in journey.flights],
            "hotel": None if stay.hotel is None else {
                "id": stay.hotel.id, "code": stay.hotel.code, "name": {"zh": stay.hotel.name_zh, "en": stay.hotel.name_en},
                "nights": [n.isoformat() for n in stay.nights]}},
        "badge": {"printed_at": _value(delegate.badge_printed_at, zone), "print_count": delegate.badge_print_count,
                  "version": delegate.badge_version, "reissued_at": _value(delegate.badge_reissued_at, zone)},
        "visa": visa_letters.data_copy_part(delegate.id, lambda value: _value(value, zone)),
    }


def download(delegate: Delegate, form: str) -> dict:
    """The copy, its download written to the audit log (``form``: json or page) and committed."""
    from ..console.audit import record_download

    copy = data_copy(delegate)
    record_download(None, "data_copy", filters={"form": form}, delegate_id=delegate.id)
    db.session.commit()
    return copy
