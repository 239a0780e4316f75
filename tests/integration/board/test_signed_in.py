"""The board's calls per signed-in hour: days gone by computed once for every board,
today read live, and the two together equal to a recount of the whole log, whatever the
range and whether yesterday has settled (a desk silent at midnight lapses 5 minutes
later)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.board import cache, tally_reads
from app.board.signed_in import campaign_paces, paces_of
from app.workday.figures import time_by_agent_day
from app.workday.machine import AgentState as S
from app.workday.machine import Moment as M
from app.workday.models import StatePeriod
from tests import factories

ROME = ZoneInfo("Europe/Rome")
TODAY = date(2026, 3, 4)
DAYS = [TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY]


def rome(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ROME).astimezone(UTC)


def period(session, agent, campaign, start, end, state=S.READY, seen=None):
    session.add(StatePeriod(agent_id=agent.id, state=state, moment=M.TAKE,
                            campaign_id=campaign.id, started_at=start, ended_at=end,
                            seen_at=seen or end or start))  # fmt: skip
    session.flush()


@pytest.fixture
def campaign(session, users):
    """Two days of calls and time in the campaign, one period across last midnight, and
    this morning's work still going on."""
    cache.forget()
    found = factories.campaign(session)
    agent = users["agent"]
    for day in DAYS[:2]:
        period(session, agent, found, rome(day, 9), rome(day, 12))
        for n in range(6):
            entry = factories.queue_entry(session, found)
            start = rome(day, 9, n * 10)
            factories.counted(
                session,
                factories.call(
                    session, entry, agent, "no_answer", start, start + timedelta(minutes=2)
                ),
            )
    period(session, agent, found, rome(DAYS[1], 23), rome(TODAY, 1))  # across midnight
    period(session, agent, found, rome(TODAY, 9), None, seen=rome(TODAY, 10, 29))  # alive
    return found


def recount(session, campaign, start, end, now):
    times = time_by_agent_day(session, [a for a in _agents(session)], start, end, now=now,
                              campaign_id=campaign.id)  # fmt: skip
    seconds = {key: t.signed_in for key, t in times.items()}
    return paces_of(seconds, tally_reads.agent_days(session, campaign.id, start, end))


def _agents(session):
    from sqlalchemy import select

    from app.security import Role
    from app.users.models import User

    return session.scalars(select(User.id).where(User.role == Role.AGENT)).all()


def same(a, b):
    assert (a.total.calls, round(a.total.seconds, 3)) == (b.total.calls, round(b.total.seconds, 3))
    assert {d: (p.calls, round(p.seconds, 3)) for d, p in a.days.items()} == {
        d: (p.calls, round(p.seconds, 3)) for d, p in b.days.items()}  # fmt: skip
    assert {k: (p.calls, round(p.seconds, 3)) for k, p in a.agents.items()} == {
        k: (p.calls, round(p.seconds, 3)) for k, p in b.agents.items()}  # fmt: skip


@pytest.mark.parametrize("now", [rome(TODAY, 10, 30), rome(TODAY, 0, 3)],
                         ids=["settled", "just-after-midnight"])  # fmt: skip
@pytest.mark.parametrize(
    ("start", "end"),
    [(None, None), (DAYS[1], TODAY), (TODAY, TODAY), (DAYS[0], DAYS[0]), (DAYS[0], DAYS[1])],
)
def test_past_and_today_together_equal_a_recount(session, campaign, app, now, start, end):
    with app.test_request_context():
        same(campaign_paces(session, campaign.id, start, end, now),
             recount(session, campaign, start, end, now))  # fmt: skip


def test_today_moves_on_while_the_past_is_kept(session, campaign, app, users):
    now = rome(TODAY, 10, 30)
    with app.test_request_context():
        before = campaign_paces(session, campaign.id, None, None, now)
        assert before.days[DAYS[0].isoformat()].per_hour == 2  # 6 calls in 3 hours
        later = now + timedelta(minutes=3)  # the open period runs on
        after = campaign_paces(session, campaign.id, None, None, later)
    assert after.total.seconds - before.total.seconds == pytest.approx(180)
    assert after.days[DAYS[0].isoformat()].seconds == before.days[DAYS[0].isoformat()].seconds
