"""Whose time a user may read: a supervisor of a team, the agents of that team; a
supervisor without a team, staff and administrators, every agent (the board's rule for
campaigns, ``app.campaigns.teams``). An agent counts in the team they belong to now."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.security import Role
from app.users.models import Team, User


@dataclass(frozen=True)
class Agent:
    id: int
    name: str
    team_id: int | None


def own_team(user: User) -> int | None:
    """The one team whose agents ``user`` may read; None: every team."""
    return user.team_id if user.role == Role.SUPERVISOR else None


def visible_teams(session: Session, user: User) -> list[Team]:
    """The teams ``user`` may choose among, by name."""
    query = sa.select(Team).order_by(Team.name, Team.id)
    if (team_id := own_team(user)) is not None:
        query = query.where(Team.id == team_id)
    return list(session.scalars(query))


def may_read_team(user: User, team_id: int) -> bool:
    own = own_team(user)
    return own is None or own == team_id


def may_read_agent(user: User, agent: User) -> bool:
    """Whether ``user`` may read ``agent``'s figures (an agent, of their team)."""
    own = own_team(user)
    return agent.role == Role.AGENT and (own is None or agent.team_id == own)


def agents(session: Session, user: User, team_id: int | None = None) -> list[Agent]:
    """The agents ``user`` may read (of ``team_id`` only, when given), by name. Agents
    deactivated since are listed too: their past time still counts."""
    query = sa.select(User.id, User.display_name, User.team_id).where(User.role == Role.AGENT)
    own = own_team(user)
    if own is not None:
        query = query.where(User.team_id == own)
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    rows = session.execute(query.order_by(User.display_name, User.id))
    return [Agent(agent_id, name, team) for agent_id, name, team in rows]
