"""The administrator's users pages: create, edit, deactivate, reset, unlock; only for
administrators; each refusal next to its field; each change audited."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.security import Role
from app.users.models import User
from app.users.services import find_user, verify_password
from app.users.teams import create_team
from tests import factories
from tests.conftest import Auth, csrf_token

PASSWORD_RE = re.compile(r'data-testid="temporary-password">([a-z2-9-]+)<')


@pytest.fixture
def admin(client, users):
    Auth(client).login("admin")
    return users["admin"]


@pytest.fixture
def team(session):
    return create_team(session, code="CC-MILANO", name="Call center Milano")


def post(client, url, data=None, page="/users/"):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **(data or {})})


def new_user(client, **values):
    data = {"username": "mrossi", "full_name": "Mario Rossi", "email": "", "role": "agent",
            "locale": "it", "zone_id": "", "team_id": "", **values}  # fmt: skip
    return post(client, "/users/new", data, page="/users/new")


def actions(session):
    """What someone did to users (the fixtures' users are made by nobody)."""
    return session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("user.%"), AuditEntry.user_id.is_not(None)).order_by(
        AuditEntry.id)).all()  # fmt: skip


def test_the_list_links_each_user_and_says_who_is_throttled(client, admin, users, session):
    for _ in range(5):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        Auth(client).login("agent", "wrong-password")
    Auth(client).login("admin")
    page = client.get("/users/").get_data(as_text=True)
    assert f'href="/users/{users["agent"].id}"' in page
    row = page[page.index('data-testid="user-agent"') :]
    row = row[: row.index("</tr>")]
    assert "5 accessi non riusciti: rallentato" in row
    assert f'action="/users/{users["agent"].id}/unlock"' in row
    assert 'data-testid="unlock-staff"' not in page  # nothing to unlock
    assert 'data-testid="admin-throttled"' not in page  # an agent's, not an administrator's
    assert 'href="/users/new"' in page and 'href="/teams/"' in page


def test_unlock_from_the_users_page(app, client, admin, users, session):
    other = app.test_client()
    for _ in range(5):
        Auth(other).login("agent", "wrong-password")
    assert Auth(other).login("agent").status_code == 429
    agent = users["agent"]
    refused = client.post(f"/users/{agent.id}/unlock", data={"back": "index"})  # no token
    assert refused.status_code in (302, 400) and "user.unlock" not in actions(session)
    response = post(client, f"/users/{agent.id}/unlock", {"back": "index"})
    assert response.status_code == 302 and response.headers["Location"] == "/users/"
    page = client.get("/users/").get_data(as_text=True)
    assert "Sbloccato" in page and 'data-testid="unlock-agent"' not in page
    assert Auth(other).login("agent").status_code == 302
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.unlock")).one()
    assert entry.user_id == admin.id and entry.object_id == str(agent.id)


def test_create_a_user_and_show_the_password_once(client, admin, session, team):
    response = new_user(client, role="supervisor", team_id=str(team.id), email="m@example.it")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    password = PASSWORD_RE.search(page).group(1)
    user = find_user(session, "mrossi")
    assert (user.full_name, user.role, user.team_id, user.email) == (
        "Mario Rossi", Role.SUPERVISOR, team.id, "m@example.it")  # fmt: skip
    assert user.must_change_password and verify_password(user, password)
    assert password not in client.get(f"/users/{user.id}").get_data(as_text=True)
    assert actions(session) == ["user.create"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"username": ""}, "Scegli un nome utente."),
        ({"username": "Mario Rossi"}, "Il nome utente deve avere"),
        ({"username": "admin"}, "esiste già"),
        ({"full_name": ""}, "Scrivi il nome e cognome della persona."),
        ({"email": "mario@"}, "Scrivi l&#39;indirizzo e-mail come"),
        ({"role": "staff", "team_id": "TEAM"}, "Solo operatori e supervisori"),
        ({"role": "agent", "zone_id": "ZONE"}, "Solo lo staff può avere una zona"),
        ({"role": "king"}, "Non è una opzione valida"),  # WTForms' own message
        ({"team_id": "999999"}, "Non è una opzione valida"),
    ],
)
def test_creating_refuses_with_the_message_by_the_field(client, admin, session, team, values,
                                                        message):  # fmt: skip
    zone = factories.zone(session)
    values = {k: str(team.id) if v == "TEAM" else str(zone.id) if v == "ZONE" else v
              for k, v in values.items()}  # fmt: skip
    response = new_user(client, **values)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="errors"' in page  # beside its field
    assert 'data-testid="temporary-password"' not in page
    assert find_user(session, "mrossi") is None and actions(session) == []


def test_edit_a_user(client, admin, users, session, team):
    agent = users["agent"]
    url = f"/users/{agent.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="agent"' in page and "Profilo" in page
    data = {"full_name": "Anna Neri", "email": "anna@example.it", "role": "agent",
            "locale": "en", "zone_id": "", "team_id": str(team.id)}  # fmt: skip
    response = post(client, url, data, page=url)
    assert response.status_code == 302 and response.headers["Location"] == url
    session.refresh(agent)
    assert (agent.full_name, agent.email, agent.locale, agent.team_id) == (
        "Anna Neri", "anna@example.it", "en", team.id)  # fmt: skip
    assert "Salvato." in client.get(url).get_data(as_text=True)
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.update")).one()
    assert entry.user_id == users["admin"].id and entry.details["changes"]["team"] == [
        None, "CC-MILANO"]  # fmt: skip


def test_an_edit_that_does_not_fit_the_role_is_refused(client, admin, users, session, team):
    url = f"/users/{users['staff'].id}"
    data = {"full_name": "Staff", "email": "", "role": "staff", "locale": "it",
            "zone_id": "", "team_id": str(team.id)}  # fmt: skip
    response = post(client, url, data, page=url)
    assert response.status_code == 400
    assert "Solo operatori e supervisori" in response.get_data(as_text=True)
    session.refresh(users["staff"])
    assert users["staff"].team_id is None


def test_the_last_administrator_cannot_demote_or_deactivate_themselves(client, admin, session):
    url = f"/users/{admin.id}"
    data = {"full_name": "Admin", "email": "", "role": "staff", "locale": "it",
            "zone_id": "", "team_id": ""}  # fmt: skip
    response = post(client, url, data, page=url)
    assert response.status_code == 400
    assert "Deve restare almeno un amministratore attivo" in response.get_data(as_text=True)
    response = post(client, f"{url}/deactivate", page=url)
    assert response.status_code == 302
    assert "Deve restare almeno un amministratore attivo" in client.get(url).get_data(
        as_text=True)  # fmt: skip
    session.refresh(admin)
    assert admin.role == Role.ADMIN and admin.active


def test_deactivation_ends_the_users_open_session_at_once(app, client, admin, users, session):
    agent_browser = app.test_client()
    Auth(agent_browser).login("agent")
    assert agent_browser.get("/desk/").status_code == 200  # the cookie, taken before
    response = post(client, f"/users/{users['agent'].id}/deactivate")
    assert response.status_code == 302
    after = agent_browser.get("/desk/")  # the same cookie, one request later
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
    assert Auth(agent_browser).login("agent").status_code == 401
    post(client, f"/users/{users['agent'].id}/reactivate")
    assert Auth(agent_browser).login("agent").status_code == 302
    assert actions(session)[-2:] == ["user.deactivate", "user.reactivate"]


def test_reset_shows_a_new_temporary_password_once(client, admin, users, session):
    agent = users["agent"]
    response = post(client, f"/users/{agent.id}/password", page=f"/users/{agent.id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = PASSWORD_RE.search(response.get_data(as_text=True)).group(1)
    session.refresh(agent)
    assert verify_password(agent, password) and agent.must_change_password
    assert not verify_password(agent, factories.PASSWORD)


def test_unlock_lets_a_locked_user_sign_in_now(app, client, admin, users, session):
    other = app.test_client()
    for _ in range(5):
        Auth(other).login("agent", "wrong-password")
    assert Auth(other).login("agent").status_code == 429
    page = client.get(f"/users/{users['agent'].id}").get_data(as_text=True)
    assert 'data-testid="user-throttle"' in page and "127.0.0.1" in page
    response = post(client, f"/users/{users['agent'].id}/unlock")
    assert response.status_code == 302
    assert "Sbloccato" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert Auth(other).login("agent").status_code == 302
    assert "user.unlock" in actions(session)


def test_an_action_without_its_token_changes_nothing(client, admin, users, session):
    for action in ("deactivate", "unlock", "password"):
        response = client.post(f"/users/{users['agent'].id}/{action}", data={})
        assert response.status_code in (302, 400)
    session.refresh(users["agent"])
    assert users["agent"].active and not users["agent"].must_change_password
    assert actions(session) == []


def test_unknown_user_is_404(client, admin):
    assert client.get("/users/999999").status_code == 404


@pytest.mark.parametrize("role", ["agent", "supervisor", "staff"])
def test_only_administrators_manage_users(client, users, session, role):
    Auth(client).login(role)
    agent = users["agent"]
    for url in ("/users/", "/users/new", f"/users/{agent.id}", "/teams/"):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/")
    for url in (f"/users/{agent.id}/deactivate", f"/users/{agent.id}/password",
                f"/users/{agent.id}/unlock", "/users/new", "/teams/"):  # fmt: skip
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    session.refresh(agent)
    assert agent.active and session.scalar(sa.select(sa.func.count()).select_from(User)) == 4
