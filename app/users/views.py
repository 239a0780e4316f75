from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from app.audit.services import record
from app.extensions import db
from app.forms import BaseForm
from app.security import SESSION_STARTED, Role, guard, load_or_404, public, roles, safe_next_url
from app.territory.models import Zone
from app.users.changes import (
    change_own_password,
    reset_password,
    set_active,
    set_floor_alert_mail,
    unlock,
    update_user,
)
from app.users.forms import (
    ActionForm,
    LoginForm,
    LogoutForm,
    MailPreferencesForm,
    NewUserForm,
    PasswordChangeForm,
    UserForm,
)
from app.users.models import Team, User
from app.users.rules import UserError
from app.users.services import (
    create_with_temporary_password,
    list_users,
    zone_choices,
    zone_codes,
)
from app.users.sessions import end_sessions
from app.users.signin import Attempt, sign_in
from app.users.teams import team_choices, team_codes
from app.users.throttle import Throttled, fold, limits_from, throttled_accounts
from app.workday import services as workday
from app.workday.machine import Moment

bp = Blueprint("users", __name__)
guard(bp, *Role)  # every signed-in user; views below narrow where needed

HOME_BY_ROLE = {
    Role.AGENT: "desk.home",
    Role.SUPERVISOR: "board.home",
    Role.STAFF: "workspace.home",
    Role.ADMIN: "users.index",
}


@bp.route("/")
def home():
    """Each role lands on its own page."""
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("users.home"))
    form = LoginForm()
    if form.validate_on_submit():
        result = sign_in(db.session, session, form.username.data, form.password.data,
                         address=request.remote_addr, now=datetime.now(UTC),
                         limits=limits_from(current_app.config))  # fmt: skip
        if result.user is not None and result.user.role == Role.AGENT:
            workday.sign_in(db.session, result.user.id)  # the working day's log: ready
        db.session.commit()  # the audit entries of a refusal or a failure too
        if result.user is None:
            return _refused(form, result)
        session.clear()  # a fresh session at sign-in: no fixation
        login_user(result.user)
        session.permanent = True
        session[SESSION_STARTED] = datetime.now(UTC).timestamp()
        if result.user.locale:
            session["lang"] = result.user.locale
        return redirect(safe_next_url(request.args.get("next")) or url_for("users.home"))
    status = 400 if form.errors else 200
    return render_template("users/login.html", form=form), status


def _refused(form: LoginForm, result: Attempt):
    """The sign-in page again, saying why and, when throttled, how long to wait (also as
    ``Retry-After``)."""
    if result.minutes:
        message = ngettext("Too many failed sign-ins: try again in %(num)s minute.",
                           "Too many failed sign-ins: try again in %(num)s minutes.",
                           result.minutes)  # fmt: skip
        status, retry = 429, result.minutes * 60
    elif result.seconds:
        message = ngettext(
            "Many failed sign-ins for this account lately: for its safety, wait %(num)s "
            "second and sign in again.",
            "Many failed sign-ins for this account lately: for its safety, wait %(num)s "
            "seconds and sign in again.",
            result.seconds,
        )
        status, retry = 429, result.seconds
    else:
        message = _("Wrong username or password, or the account is disabled.")
        status, retry = 401, None
    flash(message, "error")
    response = make_response(render_template("users/login.html", form=form), status)
    if retry is not None:
        response.headers["Retry-After"] = str(retry)
    return response


@bp.context_processor
def session_limits() -> dict[str, int]:
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return {"idle_minutes": int(lifetime.total_seconds() // 60)}


@bp.route("/logout", methods=["POST"])
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        # Every session of the user ends, on the server: a copy of this cookie (or the
        # session on another computer) opens nothing any more; an agent's day stops too.
        if current_user.role == Role.AGENT:  # signed out, before the sessions' end revokes
            workday.end_states(db.session, current_user.id, reason=Moment.SIGN_OUT)
        end_sessions(db.session, current_user)
        record(db.session, "auth.logout", user_id=current_user.id, obj=current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
    return redirect(url_for("users.login"))


def show_refusal(form: BaseForm, exc: UserError) -> None:
    """Show a service's refusal next to the field it is about (or above the form)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        flash(str(exc), "error")
    else:
        field.errors = [*field.errors, str(exc)]


def form_page(template: str, form: BaseForm, **context: Any):
    return render_template(template, form=form, **context), 400 if form.errors else 200


def attempt(change: Callable[[], Any], done: str) -> bool:
    """Make an administrator's change: committed and confirmed, or rolled back and its
    reason shown."""
    try:
        change()
    except UserError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return False
    db.session.commit()
    flash(done, "success")
    return True


# -- every user: their own password ------------------------------------------------------


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Choose one's own password; after a temporary one, every page leads here."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_own_password(db.session, current_user, form.current.data, form.new.data,
                                form.confirm.data)  # fmt: skip
        except UserError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            db.session.commit()
            # The change ended every session of the user: this one goes on, re-issued.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("users.home"))
    return form_page("users/password.html", form, forced=current_user.must_change_password)


@bp.route("/account", methods=["GET", "POST"])
def account():
    """One's own account: the password, and a supervisor's e-mail of the floor's alerts."""
    form = MailPreferencesForm(obj=None, floor_alerts=current_user.mail_floor_alerts)
    may_opt_in = current_user.role == Role.SUPERVISOR
    if may_opt_in and form.validate_on_submit():
        set_floor_alert_mail(db.session, current_user, form.floor_alerts.data)
        db.session.commit()
        flash(_("Your e-mail preferences have been saved."), "success")
        return redirect(url_for("users.account"))
    return render_template("users/account.html", form=form, may_opt_in=may_opt_in)


# -- administrators: users -----------------------------------------------------------------


@bp.route("/users/")
@roles(Role.ADMIN)
def index():
    """Administrator's home: the users, their roles, zones and teams, whose sign-ins are
    throttled, and a warning when an administrator's are."""
    users, throttled = list_users(db.session), _throttled()
    return render_template(
        "users/index.html",
        users=users,
        zones=zone_codes(db.session),
        teams=team_codes(db.session),
        throttled=throttled,
        throttled_admins=[(user, throttled[user.username]) for user in users
                          if user.role == Role.ADMIN and user.username in throttled],
        action_form=ActionForm(),
    )  # fmt: skip


def _throttled() -> dict[str, Throttled]:
    """Username -> its sign-in throttle, for the accounts throttled now."""
    return throttled_accounts(db.session, datetime.now(UTC), limits_from(current_app.config))


def _profile(form: UserForm) -> dict[str, Any]:
    """The form's values as the services take them."""
    zone, team = form.zone_id.data, form.team_id.data
    return {
        "full_name": form.full_name.data,
        "email": form.email.data,
        "locale": form.locale.data,
        "role": form.role.data,
        "zone": db.session.get(Zone, zone) if zone else None,
        "team": db.session.get(Team, team) if team else None,
    }


@bp.route("/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_user():
    """Create a user with a temporary password, shown once."""
    form = NewUserForm()
    form.set_choices(zone_choices(db.session), team_choices(db.session))
    if form.validate_on_submit():
        try:
            user, password = create_with_temporary_password(
                db.session, actor_id=current_user.id, username=form.username.data,
                **_profile(form),
            )  # fmt: skip
        except UserError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            db.session.commit()
            return _temporary_password(user, password, created=True)
    return form_page("users/new.html", form)


def _temporary_password(user: User, password: str, *, created: bool):
    """The page that shows a temporary password, once: nothing keeps it (no redirect to a
    page that could show it again, no cache)."""
    response = make_response(
        render_template("users/temporary.html", user=user, password=password, created=created)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user(user_id: int):
    """One user: their profile to edit, and deactivate, reset the password, unlock."""
    found = load_or_404(User, user_id)
    form = UserForm(obj=found)
    form.set_choices(zone_choices(db.session), team_choices(db.session, keep=found.team_id))
    if form.validate_on_submit():
        try:
            changed = update_user(db.session, found, actor_id=current_user.id, **_profile(form))
        except UserError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing to save: nothing changed."), "success")
            return redirect(url_for("users.user", user_id=found.id))
    throttle = _throttled().get(fold(found.username))
    return form_page("users/user.html", form, user=found, action_form=ActionForm(),
                      throttle=throttle)  # fmt: skip


def _user_action(user_id: int, change: Callable[[User], Any], done: str):
    """An action button (POST, with its token): done and back to the user's page, or to
    the users page when it was pressed there."""
    found = load_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: change(found), done)
    else:
        flash(_("The form has expired: try again."), "error")
    if request.form.get("back") == "index":
        return redirect(url_for("users.index"))
    return redirect(url_for("users.user", user_id=user_id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@roles(Role.ADMIN)
def deactivate(user_id: int):
    """Deactivate: no more sign-ins, and the user's open sessions end at once."""
    return _user_action(
        user_id,
        lambda found: set_active(db.session, found, False, actor_id=current_user.id),
        _("Deactivated: the user can no longer sign in, and their sessions have ended."),
    )


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@roles(Role.ADMIN)
def reactivate(user_id: int):
    return _user_action(
        user_id,
        lambda found: set_active(db.session, found, True, actor_id=current_user.id),
        _("Reactivated: the user may sign in again."),
    )


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@roles(Role.ADMIN)
def unlock_user(user_id: int):
    """Let a user throttled after failed sign-ins try again at once, from anywhere."""
    return _user_action(
        user_id,
        lambda found: unlock(db.session, found, actor_id=current_user.id),
        _("Unlocked: the user may sign in again now."),
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles(Role.ADMIN)
def reset(user_id: int):
    """A new temporary password, shown once; the user must change it at the next sign-in."""
    found = load_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired: try again."), "error")
        return redirect(url_for("users.user", user_id=found.id))
    password = reset_password(db.session, found, actor_id=current_user.id)
    db.session.commit()
    return _temporary_password(found, password, created=False)
