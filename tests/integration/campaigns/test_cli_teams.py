"""``flask campaigns set-teams``: the shell's way to list the teams allowed on a campaign."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.campaigns.models import CampaignStatus
from app.users.teams import create_team
from tests import factories


def run(runner, *args):
    return runner.invoke(args=["campaigns", "set-teams", *args])


def test_set_and_clear_the_teams(runner, session):
    campaign = factories.campaign(session, code="PILOT16")
    for code in ("CC-MILANO", "CC-TORINO"):
        create_team(session, code=code, name=code)
    session.commit()
    result = run(runner, "PILOT16", "cc-torino", "CC-MILANO")
    assert result.exit_code == 0, result.output
    assert result.output == "Campaign PILOT16 is open to team(s) CC-MILANO, CC-TORINO.\n"
    session.expire_all()
    assert [t.code for t in campaign.teams] == ["CC-MILANO", "CC-TORINO"]
    assert run(runner, "PILOT16").output == "Campaign PILOT16 is open to every agent.\n"
    session.expire_all()
    assert campaign.teams == []
    audited = session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action == "campaign.set_teams")).all()  # fmt: skip
    assert len(audited) == 2


def test_mistakes_are_one_line_in_english_and_change_nothing(runner, session):
    factories.campaign(session, code="PILOT16")
    factories.campaign(session, code="OLD", status=CampaignStatus.CLOSED)
    team = create_team(session, code="CC-MILANO", name="Milano")
    session.commit()
    cases = [
        (["NOPE", "CC-MILANO"], "No campaign with code 'NOPE'"),
        (["PILOT16", "CC-BARI"], "Unknown team 'CC-BARI': known teams are CC-MILANO"),
        (["OLD", "CC-MILANO"], "A closed campaign can no longer be changed."),
    ]
    for args, message in cases:
        result = run(runner, *args)
        assert result.exit_code == 1, args
        assert result.output.startswith("Error: ") and message in result.output, result.output
    team.active = False
    session.commit()
    result = run(runner, "PILOT16", "CC-MILANO")
    assert result.exit_code == 1 and "Team CC-MILANO is not active" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "campaign.set_teams")) == 0  # fmt: skip
