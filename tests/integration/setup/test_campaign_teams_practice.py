"""The campaign pages with teams and practice: the form ticks the teams allowed and the
practice box, a copy keeps the teams, a team's supervisor sees only the campaigns open to
it, and activation counts the agents who may really work the campaign."""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa

from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.campaigns.models import Campaign
from app.campaigns.queueing import enqueue_accounts
from app.security import Role
from app.users.teams import create_team
from tests import factories
from tests.integration.setup.conftest import errors_beside, post, text
from tests.integration.setup.test_campaign_form import form_data


def _teams(session):
    north = create_team(session, code="CC-NORD", name="Call centre Nord")
    south = create_team(session, code="CC-SUD", name="Call centre Sud")
    session.commit()
    return north, south


def _member(session, role: Role, username: str, team):
    user = factories.user(session, role, username)
    user.team = team
    return user


def _by_code(session, code: str) -> Campaign:
    return session.scalars(sa.select(Campaign).where(Campaign.code == code)).one()


def test_a_new_campaign_is_opened_to_the_teams_ticked(client, session, staff, script):
    north, _south = _teams(session)
    page = text(client.get("/campaigns/new"))
    assert "Call centre Nord (CC-NORD)" in page and "Call centre Sud (CC-SUD)" in page
    response = post(client, "/campaigns/new", form_data(script, teams=[str(north.id)]))
    assert response.status_code == 302
    campaign = _by_code(session, "PILOT16")
    assert [team.code for team in campaign.teams] == ["CC-NORD"]
    audited = session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_id == str(campaign.id))
    ).all()
    assert "campaign.set_teams" in audited
    shown = text(client.get(f"/campaigns/{campaign.id}"))
    assert 'data-testid="teams">Call centre Nord (CC-NORD)</dd>' in shown


def test_editing_changes_the_teams_and_no_tick_opens_it_to_every_agent(
    client, session, staff, campaign
):
    north, south = _teams(session)
    edit = f"/campaigns/{campaign.id}/edit"
    base = _edit_data(campaign)
    assert post(client, edit, {**base, "teams": [str(north.id), str(south.id)]}).status_code == 302
    session.expire_all()
    assert sorted(t.code for t in campaign.teams) == ["CC-NORD", "CC-SUD"]
    page = text(client.get(edit))
    assert f'checked id="teams-0" name="teams" type="checkbox" value="{north.id}"' in page
    assert post(client, edit, base).status_code == 302
    session.expire_all()
    assert campaign.teams == []
    assert "tutti gli operatori" in text(client.get(f"/campaigns/{campaign.id}"))


def test_an_unknown_team_is_refused_beside_the_field_and_nothing_is_written(
    client, session, staff, campaign
):
    _teams(session)
    data = {**_edit_data(campaign), "name": "Altro nome", "teams": ["999999"]}
    response = post(client, f"/campaigns/{campaign.id}/edit", data)
    assert response.status_code == 200
    assert (
        "Team sconosciuto" in text(response).split('data-testid="teams"')[1].split("</fieldset>")[0]
    )
    session.expire_all()
    assert campaign.name == "Pilota" and campaign.teams == []


def test_a_practice_campaign_is_created_from_the_box(client, session, staff, script):
    response = post(client, "/campaigns/new", form_data(script, code="PROVA2", practice="y"))
    assert response.status_code == 302
    campaign = _by_code(session, "PROVA2")
    assert campaign.practice is True
    page = text(client.get(f"/campaigns/{campaign.id}"))
    assert "PROVA" in page and "a qualsiasi ora e in qualsiasi giorno" in page
    assert "non serve alcuna verifica del registro" in page  # it phones nobody
    assert f"campaign={campaign.id}&amp;practice=y" in page  # the segment page, practice ticked
    listing = text(client.get("/campaigns/"))
    assert 'data-testid="practice-mark"' in listing


def test_a_campaign_with_a_queue_does_not_change_kind(client, session, staff, campaign):
    factories.queue_entry(session, campaign, factories.account(session))
    session.commit()
    response = post(client, f"/campaigns/{campaign.id}/edit",
                    {**_edit_data(campaign), "practice": "y", "name": "Nuovo"})  # fmt: skip
    assert response.status_code == 200
    assert "non si mescolano mai" in errors_beside(text(response), "practice")
    session.expire_all()
    assert campaign.practice is False and campaign.name == "Pilota"


def test_a_copy_keeps_the_active_teams(client, session, staff, campaign):
    north, south = _teams(session)
    campaign.teams = [north, south]
    south.active = False
    session.commit()
    response = post(client, f"/campaigns/{campaign.id}/clone", {"code": "PILOT2", "name": "Bis"})
    assert response.status_code == 302
    assert [team.code for team in _by_code(session, "PILOT2").teams] == ["CC-NORD"]


def test_a_team_supervisor_sees_only_the_campaigns_open_to_the_team(client, session, auth):
    north, south = _teams(session)
    ours = factories.campaign(session, code="OURS", name="Nostra")
    theirs = factories.campaign(session, code="THEIRS", name="Loro")
    everyone = factories.campaign(session, code="ALL", name="Di tutti")
    ours.teams, theirs.teams = [north], [south]
    _member(session, Role.SUPERVISOR, "sup-nord", north)
    session.commit()
    auth.login("sup-nord")
    listing = text(client.get("/campaigns/"))
    assert 'data-campaign="OURS"' in listing and 'data-campaign="ALL"' in listing
    assert 'data-campaign="THEIRS"' not in listing
    assert client.get(f"/campaigns/{theirs.id}").status_code == 403
    assert client.get(f"/campaigns/{everyone.id}").status_code == 200


def test_activation_counts_the_agents_of_the_teams_it_is_open_to(client, session, staff, campaign):
    north, south = _teams(session)
    _member(session, Role.AGENT, "anna", north)
    _member(session, Role.AGENT, "bruno", north)
    campaign.teams = [south]  # nobody in the south team
    session.commit()
    page = text(client.get(f"/campaigns/{campaign.id}/status/activate"))
    assert "Nessun operatore attivo può lavorarla" in page
    campaign.teams = [north]
    session.commit()
    page = text(client.get(f"/campaigns/{campaign.id}/status/activate"))
    assert "2 operatori attivi possono lavorarla" in page


def test_activation_speaks_of_one_agent_and_one_account_in_the_singular(
    client, session, staff, campaign
):
    north, _south = _teams(session)
    _member(session, Role.AGENT, "anna", north)
    campaign.teams = [north]
    account = factories.account(session, status=AccountStatus.READY)
    enqueue_accounts(session, campaign, [account.id])
    session.commit()
    page = text(client.get(f"/campaigns/{campaign.id}/status/activate"))
    assert "1 operatore attivo può lavorarla." in page
    assert "1 account attende in coda." in page


def test_a_practice_campaign_needs_no_register_check_to_start(client, session, staff, script):
    practice = factories.campaign(session, code="PROVA", name="Prova", status="draft",
                                  call_script_id=script.id, practice=True)  # fmt: skip
    session.commit()
    page = text(client.get(f"/campaigns/{practice.id}/status/activate"))
    assert "non serve alcuna verifica del registro" in page
    assert "registro delle opposizioni" not in page.split("non serve alcuna")[0][-400:]


def _edit_data(campaign: Campaign) -> dict[str, str]:
    """What the edit page sends back for ``campaign`` (its name and script version, the
    code of conduct's hours), no team ticked and the practice box clear."""
    data = form_data(SimpleNamespace(id=campaign.call_script_id))
    data.pop("code")
    return {**data, "name": campaign.name}
