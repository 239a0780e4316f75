"""The agent's figures from a day worked through the desk itself: a timed call qualified,
a timed call not interested, a call dialled by hand, a break. The desk's home shows the
agent's own day; talk and wrap-up per outcome come from the log; a qualification the
supervisor rejects counts as on the board; practice calls count nowhere. The clock stands
still and moves only when the test says so."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.board.counts import Slice, gather
from app.board.models import Verdict
from app.board.quality import check
from app.columns import ROME, utcnow
from app.desk.day_figures import calls_by_agent_day, my_day, times_by_outcome
from app.desk.models import CallAttempt
from app.workday.models import PauseReason
from tests import factories
from tests.conftest import next_working_morning
from tests.integration.desk.conftest import queued_account
from tests.integration.desk.test_desk_views import page_tokens, start
from tests.integration.desk.test_outcomes import QUALIFYING
from tests.integration.desk.test_states import beats, moment


@pytest.fixture
def clock():
    """A working morning, standing still until the test moves it."""
    with time_machine.travel(next_working_morning(date.today()), tick=False) as traveller:
        yield traveller


def timed_call(client, clock, url, outcome, *, talk, wrap, extra=None):
    """Dial (3 s to answer), talk, hang up, wrap up, record: the next call's address."""
    csrf, token, _ = page_tokens(client, url)
    moment(client, url, "dial", csrf)
    clock.shift(3)
    moment(client, url, "answer", csrf)
    clock.shift(talk)
    moment(client, url, "hang-up", csrf)
    clock.shift(wrap)
    data = {**(extra or {}), "csrf_token": csrf, "client_token": token, "outcome": outcome}
    response = client.post(url + "/outcome", data=data)
    assert response.status_code == 302
    return response.headers["Location"]


def shown(page, testid):
    start = page.index(f'data-testid="{testid}">') + len(f'data-testid="{testid}">')
    return page[start : page.index("<", start)]


@pytest.fixture
def day(client, auth, users, session, campaign, clock):
    """A morning: two timed calls, one dialled by hand, then a 7-minute break."""
    for n in range(4):
        queued_account(session, campaign, f"Trasporti {n} SRL", phone=f"021234567{n}")
    url = start(client, auth, campaign)
    url = timed_call(client, clock, url, "qualified", talk=95, wrap=40, extra=QUALIFYING)
    url = timed_call(client, clock, url, "not_interested", talk=30, wrap=10)
    csrf, token, _ = page_tokens(client, url)
    clock.shift(50)  # dialled on the desk phone, without the link
    response = client.post(url + "/outcome", data={"csrf_token": csrf, "client_token": token,
                                                   "outcome": "busy"})  # fmt: skip
    client.post(response.headers["Location"] + "/release", data={"csrf_token": csrf})
    pause = session.scalar(sa.select(PauseReason).where(PauseReason.code == "break"))
    paused = client.post("/desk/pause", data={"csrf_token": csrf, "reason": pause.id})
    assert paused.status_code == 302
    beats(client, clock, csrf, minutes=7)
    client.post("/desk/resume", data={"csrf_token": csrf})
    return users["agent"]


def test_the_desk_home_shows_the_agent_s_day(client, session, day):
    page = client.get("/desk/").get_data(as_text=True)
    assert shown(page, "my-calls") == "3"
    assert shown(page, "my-qualified") == "1"
    assert shown(page, "my-redemption") == "50%"  # 1 qualified of 2 worked to the end
    assert shown(page, "my-paused") == "0:07"
    mine = my_day(session, day.id)
    assert (mine.calls.calls, mine.calls.final, mine.calls.qualified) == (3, 2, 1)
    assert mine.paused_seconds == 7 * 60


def test_first_and_last_call_and_the_day_they_count_on(session, day):
    today = utcnow().astimezone(ROME).date()
    found = calls_by_agent_day(session, [day.id], today, today)[(day.id, today)]
    calls = session.scalars(sa.select(CallAttempt).where(CallAttempt.agent_id == day.id)).all()
    assert found.first_call == min(c.started_at for c in calls)
    assert found.last_call == max(c.ended_at for c in calls)
    assert calls_by_agent_day(session, [day.id], today + timedelta(days=1),
                              today + timedelta(days=1)) == {}  # fmt: skip


def test_talk_and_wrap_up_per_outcome(session, day):
    today = utcnow().astimezone(ROME).date()
    found = times_by_outcome(session, [day.id], today, today)
    qualified = found[(day.id, "qualified")]
    assert (qualified.calls, qualified.timed, qualified.wrapped) == (1, 1, 1)
    assert (qualified.talk_seconds, qualified.wrap_up_seconds) == (95, 40)
    assert found[(day.id, "not_interested")].average_talk == 30
    busy = found[(day.id, "busy")]  # dialled by hand: its talk is not timed
    assert (busy.calls, busy.timed, busy.average_talk, busy.wrapped) == (1, 0, None, 0)


def test_a_rejected_qualification_counts_as_on_the_board(client, session, campaign, users, day):
    call = session.scalar(sa.select(CallAttempt).where(CallAttempt.outcome == "qualified"))
    check(session, campaign, call.id, Verdict.REJECTED, by=users["supervisor"].id)
    session.flush()
    today = utcnow().astimezone(ROME).date()
    mine = calls_by_agent_day(session, [day.id], today, today)[(day.id, today)]
    board = gather(session, Slice(campaign_id=campaign.id, agent_id=day.id))[None]
    assert (mine.calls, mine.final, mine.qualified) == (board.attempts, board.final,
                                                        board.qualified)  # fmt: skip
    assert (mine.final, mine.qualified) == (2, 0)
    assert shown(client.get("/desk/").get_data(as_text=True), "my-redemption") == "0%"


def test_practice_calls_count_nowhere(session, users):
    practice = factories.campaign(session, practice=True)
    entry = factories.queue_entry(session, practice)
    now = utcnow()
    factories.call(session, entry, users["agent"], "qualified", now - timedelta(minutes=3), now)
    today = now.astimezone(ROME).date()
    assert calls_by_agent_day(session, [users["agent"].id], today, today) == {}


def test_the_next_call_starts_when_it_is_handed_over(client, auth, users, session, campaign, clock):
    """The outcome hands the agent the next account: that call's clock starts then (its
    draft is made with the claim, as *Next account* does), not at its first save."""
    for n in range(2):
        queued_account(session, campaign, f"Trasporti {n} SRL", phone=f"021234567{n}")
    url = start(client, auth, campaign)
    url = timed_call(client, clock, url, "busy", talk=20, wrap=5)
    handed_over = utcnow()
    csrf, token, _ = page_tokens(client, url)
    clock.shift(60)
    client.post(url + "/outcome", data={"csrf_token": csrf, "client_token": token,
                                        "outcome": "no_answer"})  # fmt: skip
    second = session.scalar(sa.select(CallAttempt).where(CallAttempt.outcome == "no_answer"))
    assert second.started_at == handed_over
    assert (second.ended_at - second.started_at).total_seconds() == 60
