"""The desk serves an agent only the campaigns their team may work: the home lists only
those, and no path (the button, the next account after an outcome, the claim itself)
hands out an account of another team's campaign."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.campaigns.models import QueueEntry, QueueState
from app.campaigns.teams import set_teams
from app.desk.queue import claim
from app.security import Role
from app.users.teams import create_team
from tests import factories
from tests.conftest import csrf_token
from tests.integration.desk.conftest import queued_account
from tests.integration.desk.test_desk_views import page_tokens, start

NOW = datetime(2025, 4, 22, 10, 0, tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)


@pytest.fixture
def teams(session):
    return [create_team(session, code=c, name=c) for c in ("CC-MILANO", "CC-NAPOLI")]


@pytest.fixture
def milano(session, users, teams):
    """The ``agent`` user works in Milan's call centre."""
    users["agent"].team = teams[0]
    session.flush()
    return users["agent"]


def leases(session):
    return session.scalars(sa.select(QueueEntry.id).where(
        QueueEntry.state == QueueState.LEASED)).all()  # fmt: skip


def test_the_claim_serves_no_account_of_another_teams_campaign(session, milano, teams):
    theirs = factories.campaign(session)
    set_teams(session, theirs, [teams[1].id])
    factories.queue_entry(session, theirs)
    assert claim(session, theirs, milano.id, NOW) is None
    assert leases(session) == []
    napoli = factories.user(session, Role.AGENT, username="op-napoli", team=teams[1])
    assert claim(session, theirs, napoli.id, NOW) is not None


def test_an_agent_without_a_team_gets_only_the_open_campaigns(session, users, teams):
    listed, open_ = factories.campaign(session), factories.campaign(session)
    set_teams(session, listed, [teams[0].id])
    factories.queue_entry(session, listed)
    factories.queue_entry(session, open_)
    assert claim(session, listed, users["agent"].id, NOW) is None
    assert claim(session, open_, users["agent"].id, NOW) is not None


def test_the_desk_lists_only_the_campaigns_the_agent_may_work(
    client, auth, session, milano, teams, office_hours
):
    for name, listed in (("Flotte Lombardia", [teams[0]]), ("Flotte Campania", [teams[1]]),
                         ("Aperta a tutti", [])):  # fmt: skip
        campaign = factories.campaign(session, name=name)
        set_teams(session, campaign, [t.id for t in listed])
    auth.login("agent")
    page = client.get("/desk/").get_data(as_text=True)
    assert "Flotte Lombardia" in page and "Aperta a tutti" in page
    assert "Flotte Campania" not in page


def test_the_next_account_button_refuses_another_teams_campaign(
    client, auth, session, milano, teams, campaign, office_hours
):
    set_teams(session, campaign, [teams[1].id])
    queued_account(session, campaign)
    auth.login("agent")
    response = client.post(f"/desk/campaigns/{campaign.id}/next",
                           data={"csrf_token": csrf_token(client, "/desk/")})  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == "/desk/"
    page = client.get("/desk/").get_data(as_text=True)
    assert "Questa campagna non è aperta al tuo team" in page
    assert leases(session) == []


def test_no_next_account_after_an_outcome_once_the_team_is_taken_off(
    client, auth, session, milano, teams, campaign, office_hours
):
    set_teams(session, campaign, [teams[0].id])
    queued_account(session, campaign, "Trasporti Uno SRL")
    queued_account(session, campaign, "Trasporti Due SRL", phone="0612345678")
    url = start(client, auth, campaign)
    csrf, token, _page = page_tokens(client, url)
    set_teams(session, campaign, [teams[1].id])  # meanwhile, staff give it to Naples
    session.flush()
    data = {"csrf_token": csrf, "client_token": token, "outcome": "busy"}
    response = client.post(url + "/outcome", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/desk/"
    assert "non è aperta al tuo team" in client.get("/desk/").get_data(as_text=True)
    assert leases(session) == []  # the call was recorded; nothing new was handed out


def test_an_empty_desk_says_why_when_the_agent_has_no_active_team(
    client, auth, session, users, teams
):
    campaign = factories.campaign(session, name="Solo Milano")
    set_teams(session, campaign, [teams[0].id])
    auth.login("agent")  # in no team
    page = client.get("/desk/").get_data(as_text=True)
    assert 'data-testid="desk-empty"' in page and 'data-testid="desk-no-team"' in page
    users["agent"].team = teams[0]
    session.flush()
    auth.login("agent")  # a team change ends the user's sessions (app/users/sessions.py)
    page = client.get("/desk/").get_data(as_text=True)
    assert "Solo Milano" in page and "desk-no-team" not in page
    teams[0].active = False
    session.flush()
    page = client.get("/desk/").get_data(as_text=True)
    assert 'data-testid="desk-team-inactive"' in page and "Solo Milano" not in page
