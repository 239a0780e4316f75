"""The floor's alerts by e-mail: to the supervisors who asked, for the agents they see, at
most one message per kind of alert every ``MAIL_ALERT_EVERY_MINUTES``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.board import cache
from app.floor.alert_mail import mail_alerts
from app.security import Role
from app.users.teams import create_team
from app.workday.services import sign_in, touch
from tests import factories
from tests.integration.mail.conftest import run_jobs
from tests.mailbox import text_of

T0 = datetime(2026, 3, 3, 7, 55, tzinfo=UTC)  # 08:55 in Rome, a Tuesday


@pytest.fixture(autouse=True)
def fresh_floor():
    cache.forget()
    yield
    cache.forget()


@pytest.fixture
def floor(session):
    """An agent of team A waiting since T0 on a queue with nothing to call; supervisors:
    A's, opted in; B's, opted in (does not see A); A's other, not opted in."""
    a, b = (create_team(session, code=f"CC-{c}", name=f"Centro {c}") for c in "AB")
    agent = factories.user(session, Role.AGENT, full_name="Luca Bianchi")
    agent.team = a
    for name, team, wanted in (("capo_a", a, True), ("capo_b", b, True), ("muto", a, False)):
        boss = factories.user(session, Role.SUPERVISOR, username=name, email=f"{name}@example.test")
        boss.team, boss.mail_floor_alerts = team, wanted
    sign_in(session, agent.id, T0)
    session.commit()
    return agent


def _at(session, agent, when):
    beat = T0
    while beat < when:  # the desk's heartbeat, every few minutes: still signed in, waiting
        beat = min(beat + timedelta(minutes=3), when)
        touch(session, agent.id, beat)
    cache.forget()
    with time_machine.travel(when, tick=False):
        queued = mail_alerts(session)
    session.commit()
    return queued


def test_one_mail_per_kind_then_quiet_for_the_interval(app, session, floor, mailbox):
    with app.app_context():
        assert _at(session, floor, T0 + timedelta(minutes=4)) == 0  # no alert yet
        assert _at(session, floor, T0 + timedelta(minutes=6)) == 1
        assert _at(session, floor, T0 + timedelta(minutes=9)) == 0  # the same alert, throttled
        assert _at(session, floor, T0 + timedelta(minutes=35)) == 0  # 29 minutes later
        assert _at(session, floor, T0 + timedelta(minutes=37)) == 1  # over 30 minutes
    run_jobs(app, session)
    assert [m["To"] for m in mailbox.received] == ["capo_a@example.test"] * 2
    body = text_of(mailbox.received[0])
    assert "Luca Bianchi" in body and "la coda non ha nulla da chiamare" in body


def test_a_supervisor_sets_the_preference_on_their_account_page(app, session, client, auth):
    boss = factories.user(session, Role.SUPERVISOR, username="capo", email="c@example.test")
    session.commit()
    auth.login("capo")
    page = client.get("/account").get_data(as_text=True)
    assert 'data-testid="mail-preferences"' in page
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/account", data={"csrf_token": token, "floor_alerts": "y"})
    assert response.status_code == 302
    session.refresh(boss)
    assert boss.mail_floor_alerts is True
    client.post("/account", data={"csrf_token": token})
    session.refresh(boss)
    assert boss.mail_floor_alerts is False


def test_an_agent_has_no_preference_to_set(app, session, client, auth):
    agent = factories.user(session, Role.AGENT, username="op")
    session.commit()
    auth.login("op")
    page = client.get("/account").get_data(as_text=True)
    assert 'data-testid="mail-preferences"' not in page
    client.post("/account", data={"floor_alerts": "y"})
    session.refresh(agent)
    assert agent.mail_floor_alerts is False
