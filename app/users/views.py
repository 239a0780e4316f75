from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    current_app,
    flash,
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
from app.security import SESSION_STARTED, Role, guard, public, roles, safe_next_url
from app.users.forms import LoginForm, LogoutForm
from app.users.services import authenticate, list_users, zone_codes
from app.users.throttle import fold, limits_from, wait_minutes

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
        wait = wait_minutes(
            db.session,
            form.username.data,
            request.remote_addr,
            datetime.now(UTC),
            limits_from(current_app.config),
        )
        if wait:
            record(db.session, "auth.login_throttled", username=fold(form.username.data))
            db.session.commit()
            flash(
                ngettext(
                    "Too many failed sign-ins: try again in %(num)s minute.",
                    "Too many failed sign-ins: try again in %(num)s minutes.",
                    wait,
                ),
                "error",
            )
            return render_template("users/login.html", form=form), 429
        user = authenticate(db.session, form.username.data, form.password.data)
        if user is None:
            db.session.commit()  # keep the failed-login audit entry
            flash(_("Wrong username or password, or the account is disabled."), "error")
            return render_template("users/login.html", form=form), 401
        db.session.commit()
        session.clear()  # a fresh session at sign-in: no fixation
        login_user(user)
        session.permanent = True
        session[SESSION_STARTED] = datetime.now(UTC).timestamp()
        if user.locale:
            session["lang"] = user.locale
        return redirect(safe_next_url(request.args.get("next")) or url_for("users.home"))
    status = 400 if form.errors else 200
    return render_template("users/login.html", form=form), status


@bp.context_processor
def session_limits() -> dict[str, int]:
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return {"idle_minutes": int(lifetime.total_seconds() // 60)}


@bp.route("/logout", methods=["POST"])
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
    return redirect(url_for("users.login"))


@bp.route("/users/")
@roles(Role.ADMIN)
def index():
    """Administrator's home: the users and their roles."""
    return render_template(
        "users/index.html", users=list_users(db.session), zones=zone_codes(db.session)
    )
