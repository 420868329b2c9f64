"""Who may come: an organiser switches the summit's registration mode here (audited), and sees the levels."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...auth import console_requires
from ...models.labels import RegistrationMode
from ...plumbing.errors import ValidationFailed
from ...services.accreditation import levels, modes
from ...services.summits.current import current_summit
from .blueprint import console
from .common import acting_user
from .forms import PlainForm


@console.route("/accreditation", methods=["GET", "POST"])
@console_requires("organiser")
def accreditation():
    summit = current_summit()
    form = PlainForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            summit = modes.set_mode(summit, request.form.get("registration_mode"), acting_user())
        except ValidationFailed:
            flash(_("Choose one of the registration modes."), "warning")
            status = 422
        else:
            flash(_("The registration mode is now: %(mode)s.",
                    mode=RegistrationMode(summit.registration_mode).label), "success")
            return redirect(url_for("console.accreditation"), 303)
    return render_template("console/accreditation.html", summit=summit, form=form,
                           levels=levels.levels(summit)), status
