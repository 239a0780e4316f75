"""The administrator's pages for API keys: list, create (the key shown once), revoke."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api.forms import NewKeyForm
from app.api.keys import SCOPES
from app.api.models import ApiKey
from app.api.services import create_key, list_keys, revoke_key
from app.extensions import db
from app.security import Role, guard, load_or_404
from app.users.forms import ActionForm

bp = Blueprint("api_keys", __name__, url_prefix="/api-keys")
guard(bp, Role.ADMIN)


@bp.route("/")
def index() -> Any:
    return render_template("api/keys.html", keys=list_keys(db.session), scopes=SCOPES,
                           action_form=ActionForm())  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    """Make a key; its secret is on the answer to this POST and nowhere else."""
    form = NewKeyForm()
    if form.validate_on_submit():
        key, token = create_key(db.session, name=form.name.data, scopes=form.scopes.data,
                                actor_id=current_user.id)  # fmt: skip
        db.session.commit()
        response = make_response(render_template("api/key_created.html", key=key, token=token))
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("api/new_key.html", form=form), 400 if form.errors else 200


@bp.route("/<int:key_id>/revoke", methods=["POST"])
def revoke(key_id: int) -> Any:
    key = load_or_404(ApiKey, key_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired: try again."), "error")
    elif revoke_key(db.session, key, actor_id=current_user.id):
        db.session.commit()
        flash(_("Key %(name)s revoked: it opens nothing from now on.", name=key.name), "success")
    else:
        flash(_("That key was revoked already."), "info")
    return redirect(url_for("api_keys.index"))
