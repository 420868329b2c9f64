"""API tokens: made here, shown once, stored hashed, revocable."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ...auth import console_requires
from ...plumbing.extensions import db
from ...models import ApiToken
from ...plumbing.request_input import form_text_checked
from ...services.console import accounts
from ...plumbing import text_input
from ...plumbing.errors import Conflict, NotFound
from ...services.summits.current import current_summit
from .blueprint import console
from .common import acting_user
from .forms import PlainForm, TokenForm

#: a token's label, as the form's field allows
LABEL_MAX = 100


def _visible_tokens(user):
    """Organisers see every account's tokens (to revoke a lost scanner's); staff their own."""
    query = db.select(ApiToken).options(db.joinedload(ApiToken.user)).order_by(
        ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    if not user.has_role("organiser"):
        query = query.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(query))


@console.route("/tokens", methods=["GET", "POST"])
@form_text_checked
@console_requires("staff")
def tokens():
    user = acting_user()
    form = TokenForm()
    new_token = None
    status = 200
    if form.validate_on_submit():
        label, why = text_input.clean(form.label.data, limit=LABEL_MAX)
        if why is not None:
            form.label.errors = [why]
            status = 422
        else:
            _row, new_token = accounts.issue_token(user.email, label or _("console"))
            status = 201
    elif form.is_submitted():
        status = 400
    # The token itself goes into this one answer only (never a flash message: the session cookie is readable).
    return render_template("console/tokens.html", summit=current_summit(), form=form, new_token=new_token,
                           tokens=_visible_tokens(user), revoke_form=PlainForm()), status


@console.post("/tokens/<int:token_id>/revoke")
@console_requires("staff")
def token_revoke(token_id: int):
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        row = accounts.revoke_token(token_id, acting_user())
    except NotFound:
        abort(404)
    except Conflict:
        flash(_("That token was already revoked."), "warning")
    else:
        flash(_("Token “%(label)s” is revoked; it stops working at once.", label=row.label), "success")
    return redirect(url_for("console.tokens"))
