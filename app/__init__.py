"""Application factory: wiring only, in small ``register_*`` steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from config import ROOT, Config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; ``config`` overrides settings read from the environment."""
    settings = Config().as_dict()
    settings.update(config or {})
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(settings["INSTANCE_PATH"]),
    )
    app.config.update(settings)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    register_extensions(app)
    register_blueprints(app)
    register_jobs(app)
    register_security(app)
    register_errors(app)
    register_api(app)
    register_templates(app)
    register_favicon(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every model known to the metadata and Alembic)
    from app.extensions import babel, csrf, db, login_manager, migrate
    from app.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own: a database that died after the response
        # was made (a restart) must not turn that response into a bare error.
        try:
            db.session.remove()
        except sa.exc.SQLAlchemyError:
            db.session.registry.clear()  # the connection is invalidated already

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)


def _configure_sqlite(engine: sa.Engine) -> None:
    """Make SQLite behave like a real database: foreign keys enforced, a concurrent reader
    alongside the writer (WAL), waits instead of 'database is locked', and transactions
    that SQLAlchemy controls (pysqlite's own BEGIN handling breaks savepoints)."""

    from app.columns import sqlite_local_hour

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Local days and hours in SQL (``app.columns.local_hour``).
        dbapi_connection.create_function(
            "qualifica_local_hour", 1, sqlite_local_hour, deterministic=True
        )
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):  # pragma: no cover - driver hook
        # A transaction that must write without losing a race takes the write lock at
        # once ("BEGIN IMMEDIATE"); others start deferred. See ``app.extensions.WRITE_LOCK``.
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def register_blueprints(app: Flask) -> None:
    from app import i18n
    from app.api import admin_views as api_keys
    from app.board import views as board
    from app.cards import views as cards
    from app.desk import views as desk
    from app.distribution import pack_link_views as packs
    from app.distribution import views as distribution
    from app.donotcall import views as donotcall
    from app.external import views as external
    from app.floor import views as floor
    from app.imports import views as imports
    from app.jobs import views as jobs
    from app.privacy import views as privacy
    from app.results import views as results
    from app.setup import campaign_views, script_views
    from app.timesheets import views as timesheets
    from app.users import team_views as teams
    from app.users import views as users
    from app.webhooks import views as webhooks
    from app.workday import views as pause_reasons
    from app.workspace import review_views as reviewing
    from app.workspace import views as workspace

    for module in (
        users, teams, i18n, workspace, reviewing, imports, desk, board, distribution, jobs,
        donotcall, privacy, script_views, campaign_views, pause_reasons, floor, timesheets,
        webhooks, results, packs, api_keys, external, cards,
    ):  # fmt: skip
        app.register_blueprint(module.bp)


def register_api(app: Flask) -> None:
    """The JSON API (``app.api``): its blueprint, the OpenAPI description, keys instead of
    sessions, problems instead of error pages under /api/; after ``register_errors``, whose
    pages it leaves to every other path."""
    from app.api.setup import init_api

    init_api(app)


def register_jobs(app: Flask) -> None:
    """Every feature's background jobs (its ``jobs.JOBS``), here and nowhere else: the web
    process, the RQ worker and the shell all build the application, so all know them."""
    from app.distribution import jobs as distribution
    from app.external import jobs as external
    from app.imports import jobs as imports
    from app.jobs.registry import register
    from app.mail import jobs as mail
    from app.privacy import jobs as privacy
    from app.webhooks import jobs as webhooks

    for module in (imports, external, distribution, privacy, webhooks, mail):
        register(app, module.JOBS, getattr(module, "ON_FAILURE", None))


def register_security(app: Flask) -> None:
    from app.extensions import db, login_manager
    from app.security import check_access
    from app.users.models import User
    from app.users.sessions import load_session_user

    login_manager.login_view = "users.login"
    login_manager.login_message = None  # the login page explains itself
    # "strong" would wipe any anonymous session (language, CSRF token) that lacks a login
    # fingerprint; sessions are renewed at sign-in and capped in age instead.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        # On every request: a deactivated user, or a session ended on the server (an older
        # session version: app/users/sessions.py), counts as signed out.
        return load_session_user(db.session, token)

    app.before_request(check_access)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def register_errors(app: Flask) -> None:
    """Error pages that say, in the user's language, what to do next."""
    _register_request_errors(app)
    _register_failures(app)


def _error_page(code: int, title: str, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _register_request_errors(app: Flask) -> None:
    """A request the application refuses: expired form, role, address, method, size."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from app.security import wants_json

        if wants_json():
            return {"error": _("The page has expired: reload it.")}, 400
        return _error_page(
            400,
            _("The form has expired"),
            _(
                "The page was open too long or its security token was missing. "
                "Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(403)
    def forbidden(error):
        return _error_page(
            403,
            _("Access denied"),
            _(
                "Your role does not allow you to open this page. If you need it, ask an "
                "administrator."
            ),
        )

    @app.errorhandler(404)
    def not_found(error):
        return _error_page(
            404, _("Page not found"), _("The address is wrong or the item was removed.")
        )

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _error_page(
            405, _("Action not allowed"), _("This address does not accept that action.")
        )

    @app.errorhandler(413)
    def too_large(error):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return _error_page(
            413,
            _("File too large"),
            _(
                "The file is larger than the %(limit)d MB limit. Split it or ask an "
                "administrator to raise the limit.",
                limit=limit,
            ),
        )


def _register_failures(app: Flask) -> None:
    """A failure on our side: the page must still render if the database is down."""

    @app.errorhandler(500)
    def server_error(error):
        _signed_out_if_database_down()
        return _error_page(
            500,
            _("Something went wrong"),
            _("The error has been logged. Try again; if it happens again, tell an administrator."),
        )

    @app.errorhandler(sa.exc.OperationalError)
    def database_busy(error):
        _signed_out_if_database_down()
        if "database is locked" not in str(error.orig):
            raise error
        return _error_page(
            503,
            _("The database is busy"),
            _("A background job is writing to the database. Try again in a moment."),
        )


def _signed_out_if_database_down() -> None:
    """An error page speaks the user's language and shows their name, which needs the
    database; if it is down (say, restarting), the page is made as for a signed-out
    visitor instead of failing in turn."""
    from flask import g
    from flask_login import current_user

    from app.extensions import db, login_manager

    try:
        db.session.rollback()
        if current_user.is_authenticated:  # loads the user, if not loaded yet
            db.session.refresh(current_user._get_current_object())
    except sa.exc.SQLAlchemyError:
        db.session.registry.clear()  # its connection is lost: a new session from here
        g._login_user = login_manager.anonymous_user()


def register_templates(app: Flask) -> None:
    """Template helpers: each feature's ``labels.TEMPLATE_HELPERS`` (the translated names of
    its values), the navigation bar and a few shared names."""
    from flask_babel import get_locale

    from app.accounts import labels as account_labels
    from app.accounts.models import TonnageClass
    from app.accounts.phones import format_international
    from app.board import labels as board_labels
    from app.campaigns import labels as campaign_labels
    from app.cards import labels as card_labels
    from app.distribution import labels as distribution_labels
    from app.floor import labels as floor_labels
    from app.i18n import file_size
    from app.imports import labels as import_labels
    from app.jobs import labels as job_labels
    from app.mail import labels as mail_labels
    from app.navigation import navigation
    from app.results import labels as result_labels
    from app.scripting import labels as script_labels
    from app.scripting.branching import condition_dict
    from app.timesheets import labels as timesheet_labels
    from app.users import labels as user_labels
    from app.users.forms import LogoutForm
    from app.webhooks import labels as webhook_labels
    from app.workday import labels as workday_labels

    helpers: dict[str, Any] = {}
    for labels in (account_labels, user_labels, campaign_labels, import_labels,
                   distribution_labels, board_labels, job_labels, script_labels,
                   workday_labels, floor_labels, timesheet_labels, webhook_labels,
                   result_labels, mail_labels, card_labels):  # fmt: skip
        helpers.update(labels.TEMPLATE_HELPERS)

    app.context_processor(navigation)
    app.add_template_filter(format_international, "phone_international")
    app.add_template_filter(account_labels.reason_label, "reason_label")
    app.add_template_filter(file_size, "file_size")

    @app.context_processor
    def common() -> dict[str, Any]:
        return {
            **helpers,
            "logout_form": LogoutForm,
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "tonnage_classes": list(TonnageClass),
            "condition_dict": condition_dict,
        }


def register_favicon(app: Flask) -> None:
    """/favicon.ico, which browsers ask for whatever the page links (pages link the SVG).
    Served from memory: a few KB, and no file left open by a response nobody closes."""
    from flask import Response

    from app.security import public

    icon = (ROOT / "static" / "favicon.ico").read_bytes()

    @public
    def favicon():
        response = Response(icon, mimetype="image/vnd.microsoft.icon")
        response.cache_control.public, response.cache_control.max_age = True, 86400
        return response

    app.add_url_rule("/favicon.ico", "favicon", favicon)


def register_cli(app: Flask) -> None:
    from app.campaigns.cli import campaigns_cli
    from app.demo.cli import demo_cli
    from app.donotcall.cli import donotcall_cli
    from app.floor.cli import floor_alerts_command
    from app.imports.cli import accounts_cli
    from app.jobs.cli import jobs_cli
    from app.mail.cli import mail_cli
    from app.privacy.cli import privacy_cli
    from app.results.cli import daily_summary_command
    from app.scripting.cli import scripts_cli
    from app.territory.cli import territory_cli
    from app.users.cli import teams_cli, users_cli
    from app.webhooks.cli import webhooks_cli

    for group in (
        users_cli, demo_cli, territory_cli, jobs_cli, scripts_cli, campaigns_cli, accounts_cli,
        donotcall_cli, privacy_cli, teams_cli, webhooks_cli, mail_cli,
    ):  # fmt: skip
        app.cli.add_command(group)
    # The mailings of features above the mail package join its group here, in the wiring.
    for command in (daily_summary_command, floor_alerts_command):
        mail_cli.add_command(command)
