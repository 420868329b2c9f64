"""Messages to delegates (organisers): write in zh and en, choose the group, see who will receive it, send.

The send goes through the durable outbox (services/outbox); each message's page is its delivery log.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ...auth import console_requires
from ...models.labels import Accreditation, DelegateCategory
from ...plumbing.errors import ValidationFailed
from ...plumbing.i18n import pick
from ...plumbing.request_input import form_text_checked
from ...services import messages as service
from ...services.accreditation import delegations, levels
from ...services.programme import agenda
from ...services.summits.current import current_summit
from ..forms import show_errors
from .blueprint import console
from .common import acting_user, int_arg, or_404, submitted
from .forms import MessageForm

ANY = ("", _l("Anyone"))


def _choices(form: MessageForm, summit) -> None:
    form.delegation_id.choices = [ANY] + [(str(d.id), pick(d, "name")) for d in delegations.list_delegations(summit)]
    form.protocol_level.choices = [ANY] + [(level.code, pick(level, "name")) for level in levels.levels(summit)]
    form.route.choices = [ANY, ("none", _l("No technical visit"))] + [
        (str(a.route.id), f"{a.route.code} {pick(a.route, 'name')}") for a in agenda.routes_with_availability(summit)]
    form.banquet.choices = [ANY, ("yes", _l("Banquet guests")), ("no", _l("Not at the banquet"))]
    form.accreditation.choices = [ANY] + [(value, label) for value, label in Accreditation.labels().items()]
    form.category.choices = [ANY] + [(value, label) for value, label in DelegateCategory.labels().items()]


@console.get("/messages")
@console_requires("organiser")
def messages():
    summit = current_summit()
    page, sent = service.messages(summit, page=int_arg("page", 1))
    return render_template("console/messages.html", summit=summit, page=page, sent=sent)


@console.route("/messages/new", methods=["GET", "POST"])
@form_text_checked
@console_requires("organiser")
def message_new():
    summit = current_summit()
    form = MessageForm()
    _choices(form, summit)
    status = submitted(form)
    preview = None
    if status is None:
        errors: dict = {}
        audience = None
        try:
            service.clean_text(request.form)
        except ValidationFailed as exc:
            errors.update(exc.errors)
        try:
            audience = service.parse_audience(summit, request.form)
        except ValidationFailed as exc:
            errors.update(exc.errors)
        if errors:
            show_errors(form, errors)
            status = 422
        else:
            preview = service.preview(summit, audience)
            status = 200
            expected = request.form.get("expected", "")
            if request.form.get("action") == "send":
                if preview.count == 0:
                    form.form_errors.append(_("No delegate matches this choice: nothing was sent."))
                    status = 422
                elif expected != str(preview.count):
                    flash(_("The number of recipients has changed since the preview. Please check it and send again."),
                          "warning")
                    status = 409
                else:
                    message = service.send_message(summit, request.form, audience, acting_user(),
                                                   copy_focal_point=form.copy_focal_point.data)
                    flash(ngettext("The message is on its way to %(num)d delegate.",
                                   "The message is on its way to %(num)d delegates.", message.recipients), "success")
                    return redirect(url_for("console.message_detail", message_id=message.id), 303)
    return render_template("console/message_form.html", summit=summit, form=form, preview=preview), status


@console.get("/messages/<int:message_id>")
@console_requires("organiser")
def message_detail(message_id: int):
    summit = current_summit()
    message = or_404(service.get_message, summit, message_id)
    sent, rows = service.delivery(summit, message, page=int_arg("page", 1))
    return render_template("console/message.html", summit=summit, sent=sent, rows=rows)
