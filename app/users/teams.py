"""Teams of agents and supervisors (one outsourced call centre each): created, renamed,
deactivated and reactivated by administrators, each change audited. Which campaigns a
team may work is the campaign's side (``app.campaigns.teams``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.users.models import Team, User
from app.users.rules import UserError

CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,31}")


@dataclass(frozen=True)
class TeamRow:
    team: Team
    members: int  # active users in it


def _checked_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise UserError(_l("Write the team's name (up to 120 characters)."), "name")
    return name


def create_team(session: Session, *, code: str, name: str, actor_id: int | None = None) -> Team:
    """A new active team; ``code`` (kept in capitals) is unique."""
    code = (code or "").strip().upper()
    if not CODE_RE.fullmatch(code):
        raise UserError(
            _l("The code must be 1-32 letters, digits, '-' or '_', e.g. CC-MILANO."), "code"
        )
    name = _checked_name(name)
    if session.scalar(select(Team.id).where(Team.code == code)) is not None:
        raise UserError(_l("Team %(code)s already exists: choose another code.", code=code),
                        "code")  # fmt: skip
    team = Team(code=code, name=name)
    session.add(team)
    session.flush()
    record(session, "team.create", user_id=actor_id, obj=team, code=code, name=name)
    return team


def rename_team(session: Session, team: Team, name: str, *, actor_id: int | None = None) -> bool:
    """Give the team a new name (its code stays); False when it already had it."""
    name = _checked_name(name)
    if name == team.name:
        return False
    before, team.name = team.name, name
    session.flush()
    record(session, "team.rename", user_id=actor_id, obj=team, name=name, previous_name=before)
    return True


def set_team_active(
    session: Session, team: Team, active: bool, *, actor_id: int | None = None
) -> None:
    """Deactivate a team (no new members; its people work and watch only the campaigns
    open to every team until it is reactivated) or reactivate it. Members stay in it."""
    if team.active == active:
        return
    team.active = active
    session.flush()
    record(session, "team.reactivate" if active else "team.deactivate", user_id=actor_id,
           obj=team)  # fmt: skip


def find_team(session: Session, code: str) -> Team:
    """The team with this code (any case), or a ``UserError`` listing the known codes."""
    team = session.scalar(select(Team).where(Team.code == code.strip().upper()))
    if team is None:
        known = ", ".join(session.scalars(select(Team.code).order_by(Team.code))) or "-"
        raise UserError(
            _l("Unknown team '%(code)s': known teams are %(known)s.", code=code, known=known),
            "team_id",
        )
    return team


def list_teams(session: Session) -> list[TeamRow]:
    """Every team by code, with how many active users are in it."""
    members = (
        select(func.count(User.id))
        .where(User.team_id == Team.id, User.active.is_(True))
        .scalar_subquery()
    )
    rows = session.execute(select(Team, members).order_by(Team.code))
    return [TeamRow(team, count) for team, count in rows]


def team_members(session: Session, team: Team) -> list[User]:
    """The team's users, active first, by username."""
    query = select(User).where(User.team_id == team.id)
    return list(session.scalars(query.order_by(User.active.desc(), User.username)))


def team_choices(session: Session, keep: int | None = None) -> list[tuple[int, str]]:
    """(id, "CODE · name") of the active teams, and of team ``keep`` (a user's own,
    deactivated since), for a form's list."""
    query = select(Team).order_by(Team.code)
    query = query.where(Team.active.is_(True) | (Team.id == keep))
    inactive = _l("inactive")
    return [
        (t.id, f"{t.code} · {t.name}" + ("" if t.active else f" ({inactive})"))
        for t in session.scalars(query)
    ]


def team_codes(session: Session) -> dict[int, str]:
    """Team id -> code, to show which team a user is in."""
    return {team_id: code for team_id, code in session.execute(select(Team.id, Team.code))}
