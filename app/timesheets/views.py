"""The timesheets page, its CSV and XLSX files, and one agent's figures: for supervisors
(their team), staff and administrators."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.security import Role, guard, load_or_404
from app.spreadsheets.downloads import csv_download, xlsx_download
from app.timesheets import files
from app.timesheets.forms import RangeForm
from app.timesheets.scope import agents, may_read_agent, may_read_team, visible_teams
from app.timesheets.services import MAX_DAYS, agent_figures, this_month, timesheet
from app.users.models import Team, User
from app.workday.labels import pause_reason_label

bp = Blueprint("timesheets", __name__, url_prefix="/timesheets")
guard(bp, Role.SUPERVISOR, Role.STAFF, Role.ADMIN)


def _span() -> tuple[RangeForm, date, date, bool]:
    """The days asked for (this month by default), and whether they are valid."""
    form = RangeForm(request.args)
    first, last = this_month()
    if not form.validate():
        return form, first, last, False
    first, last = form.start.data or first, form.end.data or last
    form.start.data, form.end.data = first, last  # the page shows the days it shows
    if first > last:
        form.end.errors = [_("The last day comes before the first.")]
    elif (last - first).days >= MAX_DAYS:
        form.end.errors = [_("Choose at most %(days)s days.", days=MAX_DAYS)]
    return form, first, last, not form.end.errors


def _team() -> Team | None:
    """The team asked for (``?team=<id>``; none: every team the user may read). Another
    team than a supervisor's own is refused."""
    wanted = request.args.get("team", "")
    if not wanted:
        return None
    if not wanted.isdigit():
        abort(400)
    return load_or_404(Team, int(wanted), allowed=lambda t: may_read_team(current_user, t.id))


@bp.route("/")
def index():
    """The timesheet of the agents the user may read, per agent and day, with totals per
    team; a range of days and a team to choose."""
    form, first, last, valid = _span()
    team = _team()
    sheet = None
    if valid:
        sheet = timesheet(db.session, agents(db.session, current_user, team.id if team else None),
                          first, last)  # fmt: skip
    page = render_template("timesheets/index.html", form=form, sheet=sheet, first=first,
                           last=last, team=team, max_days=MAX_DAYS,
                           teams=visible_teams(db.session, current_user))  # fmt: skip
    return page, 200 if valid else 400


@bp.route("/timesheet.<any(csv, xlsx):kind>")
def download(kind: str):
    """The same timesheet as a file, for the outsourcer's billing."""
    _form, first, last, valid = _span()
    team = _team()
    if not valid:
        abort(400)
    found = agents(db.session, current_user, team.id if team else None)
    sheet = timesheet(db.session, found, first, last)
    name = f"timesheet-{team.code if team else 'all'}-{first}-{last}.{kind}"
    if kind == "xlsx":
        return xlsx_download(name, files.rows(sheet, files.as_number, pause_reason_label),
                             sheet=_("Timesheet"))  # fmt: skip
    return csv_download(name, files.rows(sheet, files.as_text, pause_reason_label))


@bp.route("/agents/<int:agent_id>")
def agent(agent_id: int):
    """One agent over the range: each day, pauses by reason, talk and wrap-up by outcome."""
    person = load_or_404(User, agent_id, allowed=lambda u: may_read_agent(current_user, u))
    form, first, last, valid = _span()
    locale = str(get_locale() or "it")
    figures = agent_figures(db.session, person.id, first, last, locale) if valid else None
    page = render_template("timesheets/agent.html", agent=person, form=form, first=first,
                           last=last, figures=figures)  # fmt: skip
    return page, 200 if valid else 400
