"""Staff desk: printing badges (one, or a batch as a background job) and checking delegates in at the door."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   send_file, session, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import console_requires
from ..plumbing.extensions import db
from ..plumbing.i18n import lang
from ..models import CATEGORIES
from ..models.labels import DelegateCategory
from ..plumbing.request_input import json_object, takes_json
from ..services.badges import jobs as badge_jobs, documents as badges
from ..services.badges.handout import hand_out, hand_out_batch
from ..services.registration import countries, search as delegate_search
from ..plumbing import text_input
from ..services.badges.layouts import LAYOUTS
from ..services.badges.selection import SORTS, Selection, parse_ids, select_delegates
from ..services.accreditation.gates import NotAccredited
from ..services.checkin import zones as zone_rules
from ..services.checkin.arrivals import (AlreadyCheckedIn, BadgeRevoked, NotAdmitted, UnknownCode, UnknownZone,
                                         check_in)
from ..plumbing.errors import NotFound, ValidationFailed
from ..services.summits.current import current_summit
from .security_headers import keep_private

desk_bp = Blueprint("desk", __name__, url_prefix="/desk")


keep_private(desk_bp, referrer=None)  # the app-wide policy

#: delegates listed on the badge page at once (the batch itself has no limit)
LIST_LIMIT = 300
#: the badge page's search box (its maxlength)
SEARCH_MAX = 100


def category_label(category: str) -> str:
    return str(DelegateCategory.of(category).label)


def country_label(alpha2: str) -> str:
    return countries.country_name(alpha2, lang())


@desk_bp.app_context_processor
def _helpers():
    return {"category_label": category_label, "country_label": country_label}


@desk_bp.get("/")
@console_requires("staff")
def index():
    return redirect(url_for("desk.badge_list"))


# ---------------------------------------------------------------- badges

@desk_bp.get("/badges")
@console_requires("staff")
def badge_list():
    summit = current_summit()
    status = 200
    q, why = text_input.clean(request.args.get("q"), limit=SEARCH_MAX)
    if why is not None:
        flash(_("The search was not understood: %(why)s", why=why), "warning")
        q, status = "", 400
    # The console's search (registered delegates, by family then given name): one matching rule.
    query = delegate_search.ordered(summit, delegate_search.DelegateFilter(q=q))
    rows = db.session.scalars(query.limit(LIST_LIMIT + 1)).all()
    return render_template("desk/badges.html", summit=summit, delegates=rows[:LIST_LIMIT],
                           more=len(rows) > LIST_LIMIT, q=q, categories=CATEGORIES, routes=summit.routes,
                           sorts=SORTS, layouts=LAYOUTS), status


@desk_bp.post("/badges/print")
@console_requires("staff")
def print_one():
    """One badge, now (the row's Print button)."""
    summit = current_summit()
    try:
        layout = badges.layout_named(request.form.get("layout"))
        ids = parse_ids(request.form.get("print", ""))
        delegates = select_delegates(summit, Selection("ids", ids=ids[:1], sort="given"))
    except (ValidationFailed, NotFound):
        abort(404)
    except NotAccredited:
        return render_template("desk/batch_error.html", summit=summit, message=_not_accredited_message()), 409
    pdf = badges.render_badges(delegates, layout, summit)
    d = delegates[0]
    pdf = hand_out(pdf, delegates, current_user, summit, what="badge.pdf",
                   filters={"ids": [d.id], "layout": layout.name})
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="badge-{d.id}.pdf"', "Cache-Control": "no-store"})


@desk_bp.post("/badges/batches")
@console_requires("staff")
def start_batch():
    summit = current_summit()
    form = request.form
    kind = form.get("selection", "all")
    try:
        route_id = int(form.get("route_id") or 0) or None
    except ValueError:
        route_id = None
    try:
        ids = parse_ids(form.getlist("ids")) if kind == "ids" else []
        selection = Selection(kind, category=form.get("category") or None, route_id=route_id, ids=ids,
                              sort=form.get("sort", "family_name"))
        job = badge_jobs.create_job(summit, selection, form.get("layout", "a6"), current_user)
    except NotAccredited:
        return render_template("desk/batch_error.html", summit=summit, message=_not_accredited_message()), 409
    except (ValidationFailed, NotFound) as exc:
        message = _("Tick at least one delegate.") if kind == "ids" and "ids" in getattr(exc, "errors", {}) \
            else _("No delegate matches this selection.") if "selection" in getattr(exc, "errors", {}) \
            else _("This selection cannot be printed: check the options.")
        return render_template("desk/batch_error.html", summit=summit, message=message), 422
    return redirect(url_for("desk.batch", job_id=job.id), 303)


def _not_accredited_message() -> str:
    return _("Not printed: only delegates whose registration the organisers have approved get a badge. "
             "This one is still waiting for a decision, or was not accepted.")


def _job(job_id: int):
    try:
        job = badge_jobs.get_job(job_id)
    except NotFound:
        abort(404)
    if badge_jobs.job_kind(job) != badge_jobs.BADGES:
        abort(404)  # a visa-letter batch (passport numbers) is the organisers', at /console/letters
    return job


def job_status(job, download_endpoint: str = "desk.batch_pdf") -> dict:
    """A batch's progress as the page and its JSON show it (badges here, visa letters in the console)."""
    done = badge_jobs.result_size(job) is not None
    return {**badge_jobs.describe(job),
            "download_url": url_for(download_endpoint, job_id=job.id) if done else None}


def result_hours() -> int:
    return max(1, round(current_app.config["BADGE_RESULT_TTL"] / 3600))


@desk_bp.get("/badges/batches/<int:job_id>")
@console_requires("staff")
def batch(job_id: int):
    job = _job(job_id)
    return render_template("desk/batch.html", summit=current_summit(), job=job, status=job_status(job),
                           hours=result_hours())


@desk_bp.get("/badges/batches/<int:job_id>.json")
@console_requires("staff")
def batch_status(job_id: int):
    response = jsonify(job_status(_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@desk_bp.get("/badges/batches/<int:job_id>.pdf")
@console_requires("staff")
def batch_pdf(job_id: int):
    job = _job(job_id)
    if job.status == "expired":
        # Gone on purpose (BADGE_RESULT_TTL): say so, rather than a bare 404.
        return render_template("desk/batch_expired.html", summit=current_summit(), job=job,
                               hours=result_hours()), 410
    # From the database (any host serves it, whichever rendered it), audited and stamped on the way out.
    result = badge_jobs.open_result(job)
    if result is None:
        abort(404)
    with result:
        stamped = hand_out_batch(job, result, current_user, current_summit())
    return send_file(stamped, mimetype="application/pdf", download_name=f"badges-{job_id}.pdf",
                     as_attachment=True, max_age=0)


# ---------------------------------------------------------------- check-in

#: the session key of the zone this desk scans for (chosen on the page, kept for the next scans)
ZONE_KEY = "desk_zone"
#: what the scan history names as the device for scans made on this page
DESK_DEVICE = "desk"


def _zones(summit):
    return zone_rules.zones_of(summit)


def _chosen_zone(summit, asked: str | None):
    """The zone this scan is for: the one asked (remembered then), else the one remembered, else venue."""
    zones = {z.code: z for z in _zones(summit)}
    if isinstance(asked, str) and asked in zones:
        session[ZONE_KEY] = asked
        return zones[asked]
    remembered = session.get(ZONE_KEY)
    if remembered in zones:
        return zones[remembered]
    return zones.get("venue") or next(iter(zones.values()), None)


def _check_in(code: str, zone) -> tuple[dict, int]:
    """The door's verdict as the result panel's context, and the HTTP status."""
    zone_code = zone.code if zone is not None else "venue"
    try:
        admission = check_in(code, current_user, zone=zone_code, device=DESK_DEVICE)
    except UnknownCode:
        return {"result": "unknown", "zone": zone}, 404
    except UnknownZone:
        return {"result": "unknown_zone", "zone": zone}, 422
    except BadgeRevoked as exc:
        return {"result": "revoked", "delegate": exc.delegate, "at": exc.reissued_at, "zone": zone}, 409
    except NotAccredited as exc:
        return {"result": "not_accredited", "delegate": exc.delegates[0], "zone": zone}, 409
    except NotAdmitted as exc:
        return {"result": "not_admitted", "delegate": exc.delegate, "zone": zone}, 403
    except AlreadyCheckedIn as exc:
        return {"result": "already", "delegate": exc.delegate, "at": exc.checked_in_at, "zone": zone,
                "by": exc.checked_in_by.email if exc.checked_in_by else None}, 409
    return {"result": "ok", "delegate": admission.delegate, "at": admission.checked_in_at, "zone": zone}, 200


@desk_bp.route("/checkin", methods=["GET", "POST"])
@console_requires("staff")
def checkin_page():
    summit = current_summit()
    verdict, status = None, 200
    asked = request.form.get("zone") if request.method == "POST" else request.args.get("zone")
    zone = _chosen_zone(summit, asked)
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()
        verdict, status = _check_in(code, zone) if code else ({"result": "empty", "zone": zone}, 422)
    return render_template("desk/checkin.html", summit=summit, verdict=verdict, zones=_zones(summit),
                           zone=zone), status


@desk_bp.post("/checkin.json")
@takes_json
@console_requires("staff")
def checkin_json():
    body = json_object()
    code = body.get("code")
    zone = _chosen_zone(current_summit(), body.get("zone"))
    if not isinstance(code, str) or not code.strip():
        verdict, status = {"result": "empty", "zone": zone}, 422
    else:
        verdict, status = _check_in(code, zone)
    html = render_template("desk/_checkin_result.html", verdict=verdict)
    return jsonify(result=verdict["result"], zone=zone.code if zone else None, html=html), status
