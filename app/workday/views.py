"""The pause reasons page: staff and administrators keep the list agents choose from."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.security import Role, guard, load_or_404
from app.workday.forms import PauseReasonForm
from app.workday.models import PauseReason
from app.workday.reasons import (
    ReasonError,
    ReasonValues,
    all_reasons,
    create_reason,
    update_reason,
)

bp = Blueprint("pause_reasons", __name__, url_prefix="/pause-reasons")
guard(bp, Role.STAFF, Role.ADMIN)


def _values(form: PauseReasonForm) -> ReasonValues:
    return ReasonValues(
        label_it=form.label_it.data or "",
        label_en=form.label_en.data or "",
        max_minutes=form.max_minutes.data,
        active=bool(form.active.data),
        position=form.position.data or 0,
    )


def _refused(form: PauseReasonForm, exc: ReasonError) -> None:
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        flash(str(exc), "error")
    else:
        field.errors = [*field.errors, str(exc)]


@bp.route("/", methods=["GET", "POST"])
def index():
    """The reasons, with a form to add one."""
    form = PauseReasonForm()
    if form.validate_on_submit():
        try:
            reason = create_reason(db.session, _values(form), actor_id=current_user.id)
        except ReasonError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Pause reason %(label)s added.", label=reason.label_it), "success")
            return redirect(url_for("pause_reasons.index"))
    page = render_template("workday/pause_reasons.html", form=form,
                           reasons=all_reasons(db.session))  # fmt: skip
    return page, 400 if form.errors else 200


@bp.route("/<int:reason_id>", methods=["GET", "POST"])
def edit(reason_id: int):
    """One reason: its labels, maximum, order, and whether agents may choose it."""
    reason = load_or_404(PauseReason, reason_id)
    form = PauseReasonForm(obj=reason)
    if form.validate_on_submit():
        try:
            changed = update_reason(db.session, reason, _values(form), actor_id=current_user.id)
        except ReasonError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing to save: nothing changed."), "success")
            return redirect(url_for("pause_reasons.index"))
    page = render_template("workday/pause_reason.html", form=form, reason=reason)
    return page, 400 if form.errors else 200
