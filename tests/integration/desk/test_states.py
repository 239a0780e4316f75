"""The desk drives the agent's state log: sign-in, take, dial, answer, hang up, outcome,
pause with a reason, resume, give back, sign-out, and a desk that goes silent. The clock
stands still (time-machine, no tick) and moves only when the test says so."""

from __future__ import annotations

import html
import itertools
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.campaigns.models import QueueEntry, QueueState
from app.columns import utcnow
from app.workday.machine import AgentState as S
from app.workday.machine import Moment as M
from app.workday.models import PauseReason, StatePeriod
from tests import factories
from tests.conftest import Auth, csrf_token, next_working_morning
from tests.integration.desk.conftest import queued_account
from tests.integration.desk.test_desk_views import page_tokens, start


@pytest.fixture
def clock():
    """A working morning, standing still until the test moves it."""
    with time_machine.travel(next_working_morning(date.today()), tick=False) as traveller:
        yield traveller


def periods(session, agent):
    session.expire_all()
    return list(
        session.scalars(
            sa.select(StatePeriod)
            .where(StatePeriod.agent_id == agent.id)
            .order_by(StatePeriod.started_at, StatePeriod.id)
        )
    )


def story(session, agent):
    """(state, moment, seconds it lasted or None while open) of each period, in order."""
    return [
        (p.state, p.moment, None if p.ended_at is None else (p.ended_at - p.started_at).seconds)
        for p in periods(session, agent)
    ]


def reason(session, code):
    return session.scalar(sa.select(PauseReason).where(PauseReason.code == code))


def moment(client, url, name, csrf):
    return client.post(f"{url}/{name}", headers={"X-CSRFToken": csrf})


def beats(client, clock, csrf, minutes):
    """The desk home's heartbeat for ``minutes`` (every 30 s in the browser; here every
    4 minutes, within the 5-minute lapse), the clock ending ``minutes`` later."""
    for _ in range(minutes // 4):
        clock.shift(timedelta(minutes=4))
        assert client.post("/desk/heartbeat", headers={"X-CSRFToken": csrf}).status_code == 200
    clock.shift(timedelta(minutes=minutes % 4))


def assert_tiled(found):
    """Each period starts when the one before ends: every second in exactly one state."""
    for before, after in itertools.pairwise(found):
        assert before.ended_at == after.started_at
    assert sum(p.ended_at is None for p in found) == 1


def test_sign_in_and_sign_out_are_in_the_log(client, auth, users, session, clock):
    auth.login("agent")
    csrf = csrf_token(client, "/desk/")
    beats(client, clock, csrf, minutes=50)
    auth.logout()
    assert story(session, users["agent"]) == [
        (S.READY, M.SIGN_IN, 3000),
        (S.SIGNED_OUT, M.SIGN_OUT, None),
    ]
    auth.login("staff")  # people who do not take calls have no log
    assert periods(session, users["staff"]) == []


def test_a_timed_call_dial_answer_hang_up_outcome(client, auth, users, session, campaign, clock):
    first = queued_account(session, campaign, "Trasporti Uno SRL")
    second = queued_account(session, campaign, "Trasporti Due SRL", phone="0612345678")
    url = start(client, auth, campaign)
    csrf, token, page = page_tokens(client, url)
    assert 'data-state="ready"' in page and "Pronto" in page
    clock.shift(12)
    dialled = moment(client, url, "dial", csrf)
    assert dialled.status_code == 200
    assert dialled.get_json() == {"state": "dialling", "since": utcnow().isoformat(),
                                  "now": utcnow().isoformat()}  # fmt: skip
    clock.shift(8)
    assert moment(client, url, "answer", csrf).get_json()["state"] == "in_call"
    clock.shift(95)
    assert moment(client, url, "hang-up", csrf).get_json()["state"] == "wrap_up"
    assert 'data-state="wrap_up"' in client.get(url).get_data(as_text=True)
    clock.shift(40)
    client.post(url + "/outcome", data={"csrf_token": csrf, "client_token": token,
                                        "outcome": "busy"})  # fmt: skip
    found = periods(session, users["agent"])
    assert [(p.state, p.moment, p.account_id) for p in found] == [
        (S.READY, M.SIGN_IN, None),
        (S.READY, M.TAKE, first.id),
        (S.DIALLING, M.DIAL, first.id),
        (S.IN_CALL, M.ANSWER, first.id),
        (S.WRAP_UP, M.HANG_UP, first.id),
        (S.READY, M.OUTCOME, second.id),  # the next account, already in hand
    ]
    assert [(p.ended_at - p.started_at).seconds for p in found[1:5]] == [12, 8, 95, 40]
    assert {p.campaign_id for p in found[1:]} == {campaign.id}
    assert not any(p.untimed for p in found)
    assert_tiled(found)


def test_a_double_click_on_dial_is_one_dial(client, auth, users, session, campaign, clock):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    moment(client, url, "dial", csrf)
    clock.shift(3)
    again = moment(client, url, "dial", csrf)
    assert again.status_code == 200 and again.get_json()["state"] == "dialling"
    assert [s for s, _, _ in story(session, users["agent"])].count(S.DIALLING) == 1


def test_a_call_dialled_by_hand_is_untimed(client, auth, users, session, campaign, clock):
    """No click on the number: the log still says ready (previewing) -> outcome, and the
    preview that held the call is marked untimed."""
    account = queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, token, _ = page_tokens(client, url)
    clock.shift(150)
    client.post(url + "/outcome", data={"csrf_token": csrf, "client_token": token,
                                        "outcome": "no_answer"})  # fmt: skip
    found = periods(session, users["agent"])
    preview = found[1]
    assert (preview.state, preview.account_id, preview.untimed) == (S.READY, account.id, True)
    assert (preview.ended_at - preview.started_at).seconds == 150
    assert (found[2].state, found[2].moment, found[2].account_id) == (S.READY, M.OUTCOME, None)
    assert not found[0].untimed  # waiting on the home page held no call


def test_hanging_up_a_call_dialled_by_hand_starts_the_wrap_up(
    client, auth, users, session, campaign, clock
):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    clock.shift(60)
    assert moment(client, url, "hang-up", csrf).get_json()["state"] == "wrap_up"
    found = periods(session, users["agent"])
    assert [(p.state, p.untimed) for p in found[1:]] == [(S.READY, True), (S.WRAP_UP, False)]


def test_moments_out_of_place_are_refused_and_change_nothing(
    client, auth, users, session, campaign, clock
):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    before = story(session, users["agent"])
    answered = moment(client, url, "answer", csrf)
    assert answered.status_code == 409
    assert answered.get_json()["error"] == "Prima componi il numero."
    assert story(session, users["agent"]) == before
    moment(client, url, "dial", csrf)
    moment(client, url, "answer", csrf)
    paused = client.post("/desk/pause", data={"csrf_token": csrf,
                                              "reason": reason(session, "break").id})  # fmt: skip
    assert paused.status_code == 302
    page = html.unescape(client.get("/desk/").get_data(as_text=True))
    assert "Registra prima l'esito della chiamata" in page
    assert story(session, users["agent"])[-1][:2] == (S.IN_CALL, M.ANSWER)


def test_the_moments_of_someone_elses_call_are_refused(
    client, auth, users, session, campaign, clock
):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    auth.logout()
    other = factories.user(session, username="agente2")
    auth.login(other.username)
    csrf = csrf_token(client, "/desk/")
    refused = moment(client, url, "dial", csrf)
    assert refused.status_code == 409 and "non è più assegnato" in refused.get_json()["error"]
    assert [s for s, _, _ in story(session, other)] == [S.READY]


def test_pause_with_a_reason_shows_its_time_and_resumes_with_one_key(
    client, auth, users, session, campaign, clock
):
    auth.login("agent")
    home = client.get("/desk/").get_data(as_text=True)
    assert 'accesskey="p"' in home and ">Pausa</option>" in home and ">Pranzo</option>" in home
    csrf = csrf_token(client, "/desk/")
    clock.shift(30)
    lunch = reason(session, "lunch")
    paused = client.post("/desk/pause", data={"csrf_token": csrf, "reason": lunch.id})
    assert paused.status_code == 302
    home = html.unescape(client.get("/desk/").get_data(as_text=True))
    paused = periods(session, users["agent"])[-1]
    assert (paused.state, paused.moment, paused.pause_reason_id) == (S.PAUSED, M.PAUSE, lunch.id)
    assert paused.campaign_id is None and paused.overdue_at == utcnow() + timedelta(minutes=60)
    assert 'data-state="paused"' in home and f'data-since="{utcnow().isoformat()}"' in home
    assert "In pausa" in home and "Pranzo" in home and "al massimo 60 minuti" in home
    assert "Riprendi" in home and "Prossimo account" not in home
    beats(client, clock, csrf, minutes=20)
    assert client.post("/desk/resume", data={"csrf_token": csrf}).status_code == 302
    assert story(session, users["agent"]) == [
        (S.READY, M.SIGN_IN, 30),
        (S.PAUSED, M.PAUSE, 1200),
        (S.READY, M.RESUME, None),
    ]
    assert "Prossimo account" in client.get("/desk/").get_data(as_text=True)


def test_a_pause_needs_an_active_reason(client, auth, users, session, clock):
    auth.login("agent")
    csrf = csrf_token(client, "/desk/")
    training = reason(session, "training")
    training.active = False
    session.flush()
    assert f'value="{training.id}"' not in client.get("/desk/").get_data(as_text=True)
    for chosen in (training.id, "", "nope", 99999):
        client.post("/desk/pause", data={"csrf_token": csrf, "reason": chosen})
        page = html.unescape(client.get("/desk/").get_data(as_text=True))
        assert "Scegli dall'elenco il motivo della pausa." in page
    assert [s for s, _, _ in story(session, users["agent"])] == [S.READY]
    unsigned = client.post("/desk/pause", data={"reason": reason(session, "break").id})
    assert unsigned.status_code == 400  # no CSRF token: refused, nothing written
    assert [s for s, _, _ in story(session, users["agent"])] == [S.READY]  # no CSRF: nothing


def test_a_pause_past_its_maximum_is_overdue(client, auth, users, session, clock):
    auth.login("agent")
    csrf = csrf_token(client, "/desk/")
    client.post("/desk/pause", data={"csrf_token": csrf, "reason": reason(session, "break").id})
    paused = periods(session, users["agent"])[-1]
    clock.shift(timedelta(minutes=15))
    assert not paused.overdue(utcnow())
    clock.shift(1)
    assert paused.overdue(utcnow())
    overdue = session.scalars(sa.select(StatePeriod.id).where(StatePeriod.overdue(utcnow())))
    assert list(overdue) == [paused.id]
    page = client.get("/desk/").get_data(as_text=True)
    assert f'data-overdue-at="{paused.overdue_at.isoformat()}"' in page


def test_pause_after_this_call(client, auth, users, session, campaign, clock):
    queued_account(session, campaign)
    waiting = queued_account(session, campaign, "Trasporti Due SRL", phone="0612345678")
    url = start(client, auth, campaign)
    csrf, token, page = page_tokens(client, url)
    assert 'id="pause_reason"' in page and ">Affiancamento</option>" in page
    moment(client, url, "dial", csrf)
    clock.shift(20)
    moment(client, url, "hang-up", csrf)
    clock.shift(10)
    coaching = reason(session, "coaching")
    data = {"csrf_token": csrf, "client_token": token, "outcome": "busy",
            "pause_reason": coaching.id}  # fmt: skip
    done = client.post(url + "/outcome", data=data)
    assert done.status_code == 302 and done.headers["Location"] == "/desk/"
    last = periods(session, users["agent"])[-1]
    assert (last.state, last.moment, last.pause_reason_id) == (S.PAUSED, M.PAUSE_AFTER_CALL,
                                                               coaching.id)  # fmt: skip
    assert last.campaign_id == campaign.id and last.overdue_at is None
    held = session.scalar(sa.select(QueueEntry).where(QueueEntry.account_id == waiting.id))
    assert held.state == QueueState.WAITING  # no next account was taken


def test_giving_the_account_back(client, auth, users, session, campaign, clock):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    moment(client, url, "dial", csrf)
    client.post(url + "/release", data={"csrf_token": csrf})
    last = periods(session, users["agent"])[-1]
    assert (last.state, last.moment, last.account_id, last.campaign_id) == (
        S.READY, M.GIVE_BACK, None, None)  # fmt: skip


def test_a_reloaded_desk_keeps_the_call_it_holds(client, auth, users, session, campaign, clock):
    """Next account again while holding one: the claim hands the same account back, and
    the state it is in (dialling) goes on."""
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    moment(client, url, "dial", csrf)
    again = client.post(f"/desk/campaigns/{campaign.id}/next", data={"csrf_token": csrf})
    assert again.headers["Location"] == url
    assert [s for s, _, _ in story(session, users["agent"])] == [S.READY, S.READY, S.DIALLING]


def test_a_closed_browser_is_signed_out_from_its_last_heartbeat(
    client, auth, users, session, campaign, clock
):
    """The agent's desk renews its lease, then the browser closes. Twenty minutes later
    another agent takes an account: the claim writes the silent desk down as signed out
    from its last renewal, not from when someone noticed."""
    queued_account(session, campaign)
    queued_account(session, campaign, "Trasporti Due SRL", phone="0612345678")
    agent = users["agent"]
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    clock.shift(60)
    assert client.post(url + "/lease", headers={"X-CSRFToken": csrf}).status_code == 200
    last_sign = utcnow()
    clock.shift(timedelta(minutes=20))
    other = client.application.test_client()
    factories.user(session, username="agente2")
    start(other, Auth(other), campaign, who="agente2")
    found = periods(session, agent)
    assert [(p.state, p.moment) for p in found] == [
        (S.READY, M.SIGN_IN), (S.READY, M.TAKE), (S.SIGNED_OUT, M.LAPSE)]  # fmt: skip
    assert found[1].ended_at == last_sign == found[2].started_at
    assert found[2].ended_at is None
    # The desk speaks again (its heartbeat): back where it was, the silence signed out.
    clock.shift(timedelta(minutes=2))
    client.post("/desk/heartbeat", headers={"X-CSRFToken": csrf})
    found = periods(session, agent)
    assert [(p.state, p.moment) for p in found[2:]] == [(S.SIGNED_OUT, M.LAPSE), (S.READY, M.BACK)]
    assert (found[2].ended_at - found[2].started_at) == timedelta(minutes=22)
    assert found[3].account_id == found[1].account_id
    assert_tiled(found)


def test_a_silent_desk_that_speaks_before_any_sweep(client, auth, users, session, clock):
    auth.login("agent")
    csrf = csrf_token(client, "/desk/")
    clock.shift(40)
    client.post("/desk/heartbeat", headers={"X-CSRFToken": csrf})
    clock.shift(timedelta(minutes=30))  # the laptop slept
    client.post("/desk/pause", data={"csrf_token": csrf, "reason": reason(session, "break").id})
    assert story(session, users["agent"]) == [
        (S.READY, M.SIGN_IN, 40),  # ends at its last heartbeat
        (S.SIGNED_OUT, M.LAPSE, 1800),
        (S.PAUSED, M.PAUSE, None),
    ]
    assert_tiled(periods(session, users["agent"]))


def test_signing_out_a_silent_desk_ends_it_at_its_last_heartbeat(
    client, auth, users, session, clock
):
    auth.login("agent")
    clock.shift(timedelta(minutes=45))
    auth.logout()
    assert story(session, users["agent"]) == [
        (S.READY, M.SIGN_IN, 0),
        (S.SIGNED_OUT, M.LAPSE, None),
    ]
