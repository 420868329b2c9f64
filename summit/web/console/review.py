"""The review queue: staff see who waits and who was decided; organisers approve (one, or many) and reject.

Deciding needs no script: each row's Approve is a button of the queue's one form (its value the
delegate's id), the ticked rows and "all on this page" go with Approve selected / Reject selected, and
a single rejection has a page of its own for its reason. Every decision goes through
services/accreditation/decisions.py (audited there); the mails leave once the answer has gone.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ...auth import console_requires
from ...models.labels import Accreditation, DelegateCategory, DelegateStatus
from ...plumbing.errors import NotFound, ValidationFailed
from ...plumbing.i18n import pick
from ...plumbing.request_input import form_text_checked
from ...services.accreditation import decisions, levels, queue
from ...services.registration import admin as delegate_admin
from ...services.summits.current import current_summit
from ..forms import country_name
from .blueprint import console
from .common import acting_user, or_404
from .forms import PlainForm


def _reason_message(exc: ValidationFailed) -> str:
    if isinstance(exc, decisions.ReasonRequired):
        return _("Give the reason for the rejection: the delegate receives it.")
    return "; ".join(str(m) for m in exc.errors.get("reason", [])) or _("This reason cannot be accepted.")


def _options(summit, counts: queue.Counts) -> dict[str, list[tuple[str, str, int]]]:
    """Each facet's choices as (value, label, count), labelled in the page's language."""
    level_names = {level.code: pick(level, "name") for level in levels.levels(summit)}
    options = {
        "level": [(code, name, counts.facets["level"].get(code, 0)) for code, name in level_names.items()],
        "category": [(key, str(label), counts.facets["category"].get(key, 0))
                     for key, label in DelegateCategory.labels().items()],
        "country": sorted(((code, country_name(code), n) for code, n in counts.facets["country"].items()),
                          key=lambda option: option[1]),
    }
    if "delegation" in counts.facets:
        named = queue.delegations(summit)
        options["delegation"] = sorted(
            ((str(i), pick(named[i], "name") if i in named else f"#{i}", counts.facets["delegation"].get(i, 0))
             for i in named.keys() | {i for i in counts.facets["delegation"] if i is not None}),
            key=lambda option: option[1])
    return options


def _render_queue(summit, f: queue.QueueFilter, *, status: int = 200, selected=(), reason: str = "",
                  reason_error: str | None = None):
    number = queue.parse_page(request.args)
    found = queue.page(summit, f, number)
    counts = queue.counts(summit, f)
    args = f.as_args()
    return render_template(
        "console/review_queue.html", summit=summit, filters=f, args=args, found=found, counts=counts,
        options=_options(summit, counts), facet_names=queue.FACET_NAMES, states=queue.STATES,
        categories=DelegateCategory.labels(), country_name=country_name, form=PlainForm(),
        selected=set(selected), reason=reason, reason_error=reason_error,
        queue_url=lambda **changes: url_for("console.review_queue", **_changed(args, changes))), status


def _changed(args: dict, changes: dict) -> dict:
    out = {**args}
    if "page" not in changes:
        out.pop("page", None)
    for name, value in changes.items():
        if value in (None, ""):
            out.pop(name, None)
        else:
            out[name] = value
    return out


@console.get("/accreditation/queue")
@console_requires("staff")
def review_queue():
    summit = current_summit()
    try:
        f = queue.parse_filter(summit, request.args)
    except ValidationFailed as exc:
        flash(_("Some filters were not understood (%(names)s); they have been reset.",
                names=", ".join(exc.errors)), "warning")
        return _render_queue(summit, queue.QueueFilter(), status=400)
    return _render_queue(summit, f)


def _posted_ids(names: tuple[str, ...]) -> list[int]:
    ids = []
    for name in names:
        for raw in request.form.getlist(name):
            raw = raw.strip()
            if raw.isascii() and raw.isdigit() and 0 < int(raw) <= 2**31:
                ids.append(int(raw))
    return list(dict.fromkeys(ids))


@console.post("/accreditation/queue")
@form_text_checked
@console_requires("organiser")
def review_decide():
    """The queue's form: a row's Approve (``approve_one``), or the ticked rows with Approve / Reject selected."""
    summit = current_summit()
    form = PlainForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        f = queue.parse_filter(summit, request.form)  # the filters the page was showing, to come back to
    except ValidationFailed:
        f = queue.QueueFilter()
    back = url_for("console.review_queue", **f.as_args())
    one = _posted_ids(("approve_one",))
    if one:
        ids, data = one[:1], {"decision": "approve"}
    else:
        ids = _posted_ids(("page_ids",) if request.form.get("all_on_page") else ("ids",))
        data = {"decision": request.form.get("decision", ""), "reason": request.form.get("reason", "")}
    reason = data.get("reason", "") if not one else ""
    if data["decision"] not in decisions.DECISIONS:
        flash(_("Choose Approve selected or Reject selected."), "warning")
        return _render_queue(summit, f, status=422, selected=ids, reason=reason)
    if not ids:
        flash(_("Tick at least one delegate, or “Select all on this page”."), "warning")
        return _render_queue(summit, f, status=422, selected=ids, reason=reason)
    try:
        decided = decisions.decide_many(summit, ids, data, acting_user())
    except ValidationFailed as exc:
        if "reason" in exc.errors:
            return _render_queue(summit, f, status=422, selected=ids, reason=reason,
                                 reason_error=_reason_message(exc))
        flash(_("Nothing was decided: the selection was not understood."), "warning")
        return _render_queue(summit, f, status=422, selected=ids, reason=reason)
    except decisions.Cancelled as exc:
        flash(ngettext("Nothing was decided: %(num)d of these delegates has cancelled meanwhile. "
                       "Check the list and try again.",
                       "Nothing was decided: %(num)d of these delegates have cancelled meanwhile. "
                       "Check the list and try again.", len(exc.details.get("ids", []))), "warning")
        return _render_queue(summit, f, status=409, selected=[i for i in ids if i not in exc.details["ids"]],
                             reason=reason)
    except NotFound:
        flash(_("Nothing was decided: a delegate selected is no longer registered."), "warning")
        return _render_queue(summit, f, status=404, reason=reason)
    count = len(decided)
    if data["decision"] == "approve":
        flash(ngettext("%(num)d delegate approved; they are told by email.",
                       "%(num)d delegates approved; each is told by email.", count), "success")
    else:
        flash(ngettext("%(num)d delegate rejected; they are told the reason by email.",
                       "%(num)d delegates rejected; each is told the reason by email.", count), "success")
    return redirect(back, 303)


@console.route("/accreditation/<int:delegate_id>/reject", methods=["GET", "POST"])
@form_text_checked
@console_requires("organiser")
def review_reject(delegate_id: int):
    """One rejection, with its reason (required: the delegate is told it)."""
    summit = current_summit()
    delegate = or_404(delegate_admin.get_delegate, summit, delegate_id)
    form = PlainForm()
    reason, error, status = "", None, 200
    back_args = {k: v for k, v in request.args.items() if k in queue.ARGS and k != "page" and v}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        reason = request.form.get("reason", "")
        try:
            decided = decisions.decide(summit, delegate_id, {"decision": "reject", "reason": reason},
                                       acting_user(), reason_required=True)
        except ValidationFailed as exc:
            error, status = _reason_message(exc), 422
        except decisions.Cancelled:
            flash(_("This registration is cancelled: there is nothing to decide."), "warning")
            return redirect(url_for("console.review_queue", **back_args), 303)
        except NotFound:
            abort(404)
        else:
            flash(_("%(name)s is rejected; they are told the reason by email.", name=decided.delegate.display_name),
                  "success")
            return redirect(url_for("console.review_queue", **back_args), 303)
    return render_template("console/review_reject.html", summit=summit, delegate=delegate, form=form,
                           reason=reason, reason_error=error, back_args=back_args,
                           cancelled=delegate.status == DelegateStatus.CANCELLED,
                           categories=DelegateCategory.labels(), country_name=country_name,
                           reason_max=decisions.REASON_MAX, Accreditation=Accreditation), status


