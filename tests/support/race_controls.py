"""The concurrency tests' controls: the app's rules as a naive app writes them, so that each
concurrency test can show it would catch the race it is about.

Each control replaces production functions in the process it is applied in.  Only the live
gunicorn server of a control test applies one (``live_app.make(guard=False)`` and its other
flags, named in the gunicorn app string), never the test process itself, and the production
modules carry no switch for them.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from summit.plumbing.database import commit_keeping_state, write_transaction
from summit.plumbing.extensions import db
from summit.models import ConsoleUser, Delegate, Delegation, RateCounter, RouteBooking, VisitRoute, utcnow
from summit.services.accreditation import delegation_places
from summit.services.console import accounts
from summit.services.registration import new_links
from summit.services.visits import capacity as places
from summit.services.ops import rate_counters
from summit.web import selfservice


# ------------------------------------------------ seats: count, then insert (tests/visits/test_concurrency.py)

def unguarded_seats() -> None:
    """The capacity rule as the classic count-then-insert (what Indico does): no row locks, the
    seat counted from the bookings in one transaction and taken in the next, and the route's
    ``confirmed`` counter left alone (so the database's CHECK cannot stop the overbooking)."""
    places.lock_routes = _routes_without_locks
    places.lock_summit_routes = lambda summit_id: _routes_without_locks(summit_id, db.session.scalars(
        select(VisitRoute.id).where(VisitRoute.summit_id == summit_id)).all())
    places._take_seat = _take_seat_counting_first
    places._take_seat_on = lambda summit_id, route_id: None  # no one-statement seat: every booking counts first
    places._free_seat = lambda route: None  # the counter was never raised


def _routes_without_locks(summit_id: int, route_ids) -> dict[int, VisitRoute]:
    ids = sorted({i for i in route_ids if i is not None})
    if not ids:
        return {}
    rows = db.session.scalars(
        select(VisitRoute).where(VisitRoute.id.in_(ids), VisitRoute.summit_id == summit_id)
        .order_by(VisitRoute.id).execution_options(populate_existing=True)).all()
    return {row.id: row for row in rows}


def _take_seat_counting_first(route: VisitRoute) -> bool:
    capacity = route.capacity
    taken = db.session.scalar(
        select(func.count()).select_from(RouteBooking)
        .where(RouteBooking.route_id == route.id, RouteBooking.status == "confirmed"))
    db.session.commit()  # the read and the write in separate transactions, as a naive app does
    # A production server spends milliseconds between the check and the insert
    # (network hops to the database, other work); a local test server does not.
    # Make that gap explicit so the control reliably exercises the race.
    time.sleep(0.02)
    write_transaction()  # the insert in a second transaction (SQLite: a writer from the start)
    return taken < capacity


# ------------------------ delegation places: count, then insert (tests/accreditation/test_delegations_concurrency.py)

def unguarded_delegation_places() -> None:
    """A delegation's places as a naive app keeps them: its live members counted in one transaction and
    the member inserted in the next, and the ``members_live`` counter left alone (so the CHECK cannot
    stop the overfilling)."""
    delegation_places.take_places = _places_counting_first
    delegation_places.free_place = lambda delegation_id: None  # the counter was never raised


def _places_counting_first(delegation_id: int, count: int = 1) -> bool:
    places = db.session.scalar(select(Delegation.places).where(Delegation.id == delegation_id))
    members = db.session.scalar(select(func.count()).select_from(Delegate).where(
        Delegate.delegation_id == delegation_id, Delegate.status == "registered"))
    session = db.session()
    session.commit()  # the read and the write in separate transactions, as a naive app does
    # the milliseconds a production server spends between the two (see _take_seat_counting_first); longer
    # than there: each member's request does more before its insert, and on a loaded machine a 20 ms gap
    # once let the requests file through one by one, so the control saw no race
    time.sleep(0.1)
    write_transaction()
    session.info["summit_writing"] = session.get_transaction()  # the rest of the service carries on in it
    return members + count <= places


# ------------------------------------- sign-in: count after the check (tests/console/test_login_concurrency.py)

def naive_login_throttle() -> None:
    """The sign-in throttle as the old lock did it: read the count, check the password, then write
    the count back; parallel wrong passwords all read the same count and slip past the limit."""
    accounts.authenticate = _authenticate_counting_after_the_check


def _authenticate_counting_after_the_check(email: str, password: str, client_address: str | None) -> ConsoleUser:
    email, password = accounts.normalise_email(email), password or ""
    key = rate_counters.counter_key(accounts._attempt_counters(email, accounts.client_key(client_address))[0])
    row = db.session.get(RateCounter, key)
    if row is not None and row.hits >= current_app.config["LOGIN_ATTEMPTS_PER_ADDRESS"]:
        raise accounts.LoginThrottled("too many sign-in attempts", retry_after=60)
    user = db.session.scalars(db.select(ConsoleUser).where(ConsoleUser.email == email)).first()
    if user is not None and check_password_hash(user.password_hash, password):
        return user
    if row is None:
        db.session.add(RateCounter(key=key, hits=1, expires_at=utcnow().timestamp() + 900))
    else:
        row.hits += 1
    db.session.commit()
    raise accounts.BadCredentials("wrong email or password")


# ------------------- lost links and calendar resets: no write transaction (tests/registration/test_concurrency_lost_link.py)

def naive_lost_link() -> None:
    """The lost-link and calendar-reset services as they were: no write transaction first (so on
    SQLite a transaction that has already read fails with "database is locked" when it comes to
    write), and the calendar version read, raised in Python and written back (so on PostgreSQL
    parallel resets overwrite each other)."""
    new_links.writing = _transaction_without_the_write_lock
    selfservice.revoke_calendar_token = _read_then_write_calendar_reset


@contextmanager
def _transaction_without_the_write_lock(*, keep_state: bool = False):
    try:
        yield db.session()
        if keep_state:
            commit_keeping_state()
        else:
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def _read_then_write_calendar_reset(delegate):
    delegate.calendar_token_version += 1
    db.session.commit()


# ---------------------------------------- the mail outbox: claim without a condition (tests/plumbing/test_outbox.py)

def naive_outbox_claim() -> None:
    """The outbox's claim as a naive drainer writes it: read that the row is pending, then mark it
    taken with an UPDATE that no longer checks (by id alone); two drainers that read the same row
    both take it, and both send it."""
    from summit.services import outbox

    outbox.claim = _claim_after_reading


def _claim_after_reading(session, mail_id: int, lease):
    import secrets
    from sqlalchemy import update
    from summit.models import OutboxMail

    row = session.get(OutboxMail, mail_id, populate_existing=True)
    due = row is not None and row.status == "pending"
    session.commit()
    if not due:
        return None
    time.sleep(0.02)  # the milliseconds a real drainer spends between the read and the write
    token = secrets.token_hex(16)
    session.execute(update(OutboxMail).where(OutboxMail.id == mail_id)
                    .values(status="sending", claimed_by=token, lease_until=utcnow() + lease,
                            attempts=OutboxMail.attempts + 1).execution_options(synchronize_session=False))
    session.commit()
    return token


# ------------------------------ event day: check, then insert the entry (tests/checkin/test_checkin_race.py)

def naive_check_in() -> None:
    """The once-per-zone-and-day rule as a naive app writes it: look for the day's entry in one transaction,
    and insert it in the next, deciding from the look and not from the insert (so the unique constraint
    stops the second row, but not the second "checked in"). Both the online check-in and the sync use it."""
    from summit.services.checkin import arrivals

    arrivals.take_entry = _take_entry_checking_first
    arrivals.take_entries = _take_entries_checking_first


def _take_entry_checking_first(delegate_id, zone_id, day, at, by_id, first_scan_id=None):
    from summit.models import ZoneEntry
    from summit.services.checkin import arrivals

    where = (ZoneEntry.delegate_id == delegate_id, ZoneEntry.zone_id == zone_id, ZoneEntry.day == day)
    existing = db.session.scalar(select(ZoneEntry.id).where(*where))
    session = db.session()
    session.commit()  # the read and the write in separate transactions, as a naive app does
    # the milliseconds a production server spends between the two (see _take_seat_counting_first); longer
    # than there: each member's request does more before its insert, and on a loaded machine a 20 ms gap
    # once let the requests file through one by one, so the control saw no race
    time.sleep(0.1)
    write_transaction()
    session.info["summit_writing"] = session.get_transaction()  # the rest of the service carries on in it
    if existing is not None:
        return None
    made = db.session.execute(arrivals._insert_ignoring_duplicates(
        {"delegate_id": delegate_id, "zone_id": zone_id, "day": day, "checked_in_at": at,
         "checked_in_by_id": by_id, "first_scan_id": first_scan_id, "conflict": False})).scalar()
    return made or db.session.scalar(select(ZoneEntry.id).where(*where))


def _take_entries_checking_first(rows):
    """The sync's entries, each looked for, then inserted, as _take_entry_checking_first does."""
    made = {}
    for row in rows:
        entry_id = _take_entry_checking_first(row["delegate_id"], row["zone_id"], row["day"], row["checked_in_at"],
                                              row["checked_in_by_id"])
        if entry_id is not None:
            made[(row["delegate_id"], row["zone_id"], row["day"])] = entry_id
    return made


# ------------------------------------ hotel room-nights: count, then insert (tests/travel/test_hotel_concurrency.py)

def unguarded_room_nights() -> None:
    """Hotel blocks as a naive app keeps them: no row locks, a night's rooms counted from the bookings in one
    transaction and the booking inserted in the next, the ``booked`` counter left alone (so the CHECK cannot
    stop the overbooking). The same swap as unguarded_seats, on the second kind of capacity."""
    from summit.services.travel import hotels
    hotels.ROOM_NIGHTS = _NaiveRoomNights(hotels.ROOM_NIGHTS.model, "booked", "rooms")


def _naive_counter_base():
    from summit.services.capacity.counters import Counter
    return Counter


class _NaiveRoomNights(_naive_counter_base()):
    def _locked(self, *where):
        rows = db.session.scalars(select(self.model).where(*where).order_by(self.model.id)
                                  .execution_options(populate_existing=True)).all()
        return {row.id: row for row in rows}

    def take_locked(self, row, n: int = 1) -> bool:
        from summit.models import RoomNight
        rooms = row.rooms
        taken = db.session.scalar(select(func.count()).select_from(RoomNight)
                                  .where(RoomNight.hotel_night_id == row.id))
        db.session.commit()  # the read and the write in separate transactions
        # 300 ms: SQLite's busy handler polls a waiting writer only every 100 ms once it has waited a while,
        # so a shorter gap lets the crowd file through one by one and the control sees no race
        time.sleep(0.3)
        write_transaction()
        return taken + n <= rooms

    def free(self, row, n: int = 1) -> None:
        return None


def no_read_invalidation() -> None:
    """The public reads' cache without its invalidation: writers no longer bump the read version, so a
    kept page is served on and on (the control of tests/visits/test_read_cache_live.py)."""
    from summit.plumbing import read_versions

    read_versions.enabled = False
