"""The desk's tools for one delegate on the day: find them, see their zones and scans, reprint, reissue, undo.

Views on the desk blueprint (desk.py): staff find, reprint and reissue; undoing a check-in is the
supervisor's (the organiser role), with a reason, audited by the undo service.
"""
from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import console_requires
from ..models import ConsoleUser, Delegate
from ..models.labels import DelegateStatus
from ..plumbing import text_input
from ..plumbing.errors import ServiceError
from ..plumbing.extensions import db
from ..plumbing.i18n import pick
from ..services.badges import documents as badges
from ..services.accreditation.gates import NotAccredited, admitted
from ..services.badges.handout import hand_out
from ..services.badges.reissue import reissue_badge
from ..services.checkin import history, undo, zones as zone_rules
from ..services.checkin.zone_reasons import explain
from ..services.registration import search as delegate_search
from ..services.summits.current import current_summit
from .desk import SEARCH_MAX, desk_bp

#: matches shown by the desk's find
FIND_LIMIT = 50
#: what the undo service takes (its "reason_required" beyond)
REASON_MAX = 500


def today(summit) -> "datetime.date":
    return datetime.now(summit.zone).date()


def _delegate(delegate_id: int) -> Delegate:
    summit = current_summit()
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None or delegate.summit_id != summit.id:
        abort(404)
    return delegate


class People:
    """Names of the staff and zones that rows refer to by id, each looked up once per page."""

    def __init__(self, summit):
        self.zones = {z.id: z for z in zone_rules.zones_of(summit)}
        self._users: dict[int, str] = {}

    def user(self, user_id: int | None) -> str:
        if not user_id:
            return ""
        if user_id not in self._users:
            user = db.session.get(ConsoleUser, user_id)
            self._users[user_id] = user.email if user else ""
        return self._users[user_id]

    def zone(self, zone_id: int | None):
        return self.zones.get(zone_id)


@desk_bp.get("/delegates")
@console_requires("staff")
def find():
    """Find a delegate by any part of a name, in any script (the console's search, one matching rule)."""
    summit = current_summit()
    q, why = text_input.clean(request.args.get("q"), limit=SEARCH_MAX)
    status = 200
    if why is not None:
        flash(_("The search was not understood: %(why)s", why=why), "warning")
        q, status = "", 400
    rows, more = [], False
    if q:
        query = delegate_search.ordered(summit, delegate_search.DelegateFilter(q=q))
        rows = db.session.scalars(query.limit(FIND_LIMIT + 1)).all()
        more = len(rows) > FIND_LIMIT
    return render_template("desk/find.html", summit=summit, q=q, delegates=rows[:FIND_LIMIT], more=more), status


def _page(delegate: Delegate, *, status=200, undo_form=None):
    summit = current_summit()
    people = People(summit)
    day = today(summit)
    level_names = {lv.code: pick(lv, "name") for lv in summit.protocol_levels}
    reasons = [explain(z, delegate, day, level_names=level_names) for z in people.zones.values()]
    entries = history.entries_of(delegate)
    scans = history.scans_of(delegate, limit=50)
    return render_template("desk/delegate.html", summit=summit, d=delegate, reasons=reasons, day=day,
                           entries=entries, today_entries=[e for e in entries if e.day == day], scans=scans,
                           people=people, undo_form=undo_form), status


@desk_bp.get("/delegates/<int:delegate_id>")
@console_requires("staff")
def delegate_page(delegate_id: int):
    return _page(_delegate(delegate_id))


@desk_bp.route("/delegates/<int:delegate_id>/reissue", methods=["GET", "POST"])
@console_requires("staff")
def reissue(delegate_id: int):
    """Confirm, then reissue: the old badge stops working and the new one's PDF is the answer, to print now."""
    delegate = _delegate(delegate_id)
    summit = current_summit()
    if request.method == "GET":
        return render_template("desk/reissue.html", summit=summit, d=delegate)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that the old badge must stop working."), "warning")
        return render_template("desk/reissue.html", summit=summit, d=delegate), 422
    try:
        layout = badges.layout_named(request.form.get("layout"))
    except ServiceError:
        layout = badges.layout_named(None)
    if delegate.status == DelegateStatus.REGISTERED and not admitted(delegate):
        # No badge at all before approval: nothing to reissue, and the old code is left as it is.
        flash(_reissue_refused(NotAccredited([delegate])), "warning")
        return render_template("desk/reissue.html", summit=summit, d=delegate), 409
    try:
        version = reissue_badge(delegate, current_user)
    except ServiceError as exc:  # a cancelled registration
        flash(_reissue_refused(exc), "warning")
        return render_template("desk/reissue.html", summit=summit, d=delegate), exc.status
    delegate = db.session.get(Delegate, delegate_id, populate_existing=True)
    pdf = badges.render_badges([delegate], layout, summit)
    pdf = hand_out(pdf, [delegate], current_user, summit, what="badge.pdf",
                   filters={"ids": [delegate.id], "reissued": True, "layout": layout.name})
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="badge-{delegate.id}-v{version}.pdf"', "Cache-Control": "no-store"})


def _reissue_refused(exc: ServiceError) -> str:
    if exc.code == "not_accredited":
        return _("Not reissued: only delegates whose registration the organisers have approved get a badge.")
    if exc.code == "cancelled":
        return _("Not reissued: this registration was cancelled.")
    return _("The badge could not be reissued.")


@desk_bp.route("/delegates/<int:delegate_id>/entries/<int:entry_id>/undo", methods=["GET", "POST"])
@console_requires("organiser")
def undo_entry(delegate_id: int, entry_id: int):
    """A supervisor takes back a check-in (a wrong zone, a scan of the wrong badge), with a reason."""
    delegate = _delegate(delegate_id)
    entry = next((e for e in history.entries_of(delegate) if e.id == entry_id), None)
    if entry is None:
        abort(404)
    summit = current_summit()
    people = People(summit)
    typed = request.form.get("reason", "") if request.method == "POST" else ""
    error = None
    if request.method == "POST":
        reason, why = text_input.clean(typed, limit=REASON_MAX, multiline=True)
        if why is not None:
            error = _("The reason was not understood: %(why)s", why=why)
        elif not reason:
            error = _("Give the reason for undoing this check-in.")
        else:
            try:
                undo.undo_check_in(entry.id, current_user, reason)
            except ServiceError as exc:
                error = _("Give the reason for undoing this check-in.") if exc.code == "reason_required" \
                    else _("This check-in could not be undone.")
            else:
                zone = people.zone(entry.zone_id)
                flash(_("Check-in undone: %(zone)s. The delegate can enter again.",
                        zone=zone_label(zone)), "success")
                return redirect(url_for("desk.delegate_page", delegate_id=delegate.id), 303)
    return render_template("desk/undo.html", summit=summit, d=delegate, entry=entry, people=people,
                           reason=typed, error=error, reason_max=REASON_MAX), 422 if error else 200


def zone_label(zone) -> str:
    return pick(zone, "name") if zone is not None else "—"
