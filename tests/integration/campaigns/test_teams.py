"""The teams allowed to work a campaign: none listed, every agent; else only theirs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.campaigns.models import CampaignStatus
from app.campaigns.services import CampaignError
from app.campaigns.teams import may_see, may_work, set_teams, workable_campaigns
from app.security import Role
from app.users.changes import set_team
from app.users.teams import create_team, set_team_active
from tests import factories


@pytest.fixture
def teams(session):
    return {code: create_team(session, code=code, name=code.title())
            for code in ("CC-MILANO", "CC-NAPOLI")}  # fmt: skip


@pytest.fixture
def people(session, teams):
    def agent(name, team=None):
        return factories.user(session, Role.AGENT, username=f"op-{name}", team=team)

    return {"milano": agent("milano", teams["CC-MILANO"]),
            "napoli": agent("napoli", teams["CC-NAPOLI"]), "none": agent("senza")}  # fmt: skip


def test_a_campaign_without_teams_is_open_to_every_agent(session, people):
    campaign = factories.campaign(session)
    assert all(may_work(session, campaign, agent) for agent in people.values())


def test_listed_teams_only(session, teams, people):
    campaign = factories.campaign(session)
    set_teams(session, campaign, [teams["CC-MILANO"].id])
    assert may_work(session, campaign, people["milano"])
    assert not may_work(session, campaign, people["napoli"])
    assert not may_work(session, campaign, people["none"])  # no team: open campaigns only


def test_a_deactivated_team_opens_nothing_but_the_open_campaigns(session, teams, people):
    listed, open_ = factories.campaign(session), factories.campaign(session)
    set_teams(session, listed, [teams["CC-MILANO"].id])
    set_team_active(session, teams["CC-MILANO"], False)
    assert not may_work(session, listed, people["milano"])
    assert may_work(session, open_, people["milano"])


def test_the_campaigns_an_agent_may_work(session, teams, people):
    mine = factories.campaign(session, code="MINE")
    theirs = factories.campaign(session, code="THEIRS")
    open_ = factories.campaign(session, code="OPEN")
    factories.campaign(session, code="PAUSED", status=CampaignStatus.PAUSED)
    both = factories.campaign(session, code="BOTH")
    set_teams(session, mine, [teams["CC-MILANO"].id])
    set_teams(session, theirs, [teams["CC-NAPOLI"].id])
    set_teams(session, both, [t.id for t in teams.values()])

    def codes(agent, **kw):
        return sorted(c.code for c in workable_campaigns(session, agent, **kw))

    assert codes(people["milano"]) == ["BOTH", "MINE", "OPEN"]
    assert codes(people["napoli"]) == ["BOTH", "OPEN", "THEIRS"]
    assert codes(people["none"]) == ["OPEN"]
    assert codes(people["none"], only_active=False) == ["OPEN", "PAUSED"]
    assert open_.code == "OPEN"


def test_set_teams_is_audited_and_none_opens_it_again(session, users, teams):
    campaign = factories.campaign(session, code="PILOT")
    admin = users["admin"].id
    set_teams(session, campaign, [teams["CC-NAPOLI"].id, teams["CC-MILANO"].id], user_id=admin)
    assert [t.code for t in campaign.teams] == ["CC-MILANO", "CC-NAPOLI"]
    set_teams(session, campaign, [teams["CC-MILANO"].id], user_id=admin)
    set_teams(session, campaign, [teams["CC-MILANO"].id], user_id=admin)  # unchanged
    set_teams(session, campaign, [], user_id=admin)
    assert campaign.teams == []
    audited = session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "campaign.set_teams").order_by(AuditEntry.id)).all()  # fmt: skip
    assert [e.details for e in audited] == [
        {"teams": ["CC-MILANO", "CC-NAPOLI"], "previous": []},
        {"teams": ["CC-MILANO"], "previous": ["CC-MILANO", "CC-NAPOLI"]},
        {"teams": [], "previous": ["CC-MILANO"]},
    ]
    assert {e.user_id for e in audited} == {admin}
    assert {e.object_id for e in audited} == {str(campaign.id)}


def test_set_teams_refuses(session, teams):
    campaign = factories.campaign(session)
    with pytest.raises(CampaignError, match="Unknown team"):
        set_teams(session, campaign, [teams["CC-MILANO"].id, 999_999])
    set_team_active(session, teams["CC-NAPOLI"], False)
    with pytest.raises(CampaignError, match="CC-NAPOLI is not active"):
        set_teams(session, campaign, [teams["CC-NAPOLI"].id])
    assert campaign.teams == []
    closed = factories.campaign(session, status=CampaignStatus.CLOSED)
    with pytest.raises(CampaignError, match="closed"):
        set_teams(session, closed, [teams["CC-MILANO"].id])


def test_a_listed_team_deactivated_since_may_stay_listed(session, teams):
    campaign = factories.campaign(session)
    set_teams(session, campaign, [teams["CC-NAPOLI"].id])
    set_team_active(session, teams["CC-NAPOLI"], False)
    set_teams(session, campaign, [teams["CC-NAPOLI"].id, teams["CC-MILANO"].id])
    assert len(campaign.teams) == 2


def test_supervisors_with_a_team_see_the_campaigns_open_to_it(session, users, teams):
    mine, theirs, open_ = (factories.campaign(session) for _ in range(3))
    set_teams(session, mine, [teams["CC-MILANO"].id])
    set_teams(session, theirs, [teams["CC-NAPOLI"].id])
    boss = factories.user(session, Role.SUPERVISOR, username="capo", team=teams["CC-MILANO"])
    assert [may_see(session, c, boss) for c in (mine, theirs, open_)] == [True, False, True]
    # Without a team, or an administrator: every campaign.
    for viewer in (users["supervisor"], users["admin"]):
        assert all(may_see(session, c, viewer) for c in (mine, theirs, open_))
    set_team(session, boss, None)
    assert may_see(session, theirs, boss)


def test_the_agents_who_may_work_a_campaign(session, users, teams, people):
    from app.campaigns.teams import workable_agents
    from app.users.changes import set_active

    listed, open_ = factories.campaign(session), factories.campaign(session)
    set_teams(session, listed, [teams["CC-MILANO"].id])
    set_active(session, people["none"], False)
    assert [name for _id, name in workable_agents(session, listed)] == ["op-milano"]
    assert [name for _id, name in workable_agents(session, open_)] == [
        "agent", "op-milano", "op-napoli"]  # fmt: skip
    set_team_active(session, teams["CC-MILANO"], False)
    assert workable_agents(session, listed) == []
