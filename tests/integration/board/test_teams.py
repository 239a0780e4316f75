"""A supervisor of a team sees on the board only the campaigns open to the team; without
a team (and as an administrator), every campaign."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.board import cache
from app.campaigns.teams import set_teams
from app.security import Role
from app.users.teams import create_team
from tests import factories
from tests.conftest import Auth, csrf_token


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.forget()
    yield
    cache.forget()


@pytest.fixture
def world(session, users):
    milano, napoli = (create_team(session, code=c, name=c) for c in ("CC-MILANO", "CC-NAPOLI"))
    mine = factories.campaign(session, name="Flotte Lombardia")
    theirs = factories.campaign(session, name="Flotte Campania")
    open_ = factories.campaign(session, name="Aperta a tutti")
    set_teams(session, mine, [milano.id])
    set_teams(session, theirs, [napoli.id])
    boss = factories.user(session, Role.SUPERVISOR, username="capo-milano", team=milano)
    agent = factories.user(session, Role.AGENT, username="op-napoli", team=napoli)
    return {"mine": mine, "theirs": theirs, "open": open_, "boss": boss, "agent": agent}


def test_the_home_and_its_data_list_only_the_teams_campaigns(client, world):
    Auth(client).login("capo-milano")
    page = client.get("/board/").get_data(as_text=True)
    assert "Flotte Lombardia" in page and "Aperta a tutti" in page
    assert "Flotte Campania" not in page
    shown = {c["id"] for c in client.get("/board/data.json").get_json()["campaigns"]}
    assert shown == {world["mine"].id, world["open"].id}


def test_another_teams_campaign_pages_are_refused(client, world):
    Auth(client).login("capo-milano")
    base = f"/board/campaigns/{world['theirs'].id}"
    for url in (base, f"{base}/parts.json", f"{base}/days.csv",
                f"{base}/agents/{world['agent'].id}"):  # fmt: skip
        with client.get(url) as response:
            assert response.status_code == 403, url
            assert "Flotte Campania" not in response.get_data(as_text=True)
    with client.get(f"/board/campaigns/{world['mine'].id}") as response:
        assert response.status_code == 200


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_without_a_team_every_campaign(client, world, who):
    Auth(client).login(who)
    page = client.get("/board/").get_data(as_text=True)
    assert all(name in page for name in ("Flotte Lombardia", "Flotte Campania", "Aperta a tutti"))
    with client.get(f"/board/campaigns/{world['theirs'].id}") as response:
        assert response.status_code == 200


def test_callbacks_go_only_to_agents_who_may_work_the_campaign(client, session, world, users):
    due = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    entries = {
        name: factories.queue_entry(session, world[name], is_callback=True, next_call_at=due)
        for name in ("mine", "theirs", "open")
    }
    Auth(client).login("supervisor")
    page = client.get(f"/board/campaigns/{world['mine'].id}").get_data(as_text=True)
    assert ">op-napoli<" not in page and ">agent<" not in page  # another team, no team
    page = client.get(f"/board/campaigns/{world['theirs'].id}").get_data(as_text=True)
    assert ">op-napoli<" in page
    page = client.get(f"/board/campaigns/{world['open'].id}").get_data(as_text=True)
    assert ">op-napoli<" in page and ">agent<" in page
    # A choice the page did not offer is refused.
    url = f"/board/campaigns/{world['mine'].id}/callbacks/{entries['mine'].id}/agent"
    token = csrf_token(client, f"/board/campaigns/{world['mine'].id}")
    response = client.post(url, data={"csrf_token": token, "agent": str(world["agent"].id)})
    assert response.status_code == 400
    session.refresh(entries["mine"])
    assert entries["mine"].callback_agent_id is None
