"""Whom a viewer of the floor sees and may act on: a supervisor of a team, that team's
agents; a supervisor without a team, staff and administrators, every agent (as the board
lets them see every campaign, ``campaigns.teams.may_see``)."""

from __future__ import annotations

from typing import Any

from app.security import Role


def sees_team(viewer: Any, team_id: int | None) -> bool:
    """Whether ``viewer`` sees the agents of ``team_id`` (None: agents in no team)."""
    if viewer.role != Role.SUPERVISOR or viewer.team_id is None:
        return True
    return team_id == viewer.team_id


def manages(viewer: Any, agent: Any) -> bool:
    """Whether ``viewer`` may see and act on ``agent`` from the floor."""
    return agent.role == Role.AGENT and sees_team(viewer, agent.team_id)
