"""The floor's pages: the agents signed in now (refreshing itself), one agent's day with
the supervisor's actions on them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.columns import utcnow
from app.extensions import begin_write, db
from app.floor import actions
from app.floor.forms import ForcePauseForm, MessageForm, SignOutForm
from app.floor.live import Floor, floor_for
from app.floor.scope import manages
from app.floor.today import agent_day
from app.security import Role, guard, load_or_404
from app.users.models import User
from app.workday.labels import pause_reason_label
from app.workday.reasons import ReasonError, active_reasons, chosen_reason

bp = Blueprint("floor", __name__, url_prefix="/floor")
guard(bp, Role.SUPERVISOR, Role.STAFF, Role.ADMIN)

REFRESH_SECONDS = 3  # how often the open page asks for the floor again


def _context(floor: Floor) -> dict[str, object]:
    locale = str(get_locale() or "it")
    return {"floor": floor, "now": utcnow(), "locale": locale[:2]}


@bp.route("/")
def index():
    """The agents signed in now, of the teams the viewer sees, sorted by state."""
    floor = floor_for(db.session, current_user)
    return render_template("floor/index.html", refresh_seconds=REFRESH_SECONDS,
                           **_context(floor))  # fmt: skip


@bp.route("/data.json")
def data():
    """The floor's rows for the open page to put in place (``static/js/floor.js``)."""
    floor = floor_for(db.session, current_user)
    context = _context(floor)
    return jsonify(as_of=floor.as_of.isoformat(), now=context["now"].isoformat(),
                   count=len(floor.rows),
                   rows=render_template("floor/_rows.html", **context))  # fmt: skip


def _agent(agent_id: int) -> User:
    """The agent in the URL: 404 if it is nobody's, 403 if outside the viewer's teams."""
    person = load_or_404(User, agent_id)
    if person.role != Role.AGENT:
        abort(404)
    if not manages(current_user, person):
        abort(403)
    return person


def _pause_form() -> ForcePauseForm:
    form = ForcePauseForm()
    form.reason.choices = [(r.id, pause_reason_label(r)) for r in active_reasons(db.session)]
    return form


@bp.route("/agents/<int:agent_id>")
def agent(agent_id: int):
    """One agent's day: where they are now, today's periods, and the actions."""
    person = _agent(agent_id)
    return render_template(
        "floor/agent.html",
        agent=person,
        day=agent_day(db.session, person.id, utcnow()),
        pause_form=_pause_form(),
        sign_out_form=SignOutForm(),
        message_form=MessageForm(),
    )


def _back(person: User):
    return redirect(url_for("floor.agent", agent_id=person.id))


def _done(message: str) -> None:
    db.session.commit()
    flash(message, "success")


def _refused(exc: Exception) -> None:
    db.session.rollback()
    flash(str(exc), "error")


@bp.route("/agents/<int:agent_id>/pause", methods=["POST"])
def force_pause(agent_id: int):
    """Pause the agent now, for a reason from the list."""
    person = _agent(agent_id)
    form = _pause_form()
    if not form.validate_on_submit():
        abort(400)
    begin_write(db.session)
    try:
        reason = chosen_reason(db.session, form.reason.data)
        actions.force_pause(db.session, person, reason, by=current_user.id)
    except (ReasonError, actions.FloorError) as exc:
        _refused(exc)
    else:
        _done(_("%(name)s is paused.", name=person.display_name))
    return _back(person)


@bp.route("/agents/<int:agent_id>/sign-out", methods=["POST"])
def sign_out(agent_id: int):
    """Sign the agent out: their accounts go back to the queue, their sessions end."""
    person = _agent(agent_id)
    if not SignOutForm().validate_on_submit():
        abort(400)
    begin_write(db.session)
    released = actions.sign_out(db.session, person, by=current_user.id)
    _done(_("%(name)s is signed out; accounts back in the queue: %(n)s.",
            name=person.display_name, n=released))  # fmt: skip
    return _back(person)


@bp.route("/agents/<int:agent_id>/message", methods=["POST"])
def message(agent_id: int):
    """A line on the agent's desk, until they have read it."""
    person = _agent(agent_id)
    form = MessageForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        actions.message(db.session, person, form.text.data, by=current_user.id)
    except actions.FloorError as exc:
        _refused(exc)
    else:
        _done(_("Message sent to %(name)s: their desk shows it within 30 seconds.",
                name=person.display_name))  # fmt: skip
    return _back(person)
