"""Organisers: the programme (sessions, visits, banquet)."""
from __future__ import annotations

from itertools import groupby

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...auth import console_requires
from ...plumbing.i18n import pick
from ...plumbing.request_input import form_text_checked
from ...services.programme import agenda, editing as programme
from ...plumbing.errors import Conflict, ValidationFailed
from ...services.console.input import summit_time
from ...services.summits.current import current_summit
from ..forms import show_errors
from .blueprint import console
from .common import acting_user, local_input, or_404, submitted
from .forms import PlainForm, ProgrammeItemForm


@console.get("/programme")
@console_requires("organiser")
def programme_list():
    summit = current_summit()
    items = agenda.programme(summit)
    zone = summit.zone
    days = [(day, list(group)) for day, group in groupby(items, key=lambda i: i.starts_at.astimezone(zone).date())]
    return render_template("console/programme.html", summit=summit, days=days,
                           clashes=programme.overlaps(items), form=PlainForm())


def _warn_about_overlaps(item) -> None:
    clashes = programme.overlapping(item)
    if clashes:
        flash(_("Same room at the same time as: %(items)s. Check the room or the times.",
                items="; ".join(pick(other, "title") for other in clashes)), "warning")


def _submitted(form, summit) -> dict:
    data = form.item_data()
    data["starts_at"] = summit_time(summit, data["starts_at"])
    data["ends_at"] = summit_time(summit, data["ends_at"])
    return data


def _save(form, summit, save):
    """Run the service on the submitted form; the page's status and the saved item."""
    status = submitted(form)
    if status is not None:
        return status, None
    try:
        return 200, save(_submitted(form, summit))
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return 422, None


@console.route("/programme/new", methods=["GET", "POST"])
@form_text_checked
@console_requires("organiser")
def programme_new():
    summit = current_summit()
    form = ProgrammeItemForm()
    status, item = _save(form, summit, lambda data: programme.create_item(summit, data, acting_user()))
    if item is not None:
        flash(_("“%(title)s” is in the programme.", title=pick(item, "title")), "success")
        _warn_about_overlaps(item)
        return redirect(url_for("console.programme_list") + f"#item-{item.id}")
    return render_template("console/programme_form.html", summit=summit, form=form, item=None), status


@console.route("/programme/<int:item_id>/edit", methods=["GET", "POST"])
@form_text_checked
@console_requires("organiser")
def programme_edit(item_id: int):
    summit = current_summit()
    item = or_404(programme.get_item, summit, item_id)
    form = ProgrammeItemForm(obj=item if request.method == "GET" else None)
    if request.method == "GET":
        form.starts_at.data = local_input(item.starts_at, summit)
        form.ends_at.data = local_input(item.ends_at, summit)
    status, saved = _save(form, summit, lambda data: programme.update_item(item, data, acting_user()))
    if saved is not None:
        flash(_("Saved. Calendars pick the change up at their next refresh."), "success")
        _warn_about_overlaps(saved)
        return redirect(url_for("console.programme_list") + f"#item-{saved.id}")
    return render_template("console/programme_form.html", summit=summit, form=form, item=item,
                           clashes=programme.overlapping(item)), status


def _toggle(item_id: int, cancelled: bool):
    summit = current_summit()
    item = or_404(programme.get_item, summit, item_id)
    if PlainForm().validate_on_submit():
        try:
            programme.set_cancelled(item, cancelled, acting_user())
        except Conflict:
            pass  # a second click on the same button: the state is already what was asked
        flash(_("“%(title)s” is marked cancelled; it stays in calendars as cancelled.", title=pick(item, "title"))
              if cancelled else _("“%(title)s” is back in the programme.", title=pick(item, "title")), "success")
    return redirect(url_for("console.programme_list") + f"#item-{item_id}")


@console.route("/programme/<int:item_id>/cancel", methods=["GET", "POST"])
@console_requires("organiser")
def programme_cancel(item_id: int):
    """Asks first (GET: a page that names the session and what calendars will show), then cancels (POST)."""
    if request.method == "POST":
        return _toggle(item_id, True)
    summit = current_summit()
    item = or_404(programme.get_item, summit, item_id)
    if item.cancelled:
        return redirect(url_for("console.programme_list") + f"#item-{item_id}")
    return render_template("console/programme_cancel.html", summit=summit, item=item, form=PlainForm())


@console.post("/programme/<int:item_id>/restore")
@console_requires("organiser")
def programme_restore(item_id: int):
    return _toggle(item_id, False)


@console.route("/programme/<int:item_id>/delete", methods=["GET", "POST"])
@console_requires("organiser")
def programme_delete(item_id: int):
    summit = current_summit()
    item = or_404(programme.get_item, summit, item_id)
    form = PlainForm()
    if form.validate_on_submit():
        title = pick(item, "title")
        programme.delete_item(item, acting_user())
        flash(_("“%(title)s” is deleted.", title=title), "success")
        return redirect(url_for("console.programme_list"))
    return render_template("console/programme_delete.html", summit=summit, item=item, form=form)
