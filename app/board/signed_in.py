"""Calls per signed-in hour on the board: a campaign's calls over the hours its agents
spent in it, from the state log (``docs/metrics.md``). It replaced an estimate of the
agents' time from the gaps between their calls.

An agent's time *in a campaign* is their working periods in it (``agent_states`` with its
``campaign_id``): previewing its accounts, dialling, talking, wrapping up, waiting for its
next account and the pauses taken after its calls. Time on the desk's home belongs to no
campaign. A day's calls count only for the agents with time in the campaign that day:
days before the state log began have calls and no time, and show no figure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.board import cache, tally_reads
from app.board.metrics import ratio
from app.columns import ROME, local_midnight
from app.security import Role
from app.users.models import User
from app.workday.figures import time_by_agent_day
from app.workday.services import LAPSE

# Days gone by: their time in the campaign is recomputed this often (a month of a hundred
# agents' log is a few seconds of a database's work).
PAST_SECONDS = 600
ONE = timedelta(days=1)


@dataclass
class Pace:
    """Calls over time in a campaign (of a day, an agent, or all)."""

    calls: int = 0  # the calls of agent-days with time in the campaign
    seconds: float = 0.0  # that time

    def add(self, calls: int, seconds: float) -> None:
        self.calls += calls
        self.seconds += seconds

    @property
    def per_hour(self) -> Decimal | None:
        return ratio(self.calls * 3600, self.seconds)

    @property
    def hours(self) -> Decimal:
        return Decimal(str(self.seconds)) / 3600


@dataclass
class Paces:
    total: Pace = field(default_factory=Pace)
    days: dict[str, Pace] = field(default_factory=lambda: defaultdict(Pace))  # ISO day
    agents: dict[int, Pace] = field(default_factory=lambda: defaultdict(Pace))


Seconds = dict[tuple[int, date], float]  # (agent id, local day) -> time in the campaign


def paces_of(seconds: Seconds, calls: dict[tuple[str, int], int]) -> Paces:
    """The paces of ``seconds`` (time in the campaign per agent and day) with ``calls``
    (per ISO day and agent): only the calls of agent-days with time count."""
    found = Paces()
    for (agent_id, day), spent in seconds.items():
        if spent <= 0:
            continue
        n = calls.get((day.isoformat(), agent_id), 0)
        found.total.add(n, spent)
        found.days[day.isoformat()].add(n, spent)
        found.agents[agent_id].add(n, spent)
    return found


def campaign_paces(
    session: Session, campaign_id: int, start: date | None, end: date | None, now: datetime
) -> Paces:
    """The campaign's paces on the local days from ``start`` to ``end`` (every day when
    None), in all, per day and per agent: the state log summed in SQL and the board's
    day rows of its agents. Days gone by no longer change: their time is computed once
    for all open boards every ``PAST_SECONDS``; today's is read with the rest of the
    board's figures."""
    today = now.astimezone(ROME).date()
    # Yesterday is settled once a desk silent at midnight has lapsed.
    settled = today - timedelta(days=1 if now >= local_midnight(today) + LAPSE else 2)
    agents = list(session.scalars(sa.select(User.id).where(User.role == Role.AGENT)))
    past_end = settled if end is None else min(end, settled)
    live_start = past_end + ONE if start is None else max(start, past_end + ONE)
    live_end = today if end is None else min(end, today)

    def in_campaign(first: date | None, last: date) -> Seconds:
        times = time_by_agent_day(session, agents, first, last, now=now, campaign_id=campaign_id)
        return {key: spent.signed_in for key, spent in times.items()}

    seconds: Seconds = {}
    if start is None or start <= past_end:
        rows = cache.shared(
            f"paces:{campaign_id}:{start}:{past_end}",
            PAST_SECONDS,
            lambda: [
                [a, day.isoformat(), n] for (a, day), n in in_campaign(start, past_end).items()
            ],
        )
        seconds.update({(a, date.fromisoformat(day)): n for a, day, n in rows})
    if live_start <= live_end:
        seconds.update(in_campaign(live_start, live_end))
    return paces_of(seconds, tally_reads.agent_days(session, campaign_id, start, end))


def agent_pace(session: Session, campaign_id: int, agent_id: int, calls: dict[str, int],
               now: datetime) -> Pace:  # fmt: skip
    """One agent's pace in the campaign, all days; ``calls``: theirs per ISO day."""
    times = time_by_agent_day(session, [agent_id], None, None, now=now, campaign_id=campaign_id)
    seconds = {key: spent.signed_in for key, spent in times.items()}
    return paces_of(seconds, {(day, agent_id): n for day, n in calls.items()}).total
