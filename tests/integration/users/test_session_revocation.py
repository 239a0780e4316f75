"""A session cookie copied before an event that ends the user's sessions (sign-out, a
password changed or reset, deactivation, a role, zone or team change) is refused when
replayed afterwards: pages lead to the sign-in page, the desk's background calls get a
JSON 401, and the lease it held is not renewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie

from app.campaigns.models import QueueEntry
from app.scripting.services import load_script
from app.security import Role
from app.users.teams import create_team
from tests import factories
from tests.conftest import Auth, csrf_token
from tests.integration.desk.conftest import SCRIPT, queued_account

NEW_PASSWORD = "a-brand-new-passphrase"


def copy_of(app, client: FlaskClient) -> FlaskClient:
    """Another browser holding the same session cookie as ``client`` has now."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    return thief


def assert_signed_out(thief: FlaskClient, page: str = "/") -> None:
    response = thief.get(page)
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"].startswith("/login"), response.headers["Location"]
    background = thief.get(page, headers={"Accept": "application/json"})
    assert background.status_code == 401


def profile(user, **changes) -> dict[str, str]:
    """The user page's form, as it is, with ``changes``."""
    values = {"full_name": user.full_name, "email": user.email or "", "locale": "it",
              "role": user.role.value, "zone_id": str(user.zone_id or ""),
              "team_id": str(user.team_id or "")}  # fmt: skip
    return {**values, **changes}


class Desk:
    """An agent in the middle of a call: the cookie and the page's CSRF token, as a thief
    who copied them would have them."""

    def __init__(self, app, client, session, campaign, office_hours) -> None:
        self.session, self.office_hours = session, office_hours
        queued_account(session, campaign)
        Auth(client).login("agent")
        token = csrf_token(client, "/desk/")
        taken = client.post(f"/desk/campaigns/{campaign.id}/next", data={"csrf_token": token})
        self.url = taken.headers["Location"]
        self.csrf = csrf_token(client, self.url)
        self.thief = copy_of(app, client)
        self.entry_id = int(self.url.rsplit("/", 1)[1])
        # As the desk's script sends its heartbeat (static/js/desk.js).
        self.headers = {"Accept": "application/json", "X-CSRFToken": self.csrf}

    def lease_expiry(self):
        self.session.expire_all()
        return self.session.get(QueueEntry, self.entry_id).lease_expires_at

    def assert_refused(self) -> None:
        """The copied cookie opens nothing and renews nothing."""
        before = self.lease_expiry()
        self.office_hours.shift(timedelta(seconds=30))
        renewal = self.thief.post(self.url + "/lease", json={}, headers=self.headers)
        assert renewal.status_code == 401, renewal.status_code
        assert self.lease_expiry() == before
        assert_signed_out(self.thief, "/desk/")


@pytest.fixture
def desk(app, client, session, users, office_hours):
    script = load_script(session, SCRIPT)
    campaign = factories.campaign(session, call_script_id=script.id, code="DESK", name="Desk")
    return Desk(app, client, session, campaign, office_hours)


@pytest.fixture
def admin(app, users):
    browser = app.test_client()
    Auth(browser).login("admin")
    return browser


def test_the_copied_cookie_works_until_an_event(desk):
    """The control: without an event, the copy opens the desk and renews the lease."""
    renewal = desk.thief.post(desk.url + "/lease", json={}, headers=desk.headers)
    assert renewal.status_code == 200
    assert desk.thief.get("/desk/").status_code == 200


def test_sign_out_ends_the_copied_session(client, desk):
    Auth(client).logout()
    desk.assert_refused()


def test_sign_out_ends_every_session_of_the_user(app, client, users, desk):
    other_browser = app.test_client()
    Auth(other_browser).login("agent")
    Auth(client).logout()
    assert_signed_out(other_browser, "/desk/")


def test_own_password_change_ends_the_other_sessions_but_not_this_one(client, desk):
    data = {"current": factories.PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/password")}  # fmt: skip
    assert client.post("/password", data=data).status_code == 302
    desk.assert_refused()
    assert client.get("/desk/").status_code == 200  # who changed it stays signed in


def test_an_administrators_reset_ends_the_sessions(desk, admin, users):
    agent = users["agent"]
    response = admin.post(f"/users/{agent.id}/password",
                          data={"csrf_token": csrf_token(admin, f"/users/{agent.id}")})  # fmt: skip
    assert response.status_code == 200
    desk.assert_refused()


def test_a_deactivation_ends_the_sessions_even_after_reactivation(desk, admin, users):
    agent = users["agent"]
    for action in ("deactivate", "reactivate"):
        response = admin.post(f"/users/{agent.id}/{action}",
                              data={"csrf_token": csrf_token(admin, "/users/")})  # fmt: skip
        assert response.status_code == 302
    desk.assert_refused()


def test_a_role_change_ends_the_sessions(desk, admin, users):
    agent = users["agent"]
    data = {**profile(agent, role="supervisor"), "csrf_token": csrf_token(admin, "/users/")}
    assert admin.post(f"/users/{agent.id}", data=data).status_code == 302
    desk.assert_refused()
    assert_signed_out(desk.thief, "/board/")  # the new role's page neither


def test_a_team_change_ends_the_sessions(desk, admin, users, session):
    agent = users["agent"]
    team = create_team(session, code="CC-TORINO", name="Call center Torino")
    data = {**profile(agent, team_id=str(team.id)), "csrf_token": csrf_token(admin, "/users/")}
    assert admin.post(f"/users/{agent.id}", data=data).status_code == 302
    desk.assert_refused()


def test_a_zone_change_ends_the_sessions(app, client, admin, users, session):
    staff = users["staff"]
    zone = factories.zone(session)
    Auth(client).login("staff")
    assert client.get("/workspace/").status_code == 200
    thief = copy_of(app, client)
    data = {**profile(staff, zone_id=str(zone.id)), "csrf_token": csrf_token(admin, "/users/")}
    assert admin.post(f"/users/{staff.id}", data=data).status_code == 302
    assert_signed_out(thief, "/workspace/")


def test_the_shell_commands_end_the_sessions_too(app, client, users, session, runner):
    """``flask users set-zone`` / ``set-team`` / ``set-password`` go through the same
    services."""
    factories.zone(session)
    create_team(session, code="CC-TORINO", name="Call center Torino")
    commands = {
        "staff": ["set-zone", "staff", "NORD"],
        "agent": ["set-team", "agent", "CC-TORINO"],
        "supervisor": ["set-password", "supervisor"],
    }
    for who, command in commands.items():
        browser = app.test_client()
        Auth(browser).login(who)
        assert browser.get("/").status_code == 302
        thief = copy_of(app, browser)
        result = runner.invoke(args=["users", *command], input=f"{NEW_PASSWORD}\n" * 2)
        assert result.exit_code == 0, result.output
        assert_signed_out(thief, "/")


def test_a_remember_cookie_of_an_ended_session_does_not_bring_it_back(app, client, users,
                                                                      session):  # fmt: skip
    """No sign-in issues Flask-Login's remember cookie, but one forged with the secret key
    from the user's id as it was (or the bare id) must not sign anyone in either."""
    Auth(client).login("agent")
    with client.session_transaction() as state:
        token = state["_user_id"]
    Auth(client).logout()
    name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    for value in (token, str(users["agent"].id)):
        with app.test_request_context():
            cookie = encode_cookie(value)
        browser = app.test_client()
        browser.set_cookie(name, cookie, domain="localhost")
        assert_signed_out(browser, "/desk/")


def test_the_session_version_changes_only_with_what_ends_sessions(session, users):
    """The last sign-in, the name or the language change nothing for open sessions."""
    from app.users.changes import update_user

    agent = users["agent"]
    version = agent.session_version
    update_user(session, agent, full_name="Mario Rossi", email="m@example.it", locale="en",
                role=Role.AGENT, zone=None, team=None)  # fmt: skip
    session.flush()
    assert agent.session_version == version
    update_user(session, agent, full_name="Mario Rossi", email="m@example.it", locale="en",
                role=Role.SUPERVISOR, zone=None, team=None)  # fmt: skip
    session.flush()
    assert agent.session_version != version


# -- the working day ends with the sessions ----------------------------------------------


def _open_period(session, agent_id):
    from app.workday.services import current_period

    session.expire_all()
    return current_period(session, agent_id)


def _change_team(session, agent):
    from app.users.changes import set_team

    set_team(session, agent, create_team(session, code="CC-BARI", name="Call center Bari"))


def _change_role(session, agent):
    from app.users.changes import update_user

    update_user(session, agent, full_name="Anna", email=None, locale="it",
                role=Role.SUPERVISOR, zone=None, team=None)  # fmt: skip


def _reset(session, agent):
    from app.users.changes import reset_password

    reset_password(session, agent)


def _deactivate(session, agent):
    from app.users.changes import set_active

    set_active(session, agent, False)


def _shell_password(session, agent):
    from app.users.services import set_password

    set_password(session, agent, NEW_PASSWORD)


def _supervisor_sign_out(session, agent):
    from app.users.sessions import end_sessions

    end_sessions(session, agent)


@pytest.mark.parametrize(
    "change",
    [_change_team, _change_role, _reset, _deactivate, _shell_password, _supervisor_sign_out],
    ids=lambda f: f.__name__.strip("_"),
)
def test_the_event_that_ends_the_sessions_ends_the_working_day(session, users, change):
    """In the same flush: the agent's open period ends, a signed-out one (``revoke``)
    starts, whichever service raised the session version."""
    from app.workday.machine import AgentState, Moment
    from app.workday.services import sign_in

    agent = users["agent"]
    working = sign_in(session, agent.id)
    change(session, agent)
    now = _open_period(session, agent.id)
    assert (now.state, now.moment) == (AgentState.SIGNED_OUT, Moment.REVOKE)
    assert now.started_at >= working.started_at
    session.refresh(working)
    assert working.ended_at == now.started_at


def test_an_administrators_reset_signs_the_agent_out_of_the_log(desk, admin, users, session):
    from app.workday.machine import AgentState, Moment

    agent = users["agent"]
    assert _open_period(session, agent.id).state == AgentState.READY  # previewing the account
    response = admin.post(f"/users/{agent.id}/password",
                          data={"csrf_token": csrf_token(admin, f"/users/{agent.id}")})  # fmt: skip
    assert response.status_code == 200
    now = _open_period(session, agent.id)
    assert (now.state, now.moment) == (AgentState.SIGNED_OUT, Moment.REVOKE)


def test_own_password_change_keeps_the_working_day(client, desk, users, session):
    from app.workday.machine import AgentState

    data = {"current": factories.PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/password")}  # fmt: skip
    assert client.post("/password", data=data).status_code == 302
    assert _open_period(session, users["agent"].id).state == AgentState.READY


def test_signing_out_is_a_sign_out_not_a_revocation(client, desk, users, session):
    from app.workday.machine import AgentState, Moment

    Auth(client).logout()
    now = _open_period(session, users["agent"].id)
    assert (now.state, now.moment) == (AgentState.SIGNED_OUT, Moment.SIGN_OUT)


def test_a_silent_desk_revoked_ends_at_its_last_sign_of_life(session, users):
    """As ``end_states`` does: the silence is a lapse, not working time."""
    from datetime import UTC, datetime

    import time_machine

    from app.workday.machine import AgentState, Moment
    from app.workday.services import LAPSE, sign_in

    agent = users["agent"]
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        working = sign_in(session, agent.id, start)
    with time_machine.travel(start + LAPSE * 3, tick=False):
        _reset(session, agent)
    now = _open_period(session, agent.id)
    assert (now.state, now.moment, now.started_at) == (AgentState.SIGNED_OUT, Moment.LAPSE,
                                                       working.started_at)  # fmt: skip
