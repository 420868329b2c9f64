"""Delegations in the console: organisers create them, revoke and reissue their links; staff see them."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ...auth import console_requires
from ...plumbing.errors import ValidationFailed
from ...plumbing.request_input import form_text_checked
from ...services.accreditation import delegations
from ...services.accreditation.delegation_mail import invitation_url
from ...services.summits.current import current_summit
from ..forms import country_choices, country_name, show_errors
from .blueprint import console
from .common import acting_user, or_404, submitted
from .forms import DelegationForm, PlainForm


@console.get("/delegations")
@console_requires("staff")
def delegations_list():
    summit = current_summit()
    return render_template("console/delegations.html", summit=summit,
                           delegations=delegations.list_delegations(summit), country_name=country_name)


@console.route("/delegations/new", methods=["GET", "POST"])
@form_text_checked
@console_requires("organiser")
def delegation_new():
    summit = current_summit()
    form = DelegationForm()
    form.country.choices = country_choices()
    status = submitted(form)
    if status is None:
        try:
            issued = delegations.create_delegation(summit, form.delegation_data(), acting_user())
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 422
        else:
            # The link goes into this one answer only (never a flash message: the session cookie is readable).
            return _render_detail(summit, issued.delegation, new_link=invitation_url(issued.token), status=201)
    return render_template("console/delegation_form.html", summit=summit, form=form), status


def _render_detail(summit, delegation, new_link=None, status=200):
    return render_template("console/delegation.html", summit=summit, delegation=delegation,
                           members=delegations.members(delegation), country_name=country_name,
                           new_link=new_link, action_form=PlainForm()), status


@console.get("/delegations/<int:delegation_id>")
@console_requires("staff")
def delegation_detail(delegation_id: int):
    summit = current_summit()
    return _render_detail(summit, or_404(delegations.get_delegation, summit, delegation_id))


@console.post("/delegations/<int:delegation_id>/revoke")
@console_requires("organiser")
def delegation_revoke(delegation_id: int):
    summit = current_summit()
    or_404(delegations.get_delegation, summit, delegation_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    delegations.revoke_link(summit, delegation_id, acting_user())
    flash(_("The focal point's link is revoked: it stops working at once. The members stay registered."), "success")
    return redirect(url_for("console.delegation_detail", delegation_id=delegation_id))


@console.post("/delegations/<int:delegation_id>/reissue")
@console_requires("organiser")
def delegation_reissue(delegation_id: int):
    summit = current_summit()
    or_404(delegations.get_delegation, summit, delegation_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    issued = delegations.reissue_link(summit, delegation_id, acting_user())
    return _render_detail(summit, issued.delegation, new_link=invitation_url(issued.token))



