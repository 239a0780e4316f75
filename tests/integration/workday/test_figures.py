"""The database's sums of the state log equal the reference (``day_times``, checked by
hand in tests/unit/workday/test_figures.py): after a random run of moments over a week
that crosses midnights, the spring DST Sunday and desks that fell silent, for every range
(one day, several, open-ended, starting in the middle of a period), in one campaign or
all, on PostgreSQL and SQLite; and in two statements."""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.workday.figures import day_times, log_began, time_by_agent_day
from app.workday.machine import AgentState as S
from app.workday.machine import Moment as M
from app.workday.machine import StateRefused
from app.workday.models import PauseReason, StatePeriod
from app.workday.services import LAPSE, change_state, sign_in, sweep_lapsed, touch
from tests import factories
from tests.conftest import build_app, migrate_to_head

ROME = ZoneInfo("Europe/Rome")
FIRST = date(2026, 3, 26)  # Thursday; Sunday 29 March has 23 hours
LAST = date(2026, 4, 1)
MOMENTS = [M.TAKE, M.DIAL, M.ANSWER, M.HANG_UP, M.OUTCOME, M.PAUSE, M.RESUME, M.GIVE_BACK,
           M.PAUSE_AFTER_CALL, M.SIGN_OUT, M.SIGN_IN]  # fmt: skip
# What the desk's home does, or signing in and out: no campaign, no account.
HOME_MOMENTS = {M.PAUSE, M.RESUME, M.GIVE_BACK, M.SIGN_OUT, M.SIGN_IN}
PAUSES = {M.PAUSE, M.PAUSE_AFTER_CALL}


def rome(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ROME).astimezone(UTC)


def random_run(session, agents, campaigns, seed: int) -> datetime:
    """Each agent works in bursts over the week, with heartbeats, pauses and silences
    (a crashed browser: no heartbeat for longer than the lapse). Returns the end."""
    rng = random.Random(seed)
    reasons = list(session.scalars(sa.select(PauseReason)))
    end = rome(LAST, 22)
    for agent in agents:
        at = rome(FIRST, rng.randrange(0, 20), rng.randrange(60))
        sign_in(session, agent.id, at)
        account = 1000
        while at < end:
            at += timedelta(seconds=rng.choice([5, 40, 300, 900, 3600, 4 * 3600, 11 * 3600]))
            if rng.random() < 0.2:
                touch(session, agent.id, at)  # a heartbeat (or a desk coming back)
                continue
            if rng.random() < 0.03:
                sweep_lapsed(session, at)
                continue
            moment = rng.choice(MOMENTS)
            if moment == M.TAKE:
                account += 1
            in_campaign = moment not in HOME_MOMENTS
            with contextlib.suppress(StateRefused):
                change_state(session, agent.id, moment, at=at,
                             campaign_id=rng.choice(campaigns) if in_campaign else None,
                             account_id=account if in_campaign else None,
                             reason=rng.choice(reasons) if moment in PAUSES else None)  # fmt: skip
    return end


def periods_of(session, agent_ids):
    session.expire_all()
    return list(session.scalars(sa.select(StatePeriod).where(StatePeriod.agent_id.in_(agent_ids))))


RANGES = [
    (FIRST, LAST),
    (date(2026, 3, 29), date(2026, 3, 29)),  # the 23-hour Sunday
    (date(2026, 3, 28), date(2026, 3, 30)),
    (date(2026, 3, 31), None),
    (None, date(2026, 3, 27)),
    (None, None),
    (date(2026, 4, 2), date(2026, 4, 5)),  # after the run: nothing
]


def shape(times):
    """Times as comparable values: seconds rounded to the millisecond, zeros left out."""
    found = {}
    for key, t in times.items():
        states = {s: round(v, 3) for s, v in t.seconds.items() if round(v, 3)}
        pauses = {r: round(v, 3) for r, v in t.pauses.items() if round(v, 3)}
        if states:
            found[key] = (states, pauses)
    return found


def assert_equal_sums(found, expected):
    assert shape(found) == shape(expected)


def check_run(session, seed: int) -> int:
    agents = [factories.user(session) for _ in range(4)]
    campaigns = [factories.campaign(session).id for _ in range(2)]
    end = random_run(session, agents, campaigns, seed)
    ids = [a.id for a in agents]
    periods = periods_of(session, ids)
    crossing = [p for p in periods if p.ended_at and p.started_at.astimezone(ROME).date()
                != p.ended_at.astimezone(ROME).date()]  # fmt: skip
    assert crossing, "the run crosses no midnight: it tests little"
    assert any(p.moment == M.LAPSE for p in periods)
    checked = 0
    for now in (end, end + timedelta(hours=3)):  # the open periods' desks lapse meanwhile
        for first, last in RANGES:
            found = time_by_agent_day(session, ids, first, last, now=now)
            assert_equal_sums(found, day_times(periods, first, last, now))
            for campaign_id in campaigns:
                mine = [p for p in periods if p.campaign_id == campaign_id]
                found = time_by_agent_day(session, ids, first, last, now=now,
                                          campaign_id=campaign_id)  # fmt: skip
                assert_equal_sums(found, day_times(mine, first, last, now))
            checked += 1
    return len(periods)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sums_equal_the_reference_after_a_random_run(session, seed):
    assert check_run(session, seed) > 100


def test_on_sqlite_too(tmp_path):
    app = build_app(f"sqlite:///{tmp_path}/figures.db")
    migrate_to_head(app)
    with app.app_context():
        assert check_run(db.session, 4) > 100
        db.session.rollback()
        db.engine.dispose()


def test_reading_before_the_sweep_equals_reading_after_it(session):
    agent = factories.user(session)
    sign_in(session, agent.id, rome(FIRST, 9))
    for minute in range(4, 41, 4):  # heartbeats till 9:40, then the browser crashed
        touch(session, agent.id, rome(FIRST, 9, minute))
    now = rome(FIRST, 23)
    before = time_by_agent_day(session, [agent.id], FIRST, FIRST, now=now)
    assert before[(agent.id, FIRST)].ready == 40 * 60
    assert sweep_lapsed(session, now) == 1
    assert time_by_agent_day(session, [agent.id], FIRST, FIRST, now=now) == before


def test_a_period_begun_before_the_range_counts_from_its_first_day(session):
    """Paused since Friday evening, read for Saturday: one look-up finds it."""
    agent = factories.user(session)
    lunch = session.scalar(sa.select(PauseReason).where(PauseReason.code == "lunch"))
    sign_in(session, agent.id, rome(FIRST, 8))
    change_state(session, agent.id, M.PAUSE, at=rome(FIRST, 20), reason=lunch)
    for minute in range(0, 4 * 24 * 60, 4):  # the desk stays open: heartbeats all along
        touch(session, agent.id, rome(FIRST, 20) + timedelta(minutes=minute))
    saturday = date(2026, 3, 28)
    found = time_by_agent_day(session, [agent.id], saturday, saturday,
                              now=rome(date(2026, 3, 30), 0, 1))  # fmt: skip
    assert found[(agent.id, saturday)].pauses == {lunch.id: 24 * 3600}
    assert found[(agent.id, saturday)].seconds == {S.PAUSED: 24 * 3600}


def test_a_few_statements_whatever_the_agents(session, app):
    agents = [factories.user(session) for _ in range(30)]
    friday = FIRST + timedelta(days=1)
    for agent in agents:  # each ready from 23:58 to 00:03 (a heartbeat at midnight)
        sign_in(session, agent.id, rome(FIRST, 23, 58))
        touch(session, agent.id, rome(friday, 0, 0))
        change_state(session, agent.id, M.SIGN_OUT, at=rome(friday, 0, 3))
    statements = []
    connection = session.connection()
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(connection, "before_cursor_execute", listen)
    try:
        found = time_by_agent_day(session, [a.id for a in agents], friday, LAST,
                                  now=rome(LAST, 12))  # fmt: skip
    finally:
        event.remove(connection, "before_cursor_execute", listen)
    assert len(statements) == 2
    assert {found[(a.id, friday)].ready for a in agents} == {180}


def test_the_log_began_on_its_first_period(session):
    agent = factories.user(session)
    first = session.scalar(sa.select(StatePeriod.started_at).order_by(StatePeriod.id).limit(1))
    sign_in(session, agent.id, rome(FIRST, 8))
    expected = first.astimezone(ROME).date() if first else FIRST
    assert log_began(session) == expected
    assert timedelta(minutes=5) == LAPSE
