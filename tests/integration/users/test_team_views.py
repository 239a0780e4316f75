"""The administrator's teams pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.security import Role
from app.users.models import Team
from app.users.teams import create_team
from tests import factories
from tests.conftest import Auth, csrf_token


@pytest.fixture
def admin(client, users):
    Auth(client).login("admin")
    return users["admin"]


def post(client, url, page, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def test_create_a_team(client, admin, session):
    page = client.get("/teams/").get_data(as_text=True)
    assert "Nessun team" in page and 'name="code"' in page
    response = post(client, "/teams/", "/teams/", code="cc-milano", name="Call center Milano")
    assert response.status_code == 302
    team = session.scalars(sa.select(Team)).one()
    assert response.headers["Location"] == f"/teams/{team.id}"
    assert (team.code, team.name) == ("CC-MILANO", "Call center Milano")
    listing = client.get("/teams/").get_data(as_text=True)
    assert 'data-testid="team-CC-MILANO"' in listing


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        ("", "Milano", "Scegli un codice."),
        ("CC MILANO", "Milano", "Il codice deve avere"),
        ("CC-ROMA", "", "Scrivi il nome del team."),
        ("cc-roma", "Altro", "esiste già"),
    ],
)
def test_creating_a_team_refuses(client, admin, session, code, name, message):
    create_team(session, code="CC-ROMA", name="Roma")
    response = post(client, "/teams/", "/teams/", code=code, name=name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Team)) == 1


def test_rename_deactivate_reactivate(client, admin, session, users):
    team = create_team(session, code="CC-ROMA", name="Roma")
    users["agent"].team = team
    session.flush()
    url = f"/teams/{team.id}"
    page = client.get(url).get_data(as_text=True)
    assert f'href="/users/{users["agent"].id}"' in page  # its members
    assert post(client, url, url, name="Roma Eur").status_code == 302
    assert post(client, f"{url}/deactivate", url).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="team-inactive"' in page and "Roma Eur" in page
    assert post(client, f"{url}/reactivate", url).status_code == 302
    session.refresh(team)
    assert team.name == "Roma Eur" and team.active
    done = session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like(
        "team.%")).order_by(AuditEntry.id)).all()  # fmt: skip
    assert done == ["team.create", "team.rename", "team.deactivate", "team.reactivate"]


def test_renaming_to_nothing_is_refused(client, admin, session):
    team = create_team(session, code="CC-ROMA", name="Roma")
    response = post(client, f"/teams/{team.id}", f"/teams/{team.id}", name="")
    assert response.status_code == 400 and "Scrivi il nome del team." in response.get_data(
        as_text=True)  # fmt: skip


def test_a_deactivated_team_is_no_choice_for_a_new_member(client, admin, session):
    team = create_team(session, code="CC-ROMA", name="Roma")
    team.active = False
    session.flush()
    assert f'value="{team.id}"' not in client.get("/users/new").get_data(as_text=True)
    member = factories.user(session, Role.AGENT, username="rimasto")
    member.team_id = team.id
    session.flush()
    assert f'value="{team.id}"' in client.get(f"/users/{member.id}").get_data(as_text=True)


def test_unknown_team_is_404(client, admin):
    assert client.get("/teams/999999").status_code == 404
