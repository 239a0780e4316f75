"""The teams allowed to work a campaign (``campaign_teams``).

The rule: a campaign with no team listed is open to every agent; with teams listed, only
to the agents of those teams. A deactivated team opens nothing: its people are treated as
having no team until it is reactivated. Agents see on the desk, and are served, only the
campaigns they may work (``may_work``, checked again by the claim); supervisors of a team
see on the board only the campaigns open to it (``may_see``), supervisors without a team
and administrators every campaign.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.audit.services import record
from app.campaigns.models import Campaign, CampaignStatus, campaign_teams
from app.campaigns.services import CampaignError
from app.security import Role
from app.users.models import Team, User


def set_teams(
    session: Session, campaign: Campaign, team_ids: Iterable[int], *, user_id: int | None = None
) -> list[Team]:
    """List exactly these teams on the campaign (none: open to every agent again). A team
    must exist and, unless it is listed already, be active. Audited when it changes."""
    if campaign.status == CampaignStatus.CLOSED:
        raise CampaignError(_("A closed campaign can no longer be changed."))
    wanted = sorted(set(team_ids))
    found = list(session.scalars(sa.select(Team).where(Team.id.in_(wanted)))) if wanted else []
    if len(found) != len(wanted):
        raise CampaignError(_("Unknown team: choose among the teams listed."), field="teams")
    listed = {team.id for team in campaign.teams}
    for team in found:
        if not team.active and team.id not in listed:
            raise CampaignError(
                _("Team %(code)s is not active: choose another.", code=team.code), field="teams"
            )
    before = sorted(team.code for team in campaign.teams)
    found.sort(key=lambda team: team.code)
    after = [team.code for team in found]
    if after != before:
        campaign.teams = found
        session.flush()
        record(session, "campaign.set_teams", user_id=user_id, obj=campaign, teams=after,
               previous=before)  # fmt: skip
    return found


def _open_to(campaign: Campaign, team: Team | None) -> bool:
    teams = campaign.teams
    if not teams:
        return True
    return team is not None and team.active and any(t.id == team.id for t in teams)


def may_work(session: Session, campaign: Campaign, agent: User) -> bool:
    """Whether ``agent`` may be served ``campaign``'s accounts, as far as teams go."""
    return _open_to(campaign, agent.team)


def may_see(session: Session, campaign: Campaign, user: User) -> bool:
    """Whether ``user`` may see ``campaign`` on the board: a supervisor of a team only the
    campaigns open to it; anyone else the board admits, every campaign."""
    if user.role != Role.SUPERVISOR or user.team_id is None:
        return True
    return _open_to(campaign, user.team)


def open_to(team: Team | None) -> sa.ColumnElement[bool]:
    """SQL: the campaign lists no team, or lists ``team`` while it is active."""
    ct = campaign_teams.c
    condition = ~sa.select(ct.team_id).where(ct.campaign_id == Campaign.id).exists()
    if team is not None and team.active:
        mine = sa.select(ct.team_id).where(ct.campaign_id == Campaign.id, ct.team_id == team.id)
        condition = condition | mine.exists()
    return condition


def workable_campaigns(
    session: Session, agent: User, *, only_active: bool = True
) -> Sequence[Campaign]:
    """The campaigns ``agent`` may work (the active ones by default), newest first."""
    query = sa.select(Campaign).where(open_to(agent.team)).order_by(Campaign.created_at.desc())
    if only_active:
        query = query.where(Campaign.status == CampaignStatus.ACTIVE)
    return session.scalars(query).all()


def visible_campaign_ids(session: Session, user: User) -> set[int] | None:
    """The ids of the campaigns ``user`` may see on the board; None: every campaign."""
    if user.role != Role.SUPERVISOR or user.team_id is None:
        return None
    return set(session.scalars(sa.select(Campaign.id).where(open_to(user.team))))


def workable_agents(session: Session, campaign: Campaign) -> list[tuple[int, str]]:
    """(id, name) of the active agents who may work ``campaign``, by name: those
    a supervisor may give its callbacks to."""
    team_ok = sa.or_(
        ~sa.select(campaign_teams.c.team_id)
        .where(campaign_teams.c.campaign_id == campaign.id)
        .exists(),
        sa.select(campaign_teams.c.team_id)
        .join(Team, Team.id == campaign_teams.c.team_id)
        .where(campaign_teams.c.campaign_id == campaign.id, Team.id == User.team_id, Team.active)
        .exists(),
    )
    rows = session.execute(
        sa.select(User.id, User.display_name)
        .where(User.role == Role.AGENT, User.active.is_(True), team_ok)
        .order_by(User.display_name, User.id)
    )
    return [(user_id, name) for user_id, name in rows]
