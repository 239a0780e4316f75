"""The supervisor's actions on an agent from the floor (force a pause, sign them out,
send a line to their desk), each a POST with CSRF, audited, and refused for the agents of
another team; the floor's page and data, scoped the same way."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.board import cache
from app.campaigns.models import QueueEntry, QueueState
from app.desk.models import CallDraft
from app.security import Role
from app.users.teams import create_team
from app.workday.machine import AgentState as S
from app.workday.machine import Moment as M
from app.workday.models import FloorMessage
from app.workday.services import current_period
from tests import factories
from tests.conftest import Auth, csrf_token
from tests.integration.desk.conftest import SCRIPT, queued_account
from tests.integration.users.test_session_revocation import copy_of


class Floor:
    """Team A (the supervisor's, agent "agent") and team B (agent "rossa"), a campaign
    open to both, each agent signed in on their own browser."""

    def __init__(self, app, session, users, office_hours) -> None:
        from app.scripting.services import load_script

        self.app, self.session, self.users = app, session, users
        teams = [create_team(session, code=f"CC-{c}", name=f"Centro {c}") for c in "AB"]
        self.supervisor = users["supervisor"]
        self.agent = users["agent"]
        self.other = factories.user(session, Role.AGENT, username="rossa", full_name="Rossa B")
        self.supervisor.team, self.agent.team, self.other.team = teams[0], teams[0], teams[1]
        script = load_script(session, SCRIPT)
        self.campaign = factories.campaign(session, call_script_id=script.id, code="FLOOR")
        self.desks = {}
        for user in (self.agent, self.other):
            browser = app.test_client()
            Auth(browser).login(user.username)
            self.desks[user.username] = browser
        self.boss = app.test_client()
        Auth(self.boss).login("supervisor")
        self.token = csrf_token(self.boss, "/floor/")

    def post(self, agent, action, **data):
        return self.boss.post(f"/floor/agents/{agent.id}/{action}",
                              data={"csrf_token": self.token, **data})  # fmt: skip

    def beat(self, agent, **body):
        desk = self.desks[agent.username]
        token = csrf_token(desk, "/desk/")
        headers = {"X-CSRFToken": token, "Accept": "application/json"}
        return desk.post("/desk/heartbeat", json=body, headers=headers)

    def period(self, agent):
        self.session.expire_all()
        return current_period(self.session, agent.id)

    def audited(self, action):
        return self.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()


@pytest.fixture
def floor(app, session, users, office_hours):
    return Floor(app, session, users, office_hours)


def reason_id(session, code):
    from app.workday.models import PauseReason

    return session.scalar(sa.select(PauseReason.id).where(PauseReason.code == code))


def test_the_floor_shows_the_teams_agents_and_updates_itself(floor):
    page = floor.boss.get("/floor/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'data-agent="{floor.agent.id}"' in text
    assert "Rossa B" not in text  # another team's agent
    data = floor.boss.get("/floor/data.json").get_json()
    assert data["count"] == 1 and "Pronto" in data["rows"] and "Rossa B" not in data["rows"]
    staff = floor.app.test_client()
    Auth(staff).login("staff")
    assert staff.get("/floor/data.json").get_json()["count"] == 2  # staff see every agent


def test_force_a_pause(floor, session):
    response = floor.post(floor.agent, "pause", reason=reason_id(session, "coaching"))
    assert response.status_code == 302
    period = floor.period(floor.agent)
    assert (period.state, period.moment) == (S.PAUSED, M.FORCE_PAUSE)
    assert period.pause_reason_id == reason_id(session, "coaching")
    (entry,) = floor.audited("floor.force_pause")
    assert entry.user_id == floor.supervisor.id and entry.details["reason"] == "coaching"
    # The agent's desk learns it at its next heartbeat, and can resume as usual.
    assert floor.beat(floor.agent).get_json()["state"] == "paused"


def test_no_forced_pause_during_a_call_or_for_someone_signed_out(floor, session):
    desk = floor.desks["agent"]
    queued_account(session, floor.campaign)
    token = csrf_token(desk, "/desk/")
    url = desk.post(f"/desk/campaigns/{floor.campaign.id}/next",
                    data={"csrf_token": token}).headers["Location"]  # fmt: skip
    assert (
        desk.post(url + "/dial", headers={"X-CSRFToken": csrf_token(desk, url)}).status_code == 200
    )
    response = floor.post(floor.agent, "pause", reason=reason_id(session, "break"))
    assert response.status_code == 302
    shown = floor.boss.get(response.headers["Location"]).get_data(as_text=True)
    assert "è in una chiamata" in shown
    assert floor.period(floor.agent).state == S.DIALLING
    Auth(floor.desks["rossa"]).logout()
    staff = floor.app.test_client()
    Auth(staff).login("staff")
    token = csrf_token(staff, "/floor/")
    staff.post(f"/floor/agents/{floor.other.id}/pause",
               data={"csrf_token": token, "reason": reason_id(session, "break")})  # fmt: skip
    assert floor.period(floor.other).state == S.SIGNED_OUT
    assert floor.audited("floor.force_pause") == []


def test_sign_an_agent_out(floor, session):
    """The account goes back to the queue with the draft kept; the sessions end; the log
    says revoked; the audit log says who."""
    desk = floor.desks["agent"]
    account = queued_account(session, floor.campaign)
    token = csrf_token(desk, "/desk/")
    url = desk.post(f"/desk/campaigns/{floor.campaign.id}/next",
                    data={"csrf_token": token}).headers["Location"]  # fmt: skip
    csrf = csrf_token(desk, url)
    saved = desk.post(url + "/draft", json={"fields": {"a.contact_name": "Ada"}, "notes": ""},
                      headers={"X-CSRFToken": csrf})  # fmt: skip
    assert saved.status_code == 200
    thief = copy_of(floor.app, desk)
    assert floor.post(floor.agent, "sign-out").status_code == 302
    session.expire_all()
    entry = session.scalars(sa.select(QueueEntry).where(QueueEntry.account_id == account.id)).one()
    assert entry.state == QueueState.WAITING and entry.lease_holder_id is None
    draft = session.scalars(sa.select(CallDraft).where(CallDraft.queue_entry_id == entry.id)).one()
    assert draft.answers.get("a.contact_name") == "Ada"  # kept for when it comes back
    period = floor.period(floor.agent)
    assert (period.state, period.moment) == (S.SIGNED_OUT, M.REVOKE)
    lease = thief.post(url + "/lease", json={}, headers={"X-CSRFToken": csrf,
                                                         "Accept": "application/json"})  # fmt: skip
    assert lease.status_code == 401
    (entry_audit,) = floor.audited("floor.sign_out")
    assert entry_audit.details["released"] == [entry.id]
    assert [e.user_id for e in floor.audited("queue.release")] == [floor.supervisor.id]
    cache.forget()  # the floor every viewer shares may be a few seconds old
    rows = floor.boss.get("/floor/data.json").get_json()["rows"]
    assert f'data-agent="{floor.agent.id}"' not in rows


def test_message_an_agent(floor, session):
    response = floor.post(floor.agent, "message", text="  Pausa pranzo\nalle 13:30, grazie ")
    assert response.status_code == 302
    (sent,) = session.scalars(sa.select(FloorMessage)).all()
    assert sent.text == "Pausa pranzo alle 13:30, grazie"  # one line
    assert floor.audited("floor.message")[0].details["text"] == sent.text
    shown = floor.beat(floor.agent).get_json()["message"]
    assert shown["text"] == sent.text and shown["from"] == floor.supervisor.display_name
    page = floor.desks["agent"].get("/desk/").get_data(as_text=True)
    assert "Pausa pranzo alle 13:30, grazie" in page
    # Another agent cannot mark it read; its agent can, and then it is gone.
    assert floor.beat(floor.other, read_message=sent.id).get_json()["message"] is None
    assert floor.beat(floor.agent).get_json()["message"]["id"] == sent.id
    assert floor.beat(floor.agent, read_message=sent.id).get_json()["message"] is None
    assert floor.beat(floor.agent).get_json()["message"] is None
    for bad in ("", " ", "x" * 201):
        floor.post(floor.agent, "message", text=bad)
    assert session.scalar(sa.select(sa.func.count()).select_from(FloorMessage)) == 1


def test_another_teams_agent_is_refused_and_nothing_changes(floor, session):
    before = floor.period(floor.other)
    assert floor.boss.get(f"/floor/agents/{floor.other.id}").status_code == 403
    for action, data in (("pause", {"reason": reason_id(session, "break")}),
                         ("sign-out", {}), ("message", {"text": "Ciao"})):  # fmt: skip
        assert floor.post(floor.other, action, **data).status_code == 403
    after = floor.period(floor.other)
    assert (after.id, after.state, after.ended_at) == (before.id, before.state, None)
    assert session.scalar(sa.select(sa.func.count()).select_from(FloorMessage)) == 0
    assert floor.beat(floor.other).status_code == 200  # their session goes on
    assert floor.boss.get(f"/floor/agents/{floor.agent.id}").status_code == 200


def test_every_action_needs_the_csrf_token_and_the_role(floor, session):
    for action in ("pause", "sign-out", "message"):
        response = floor.boss.post(f"/floor/agents/{floor.agent.id}/{action}")
        assert response.status_code == 400
    assert floor.period(floor.agent).state == S.READY
    assert floor.desks["agent"].get("/floor/").status_code == 403
    assert floor.boss.get(f"/floor/agents/{floor.supervisor.id}").status_code == 404


def test_an_agent_s_day_page(floor, session):
    paused = floor.post(floor.agent, "pause", reason=reason_id(session, "break"))
    page = floor.boss.get(paused.headers["Location"]).get_data(as_text=True)
    assert "In pausa" in page and "Pausa" in page and "da un supervisore" in page
