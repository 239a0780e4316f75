"""The administrator's teams pages: create, rename, deactivate and reactivate teams."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.security import Role, guard, load_or_404
from app.users.forms import ActionForm, TeamForm, TeamNameForm
from app.users.models import Team
from app.users.rules import UserError
from app.users.teams import create_team, list_teams, rename_team, set_team_active, team_members
from app.users.views import attempt, form_page, show_refusal

bp = Blueprint("teams", __name__, url_prefix="/teams")
guard(bp, Role.ADMIN)


@bp.route("/", methods=["GET", "POST"])
def index():
    """The teams, with a form to create one."""
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = create_team(db.session, code=form.code.data, name=form.name.data,
                               actor_id=current_user.id)  # fmt: skip
        except UserError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Team %(code)s created.", code=team.code), "success")
            return redirect(url_for("teams.team", team_id=team.id))
    return form_page("users/teams.html", form, rows=list_teams(db.session))


@bp.route("/<int:team_id>", methods=["GET", "POST"])
def team(team_id: int):
    """One team: its name to change, its members, deactivate or reactivate it."""
    found = load_or_404(Team, team_id)
    form = TeamNameForm(obj=found)
    if form.validate_on_submit():
        try:
            changed = rename_team(db.session, found, form.name.data, actor_id=current_user.id)
        except UserError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing to save: nothing changed."), "success")
            return redirect(url_for("teams.team", team_id=found.id))
    return form_page("users/team.html", form, team=found, action_form=ActionForm(),
                      members=team_members(db.session, found))  # fmt: skip


def _team_action(team_id: int, active: bool, done: str):
    found = load_or_404(Team, team_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: set_team_active(db.session, found, active, actor_id=current_user.id),
                 done)  # fmt: skip
    else:
        flash(_("The form has expired: try again."), "error")
    return redirect(url_for("teams.team", team_id=team_id))


@bp.route("/<int:team_id>/deactivate", methods=["POST"])
def deactivate(team_id: int):
    return _team_action(
        team_id,
        False,
        _("Deactivated: its people now work only the campaigns open to every team."),
    )


@bp.route("/<int:team_id>/reactivate", methods=["POST"])
def reactivate(team_id: int):
    return _team_action(team_id, True, _("Reactivated."))
