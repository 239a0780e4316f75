"""The timesheet (a line per agent and day, totals per team) and one agent's figures over
a range, from the state log and the calls: four queries for the whole sheet, whatever the
number of agents (``docs/metrics.md``, "The working day").

Calls per signed-in hour counts only the calls of days with signed-in time: days before
the state log began have calls but no time, and count in neither (their figure is "-").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign
from app.campaigns.outcomes import rules_from_config
from app.columns import ROME, utcnow
from app.desk.day_figures import (
    CallDay,
    OutcomeTimes,
    calls_by_agent_day,
    ratio,
    times_by_outcome,
)
from app.timesheets.scope import Agent
from app.users.models import Team
from app.workday.figures import StateTimes, time_by_agent_day
from app.workday.models import PauseReason

MAX_DAYS = 62  # a range of at most two months: a page of agents x days


def per_hour(count: int, seconds: float) -> Decimal | None:
    """``count`` per hour of ``seconds``; None without time."""
    return ratio(count * 3600, seconds)


@dataclass(frozen=True)
class Line:
    """An agent's day (``day`` None: a total over days, or agents)."""

    times: StateTimes = field(default_factory=StateTimes)
    calls: CallDay = field(default_factory=CallDay)
    # The calls and qualified accounts of days with signed-in time: what the hourly
    # figures divide.
    timed_calls: int = 0
    timed_qualified: int = 0

    @classmethod
    def of(cls, times: StateTimes | None, calls: CallDay | None) -> Line:
        times, calls = times or StateTimes(), calls or CallDay()
        timed = times.signed_in > 0
        return cls(times, calls, calls.calls if timed else 0, calls.qualified if timed else 0)

    def __add__(self, other: Line) -> Line:
        return Line(self.times + other.times, self.calls + other.calls,
                    self.timed_calls + other.timed_calls,
                    self.timed_qualified + other.timed_qualified)  # fmt: skip

    @property
    def calls_per_hour(self) -> Decimal | None:
        return per_hour(self.timed_calls, self.times.signed_in)

    @property
    def qualified_per_hour(self) -> Decimal | None:
        return per_hour(self.timed_qualified, self.times.signed_in)


def total(lines: Iterable[Line]) -> Line:
    found = Line()
    for line in lines:
        found = found + line
    return found


@dataclass(frozen=True)
class AgentDay:
    agent: Agent
    day: date
    line: Line


@dataclass(frozen=True)
class TeamSheet:
    team: Team | None  # None: agents in no team
    days: list[AgentDay]
    total: Line


@dataclass(frozen=True)
class Timesheet:
    first: date
    last: date
    teams: list[TeamSheet]
    total: Line
    reasons: list[PauseReason]  # the reasons paused for, in their order


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def timesheet(
    session: Session,
    agents: Sequence[Agent],
    first: date,
    last: date,
    now: datetime | None = None,
) -> Timesheet:
    """A line per agent and day with time or calls, from ``first`` to ``last``, grouped
    by team (by name; agents in no team last), each team with its total."""
    now = now or utcnow()
    ids = [a.id for a in agents]
    times = time_by_agent_day(session, ids, first, last, now=now)
    calls = calls_by_agent_day(session, ids, first, last)
    by_team: dict[int | None, list[AgentDay]] = {}
    for agent in agents:
        for day in days_between(first, last):
            key = (agent.id, day)
            if key in times or key in calls:
                line = Line.of(times.get(key), calls.get(key))
                by_team.setdefault(agent.team_id, []).append(AgentDay(agent, day, line))
    teams = {t.id: t for t in session.scalars(sa.select(Team).where(Team.id.in_(
        [k for k in by_team if k is not None])))}  # fmt: skip
    order = sorted(by_team, key=lambda k: (k is None, teams[k].name if k is not None else ""))
    sheets = [TeamSheet(teams.get(k) if k is not None else None, by_team[k],
                        total(d.line for d in by_team[k])) for k in order]  # fmt: skip
    return Timesheet(first, last, sheets, total(s.total for s in sheets),
                     reasons_of(session, (d.line for s in sheets for d in s.days)))  # fmt: skip


def reasons_of(session: Session, lines: Iterable[Line]) -> list[PauseReason]:
    """The pause reasons ``lines`` paused for, in the list's order."""
    ids = {reason_id for line in lines for reason_id in line.times.pauses}
    if not ids:
        return []
    return list(session.scalars(sa.select(PauseReason).where(PauseReason.id.in_(ids))
                                .order_by(PauseReason.position, PauseReason.id)))  # fmt: skip


@dataclass(frozen=True)
class OutcomeLine:
    code: str
    label: str
    times: OutcomeTimes


@dataclass(frozen=True)
class AgentFigures:
    """One agent over a range: each day, the total, pauses by reason, talk and wrap-up
    per outcome."""

    days: list[tuple[date, Line]]
    total: Line
    reasons: list[PauseReason]
    outcomes: list[OutcomeLine]


def agent_figures(
    session: Session,
    agent_id: int,
    first: date,
    last: date,
    locale: str,
    now: datetime | None = None,
) -> AgentFigures:
    now = now or utcnow()
    times = time_by_agent_day(session, [agent_id], first, last, now=now)
    calls = calls_by_agent_day(session, [agent_id], first, last)
    days = [
        (day, Line.of(times.get((agent_id, day)), calls.get((agent_id, day))))
        for day in days_between(first, last)
        if (agent_id, day) in times or (agent_id, day) in calls
    ]
    whole = total(line for _day, line in days)
    labels = outcome_labels(session, locale)
    found = times_by_outcome(session, [agent_id], first, last, now)
    outcomes = sorted(
        (OutcomeLine(code, labels.get(code, code), t) for (_a, code), t in found.items()),
        key=lambda o: (-o.times.calls, o.label),
    )
    return AgentFigures(days, whole, reasons_of(session, [whole]), outcomes)


def outcome_labels(session: Session, locale: str) -> dict[str, str]:
    """Each outcome code's label in ``locale``, from the campaigns' outcome sets (the
    oldest campaign's label when two name one code differently)."""
    labels: dict[str, str] = {}
    for (config,) in session.execute(sa.select(Campaign.outcomes).order_by(Campaign.id)):
        for code, rule in rules_from_config(config).items():
            labels.setdefault(code, rule.label(locale))
    return labels


def this_month(now: datetime | None = None) -> tuple[date, date]:
    """The default range: from the first of the current month (Rome) to today."""
    today = (now or utcnow()).astimezone(ROME).date()
    return today.replace(day=1), today
