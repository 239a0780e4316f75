"""Users, their roles, and the teams (call centres) agents and supervisors belong to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.columns import Timestamps, UTCDateTime, str_enum
from app.extensions import db
from app.security import Role
from app.workday.services import revoke_states


class Team(Timestamps, db.Model):
    """A team of agents and their supervisors, typically one outsourced call centre. A
    campaign may list the teams allowed to work it (``app.campaigns.teams``). Teams are
    deactivated, never deleted: calls and audit entries keep pointing at their people."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.text("true"))

    def __repr__(self) -> str:
        return f"<Team {self.code}>"


class User(UserMixin, Timestamps, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.text("true"))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    # A supervisor's choice: the floor's alerts by e-mail too (app/floor/alert_mail.py).
    mail_floor_alerts: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    # Staff of a zone see and export only that zone when set (issue: trust).
    zone_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zones.id", ondelete="SET NULL"))
    # Agents and supervisors of a team work and watch only the campaigns open to it.
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    # A password an administrator set (a temporary one): every page leads to the
    # change-password page until the user has chosen their own.
    must_change_password: Mapped[bool] = mapped_column(
        default=False, server_default=sa.text("false")
    )
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session's token (``get_id``): raising it ends every session of the user
    # at once, wherever its cookie is (``app.users.sessions``).
    session_version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))

    team: Mapped[Team | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login
        return self.active

    def get_id(self) -> str:
        """What a session (and a remember cookie) keeps of the user: id and session
        version, so a session from before the version changed no longer loads anyone."""
        return f"{self.id}:{self.session_version}"

    @hybrid_property
    def display_name(self) -> str:
        """How the application names a person everywhere (board, files, pages): their
        full name, the username when it is blank. Also a SQL expression for queries."""
        return (self.full_name or "").strip() or self.username

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls) -> sa.ColumnElement[str]:
        return sa.func.coalesce(sa.func.nullif(sa.func.trim(cls.full_name), ""), cls.username)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


# What an open session must not outlive: who the user is allowed to be, and as whom they
# prove it (``app.users.sessions``).
ENDS_SESSIONS = ("password_hash", "active", "role", "zone_id", "team_id", "team")
# session.info keys: the users whose sessions this flush ended (their working day ends
# with them), and the users whose own session goes on (their own password change).
REVOKED = "users_revoked"
KEEPS_SESSION = "users_keep_session"


@sa.event.listens_for(User, "before_update")
def _stale_sessions(_mapper: Any, _connection: Any, user: User) -> None:
    """Raise the session version in the same UPDATE as a change that ends sessions, on
    every path (pages, shell, jobs): no service can forget it."""
    state = sa.inspect(user)
    if any(state.attrs[name].history.has_changes() for name in ENDS_SESSIONS):
        user.session_version = User.session_version + 1
        revoked(state.session, user)


def revoked(session: Session | None, user: User) -> None:
    """Note that ``user``'s sessions end in this flush: their working day ends with it."""
    if session is not None and user.id not in session.info.get(KEEPS_SESSION, ()):
        session.info.setdefault(REVOKED, set()).add(user.id)


@sa.event.listens_for(Session, "after_flush_postexec")
def _end_revoked_days(session: Session, _context: Any) -> None:
    """An agent whose sessions ended is signed out in the state log, in the flush that
    ended them (``workday.services.revoke_states``, which needs no flush of its own)."""
    ids = session.info.pop(REVOKED, None)
    if ids:
        revoke_states(session, ids)


@sa.event.listens_for(Session, "after_rollback")
def _forget_revoked(session: Session) -> None:
    session.info.pop(REVOKED, None)
