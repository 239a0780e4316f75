"""The floor equals a recount from the state log, after a random run of the desk's moments
for several agents (sign-ins, calls with their outcomes, pauses, sign-outs, browsers
closed and left to lapse, the sweep now and then); its counts equal a recount from the
calls; its alerts follow the limits."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.board import tally_writes
from app.campaigns.outcomes import rules_from_config
from app.floor.counts import day_counts, recount
from app.floor.live import gather
from app.floor.rows import AlertKind, FloorRow, Queue
from app.security import Role
from app.workday.machine import CHANGES, AgentState, Moment
from app.workday.models import StatePeriod
from app.workday.services import (
    LAPSE,
    change_state,
    end_states,
    sign_in,
    sweep_lapsed,
    touch,
)
from tests import factories

S, M = AgentState, Moment
T0 = datetime(2026, 3, 3, 7, 55, tzinfo=UTC)  # 08:55 in Rome, a Tuesday
OUTCOMES = ("qualified", "qualified", "not_interested", "busy", "no_answer")


class Agent:
    """What the test itself knows of one simulated agent."""

    def __init__(self, user) -> None:
        self.id = user.id
        self.state = S.SIGNED_OUT
        self.since: datetime | None = None
        self.seen: datetime | None = None
        self.alive = False  # their browser is open and beating
        self.account = None  # (account id, when it was taken)
        self.campaign_id = None

    def moved(self, state, at, *, account=None, campaign_id=None) -> None:
        self.state, self.since, self.seen = state, at, at
        self.account, self.campaign_id = account, campaign_id


class Run:
    def __init__(self, session, campaign, reasons, rng) -> None:
        self.session, self.campaign, self.rng = session, campaign, rng
        self.reasons = list(reasons.values())
        self.accounts = [factories.queue_entry(session, campaign).account_id for _ in range(80)]
        self.agents = [Agent(factories.user(session, Role.AGENT, username=f"op{n}"))
                       for n in range(6)]  # fmt: skip
        self.calls: dict[int, int] = defaultdict(int)  # agent id -> calls recorded today
        self.rules = rules_from_config(campaign.outcomes)

    def step(self, agent: Agent, t: datetime) -> None:
        s, rng, cid = self.session, self.rng, self.campaign.id
        if not agent.alive:
            if rng.random() < 0.3:  # a browser (re)opened: sign in
                sign_in(s, agent.id, t)
                agent.alive = True
                agent.moved(S.READY, t)
            return
        if rng.random() < 0.02:  # the browser closes, nobody signs out: it will lapse
            agent.alive = False
            return
        if agent.state == S.READY and agent.account is None:
            pick = rng.random()
            if pick < 0.75 and self.accounts:
                account = self.accounts.pop()
                change_state(s, agent.id, M.TAKE, at=t, campaign_id=cid, account_id=account)
                agent.moved(S.READY, t, account=(account, t), campaign_id=cid)
            elif pick < 0.9:
                reason = rng.choice(self.reasons)
                change_state(s, agent.id, M.PAUSE, at=t, reason=reason)
                agent.moved(S.PAUSED, t)
            else:
                end_states(s, agent.id, t)
                agent.moved(S.SIGNED_OUT, t)
                agent.alive = False
        elif agent.state == S.READY:  # previewing: dial, or record a call dialled by hand
            if rng.random() < 0.85:
                self._moment(agent, M.DIAL, S.DIALLING, t)
            else:
                self._outcome(agent, t)
        elif agent.state == S.DIALLING:
            moment, state = rng.choice([(M.ANSWER, S.IN_CALL), (M.HANG_UP, S.WRAP_UP)])
            self._moment(agent, moment, state, t)
        elif agent.state == S.IN_CALL:
            self._moment(agent, M.HANG_UP, S.WRAP_UP, t)
        elif agent.state == S.WRAP_UP:
            self._outcome(agent, t)
        elif agent.state == S.PAUSED:
            change_state(s, agent.id, M.RESUME, at=t)
            agent.moved(S.READY, t)

    def _moment(self, agent: Agent, moment, state, t) -> None:
        account, taken = agent.account
        change_state(self.session, agent.id, moment, at=t, campaign_id=self.campaign.id,
                     account_id=account)  # fmt: skip
        agent.moved(state, t, account=(account, taken), campaign_id=self.campaign.id)

    def _outcome(self, agent: Agent, t) -> None:
        """Record the call (counted on the board as the desk counts it), then ready in the
        campaign with no next account, or a pause after the call."""
        s, cid = self.session, self.campaign.id
        account, taken = agent.account
        code = self.rng.choice(OUTCOMES)
        call = factories.call(s, _entry(s, cid, account), _user(s, agent.id), code, taken, t)
        factories.counted(s, call)
        self.calls[agent.id] += 1
        if self.rng.random() < 0.2:
            change_state(s, agent.id, M.PAUSE_AFTER_CALL, at=t, campaign_id=cid,
                         reason=self.rng.choice(self.reasons), untimed_for=account)  # fmt: skip
            agent.moved(S.PAUSED, t, campaign_id=cid)
        else:
            change_state(s, agent.id, M.OUTCOME, at=t, campaign_id=cid, untimed_for=account)
            agent.moved(S.READY, t, campaign_id=cid)


def _entry(session, campaign_id, account_id):
    from app.campaigns.models import QueueEntry

    return session.scalars(
        sa.select(QueueEntry).where(
            QueueEntry.campaign_id == campaign_id, QueueEntry.account_id == account_id
        )
    ).one()


def _user(session, user_id):
    from app.users.models import User

    return session.get(User, user_id)


def recounted_floor(session, agent_ids, now):
    """Who is on the floor by reading each agent's whole log: it tiles their time (each
    period ends where the next begins, only the last is open, every change one the
    machine allows), and its last period, if working and seen within the lapse, is them
    now."""
    found = {}
    for agent_id in agent_ids:
        periods = session.scalars(
            sa.select(StatePeriod)
            .where(StatePeriod.agent_id == agent_id)
            .order_by(StatePeriod.started_at, StatePeriod.id)
        ).all()
        if not periods:
            continue
        for before, after in itertools.pairwise(periods):
            assert before.ended_at == after.started_at, (before, after)
            assert (before.state, after.state) in CHANGES or before.state == after.state
        assert [p.ended_at is None for p in periods].count(True) == 1
        last = periods[-1]
        assert last.ended_at is None
        if last.state != S.SIGNED_OUT and last.end_at(now, LAPSE) == now:
            found[agent_id] = (last.state, last.started_at, last.campaign_id, last.account_id)
    return found


@pytest.mark.parametrize("seed", [23, 2026])
def test_the_floor_equals_a_recount_from_the_log_after_a_random_run(session, pilot, reasons, seed):
    rng = random.Random(seed)
    run = Run(session, pilot, reasons, rng)
    # Yesterday's calls and a practice call today count in no figure of today's floor.
    yesterday = T0 - timedelta(days=1)
    practice = factories.campaign(session, practice=True)
    for agent, campaign, when in ((run.agents[0], pilot, yesterday),
                                  (run.agents[1], practice, T0)):  # fmt: skip
        entry = factories.queue_entry(session, campaign)
        factories.counted(session, factories.call(session, entry, _user(session, agent.id),
                                                  "qualified", when, when))  # fmt: skip
    t = T0

    def beat(t):
        for other in run.agents:  # the open browsers beat
            if other.alive and other.state != S.SIGNED_OUT and rng.random() < 0.7:
                touch(session, other.id, t)
                other.seen = t

    for n in range(400):
        t += timedelta(seconds=rng.randint(5, 90))
        agent = rng.choice(run.agents)
        run.step(agent, t)
        beat(t)
        if n % 50 == 49 and n < 350:
            sweep_lapsed(session, t)
        if n == 200:
            tally_writes.fold(session)  # half the counts folded, half still deltas
    # One more browser closes; the others beat on past the lapse, and nobody sweeps: the
    # floor must leave the silent desk out before the log says so.
    quiet = next(a for a in run.agents if a.alive and a.state != S.SIGNED_OUT)
    quiet.alive = False
    for _ in range(7):
        t += timedelta(minutes=1)
        beat(t)
    now = t + timedelta(seconds=30)
    silent = session.scalar(
        sa.select(sa.func.count()).where(
            StatePeriod.ended_at.is_(None), StatePeriod.state != S.SIGNED_OUT,
            StatePeriod.seen_at <= now - LAPSE)
    )  # fmt: skip
    assert silent >= 1, "a silent desk not written down yet, for the floor to leave out"
    ids = [a.id for a in run.agents]
    floor = [FloorRow.from_json(row) for row in gather(session, now)["rows"]]
    from_log = recounted_floor(session, ids, now)
    shown = {r.agent_id: (r.state, r.since, r.campaign_id) for r in floor}
    assert shown == {agent: values[:3] for agent, values in from_log.items()}
    # The test's own model agrees: an open browser that beat within the lapse is on it.
    expected = {
        a.id: (a.state, a.since)
        for a in run.agents
        if a.state != S.SIGNED_OUT and a.seen is not None and a.seen > now - LAPSE
    }
    assert {agent: values[:2] for agent, values in shown.items()} == expected
    assert len(floor) >= 2, "a run that leaves nobody on the floor proves little"
    for row in floor:  # the account in hand, by name
        account = from_log[row.agent_id][3]
        assert (row.account is None) == (account is None)
    # Today's counts: the tallies equal the calls, and the test's own count of them.
    today = now.astimezone(pilot_zone()).date()
    tallied = day_counts(session, ids, today)
    assert tallied == recount(session, ids, today)
    assert {a: c["attempts"] for a, c in tallied.items()} == dict(run.calls)
    for row in floor:
        counts = tallied.get(row.agent_id, {"attempts": 0, "qualified": 0, "final": 0})
        assert (row.calls, row.qualified, row.final) == (
            counts["attempts"], counts["qualified"], counts["final"])  # fmt: skip
    assert [r.sort_key() for r in floor] == sorted(r.sort_key() for r in floor)


def pilot_zone():
    from app.campaigns.calendar import ROME

    return ROME


def test_the_floor_reads_one_statement_of_the_log(session, pilot, users, reasons):
    """The open periods of live desks, by the partial index; not the log's history."""
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    agent = users["agent"]
    sign_in(session, agent.id, T0)
    for n in range(1, 30):  # a long history: pauses and resumes
        at = T0 + timedelta(seconds=20 * n)
        if n % 2:
            change_state(session, agent.id, M.PAUSE, at=at, reason=reasons["break"])
        else:
            change_state(session, agent.id, M.RESUME, at=at)
    connection = session.connection()
    sa.event.listen(connection, "before_cursor_execute", seen)
    try:
        rows = gather(session, T0 + timedelta(minutes=10))["rows"]
    finally:
        sa.event.remove(connection, "before_cursor_execute", seen)
    assert [r["agent_id"] for r in rows] == [agent.id]
    assert len([s for s in statements if "agent_states" in s]) == 1


def _row(**values) -> FloorRow:
    base = dict(agent_id=1, name="Anna", team_id=None, team=None, state=S.READY, since=T0,
                campaign_id=1, campaign="Pilota", account=None, reason_it=None,
                reason_en=None, overdue_at=None, call_limit=None, wrap_up_limit=None,
                queue=None)  # fmt: skip
    return FloorRow(**{**base, **values})


@pytest.mark.parametrize(
    ("row", "after", "expected"),
    [
        (_row(state=S.PAUSED, overdue_at=T0 + timedelta(minutes=15)), 15, []),
        (_row(state=S.PAUSED, overdue_at=T0 + timedelta(minutes=15)), 16,
         [AlertKind.PAUSE_OVERDUE]),
        (_row(state=S.PAUSED), 600, []),  # no maximum
        (_row(state=S.IN_CALL, call_limit=10, account="X"), 10, []),
        (_row(state=S.IN_CALL, call_limit=10, account="X"), 11, [AlertKind.CALL_LONG]),
        (_row(state=S.DIALLING, call_limit=10, account="X"), 11, [AlertKind.CALL_LONG]),
        (_row(state=S.IN_CALL, account="X"), 600, []),  # no limit
        (_row(state=S.WRAP_UP, wrap_up_limit=2, account="X"), 3, [AlertKind.WRAP_UP_LONG]),
        (_row(state=S.WRAP_UP, wrap_up_limit=2, call_limit=1, account="X"), 1, []),
        (_row(queue=Queue.EMPTY), 4, []),
        (_row(queue=Queue.EMPTY), 5, [AlertKind.QUEUE_EMPTY]),
        (_row(queue=Queue.CLOSED), 6, [AlertKind.QUEUE_CLOSED]),
        (_row(queue=Queue.OPEN), 60, []),  # waiting with accounts to call: not the queue
        (_row(queue=Queue.EMPTY, account="X"), 60, []),  # previewing: not waiting
    ],
)  # fmt: skip
def test_alerts(row, after, expected):
    assert [a.kind for a in row.alerts(T0 + timedelta(minutes=after))] == expected


def test_a_row_survives_the_shared_copy():
    row = _row(state=S.PAUSED, overdue_at=T0 + timedelta(minutes=15), queue=Queue.EMPTY,
               reason_it="Pausa", reason_en="Break", calls=3, qualified=2, final=2)  # fmt: skip
    assert FloorRow.from_json(row.as_json()) == row
