"""Who sees which conversion figures: the board's scoping (a supervisor of a team, the
campaigns open to it) and distribution's (zoned staff, their zone)."""

from __future__ import annotations

import re

import pytest

from app.security import Role
from app.users.models import Team
from tests import factories


def handed_off(client) -> str:
    page = client.get("/results/").get_data(as_text=True)
    table = page.split('data-testid="results-all"')[1].split("</table>")[0]
    return re.findall(r'<td class="num">([^<]*)</td>', table)[0]


@pytest.fixture
def teams(session, handed):
    ours, theirs = Team(code="NORD", name="Nord"), Team(code="SUD", name="Sud")
    session.add_all([ours, theirs])
    session.flush()
    handed.network.campaign.teams = [ours]
    session.flush()
    return ours, theirs


def test_a_supervisor_of_another_team_sees_nothing(session, client, auth, handed, teams):
    ours, theirs = teams
    factories.user(session, Role.SUPERVISOR, username="sup_nord", team=ours)
    factories.user(session, Role.SUPERVISOR, username="sup_sud", team=theirs)
    auth.login("sup_nord")
    assert handed_off(client) == "3"
    auth.logout()
    auth.login("sup_sud")
    assert handed_off(client) == "0"
    page = client.get(f"/results/?campaign={handed.network.campaign.id}").get_data(as_text=True)
    assert handed.network.campaign.code not in page  # not offered, not counted
    assert "Trasporti Alfa" not in page


def test_zoned_staff_see_their_zone_only(session, client, auth, handed):
    other = factories.zone(session, code="SUD", name="Sud")
    factories.user(session, Role.STAFF, username="staff_sud", zone=other)
    auth.login("staff_sud")
    assert handed_off(client) == "0"


def test_agents_see_no_figures(client, users, auth):
    auth.login("agent")
    assert client.get("/results/").status_code == 403
