"""An agent's calls per local day: calls, accounts worked to a final outcome, qualified,
first and last call; talk and wrap-up per outcome from the state log; and the agent's
own day on the desk's home. Summed in SQL, one query per figure whatever the number of
agents (``docs/metrics.md``, "The working day").

Only live campaigns count: practice calls are in no figure, as on the board. A call
counts on the local day it ended. A qualification a supervisor rejected counts, as on the
board, as an account worked to a final outcome and not qualified: a qualifying outcome
is always final, and its call stops being final only when the check rejects it (a
qualified account goes back to the queue in no other way), so the calls tell it apart
without reading the board's checks.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.campaigns.models import Campaign
from app.campaigns.outcomes import rules_from_config
from app.columns import ROME, as_date, local_date, local_midnight, seconds_between, utcnow
from app.desk.models import CallAttempt
from app.workday.figures import period_end, time_by_agent_day
from app.workday.machine import AgentState
from app.workday.models import StatePeriod

S = AgentState
# A call's periods (dialling, talk, wrap-up) begin after its claim; looked for from this
# long before the range, so that a call ending just after the range starts is whole.
CALL_REACH = timedelta(days=1)


def ratio(numerator: float, denominator: float) -> Decimal | None:
    """``numerator / denominator``; None (shown as "-") when there is nothing to divide by."""
    if not denominator:
        return None
    return Decimal(str(numerator)) / Decimal(str(denominator))


@dataclass(frozen=True)
class CallDay:
    """An agent's calls on one day (or a range)."""

    calls: int = 0
    final: int = 0  # accounts worked to a final outcome (rejected qualifications included)
    qualified: int = 0
    first_call: datetime | None = None  # the first call's start (its claim)
    last_call: datetime | None = None  # the last call's end (its outcome)

    def __add__(self, other: CallDay) -> CallDay:
        firsts = [t for t in (self.first_call, other.first_call) if t is not None]
        lasts = [t for t in (self.last_call, other.last_call) if t is not None]
        return CallDay(self.calls + other.calls, self.final + other.final,
                       self.qualified + other.qualified, min(firsts, default=None),
                       max(lasts, default=None))  # fmt: skip

    @property
    def redemption(self) -> Decimal | None:
        return ratio(self.qualified, self.final)


@dataclass(frozen=True)
class Outcomes:
    """Which calls count, and which outcomes qualify, campaign by campaign."""

    live: list[int]
    qualifying: list[tuple[int, str]]

    def qualifies(self, c: Any) -> sa.ColumnElement[bool]:
        by_campaign: dict[int, list[str]] = {}
        for campaign_id, code in self.qualifying:
            by_campaign.setdefault(campaign_id, []).append(code)
        return sa.or_(
            sa.false(),
            *(sa.and_(c.campaign_id == cid, c.outcome.in_(codes))
              for cid, codes in sorted(by_campaign.items())),
        )  # fmt: skip


def outcomes(session: Session) -> Outcomes:
    live, qualifying = [], []
    for campaign_id, config, practice in session.execute(
        sa.select(Campaign.id, Campaign.outcomes, Campaign.practice)
    ):
        if practice:
            continue
        live.append(campaign_id)
        qualifying += [(campaign_id, code) for code, rule in rules_from_config(config).items()
                       if rule.qualified]  # fmt: skip
    return Outcomes(sorted(live), qualifying)


def _calls_between(ids: Collection[int], first: date, last: date, live: list[int]) -> list[Any]:
    """The conditions on ``call_attempts``: the agents' live calls that ended (or, never
    ended, began) on the local days from ``first`` to ``last``."""
    c = CallAttempt
    start, stop = local_midnight(first), local_midnight(last + timedelta(days=1))
    return [
        c.agent_id.in_(sorted(ids)),
        c.campaign_id.in_(live),
        sa.or_(sa.and_(c.ended_at >= start, c.ended_at < stop),
               sa.and_(c.ended_at.is_(None), c.started_at >= start, c.started_at < stop)),
    ]  # fmt: skip


def calls_by_agent_day(
    session: Session, agent_ids: Collection[int], first: date, last: date
) -> dict[tuple[int, date], CallDay]:
    """The agents' calls per local day from ``first`` to ``last`` (both included). Days
    without calls are absent. Two queries."""
    if not agent_ids:
        return {}
    known = outcomes(session)
    c = CallAttempt
    day = local_date(sa.func.coalesce(c.ended_at, c.started_at))
    qualifies = known.qualifies(c)
    query = (
        sa.select(
            c.agent_id,
            day,
            sa.func.count(),
            sa.func.count().filter(sa.or_(c.final.is_(True), qualifies)),
            sa.func.count().filter(sa.and_(c.final.is_(True), qualifies)),
            sa.func.min(c.started_at),
            sa.func.max(c.ended_at),
        )
        .where(*_calls_between(agent_ids, first, last, known.live))
        .group_by(c.agent_id, day)
    )
    return {
        (agent_id, as_date(on)): CallDay(calls, final, qualified, first_at, last_at)
        for agent_id, on, calls, final, qualified, first_at, last_at in session.execute(query)
    }


@dataclass(frozen=True)
class OutcomeTimes:
    """Talk and wrap-up of an agent's calls with one outcome, from the state log."""

    calls: int = 0  # calls the log saw (days before it began have none)
    timed: int = 0  # of those, dialled from the desk: their talk is timed
    talk_seconds: float = 0.0  # the timed calls' time in call
    wrapped: int = 0  # calls with a wrap-up (the agent hung up before the outcome)
    wrap_up_seconds: float = 0.0

    @property
    def average_talk(self) -> Decimal | None:
        return ratio(self.talk_seconds, self.timed)

    @property
    def average_wrap_up(self) -> Decimal | None:
        return ratio(self.wrap_up_seconds, self.wrapped)


def times_by_outcome(
    session: Session,
    agent_ids: Collection[int],
    first: date,
    last: date,
    now: datetime | None = None,
) -> dict[tuple[int, str], OutcomeTimes]:
    """Per agent and outcome, the talk and wrap-up of the calls that ended from ``first``
    to ``last``: each call's dialling, talk and wrap-up periods are the agent's periods
    with its campaign and account that overlap it (from its claim to its outcome). A call
    dialled by hand (no dial, or a preview the outcome marked untimed) has no timed talk.
    Two queries."""
    if not agent_ids:
        return {}
    per_call = _per_call(agent_ids, first, last, now or utcnow(), outcomes(session).live)
    timed = sa.and_(per_call.c.dials > 0, per_call.c.untimed == 0)
    query = sa.select(
        per_call.c.agent_id,
        per_call.c.outcome,
        sa.func.count(),
        sa.func.count().filter(timed),
        sa.func.coalesce(sa.func.sum(per_call.c.talk).filter(timed), 0.0),
        sa.func.count().filter(per_call.c.wraps > 0),
        sa.func.coalesce(sa.func.sum(per_call.c.wrap), 0.0),
    ).group_by(per_call.c.agent_id, per_call.c.outcome)
    return {
        (agent_id, outcome): OutcomeTimes(calls, n_timed, float(talk), wrapped, float(wrap))
        for agent_id, outcome, calls, n_timed, talk, wrapped, wrap in session.execute(query)
    }


def _per_call(
    agent_ids: Collection[int], first: date, last: date, now: datetime, live: list[int]
) -> sa.Subquery:
    """Each call with the log's periods of it: talk and wrap-up seconds, how many wrap-ups,
    dials and untimed previews."""
    c, p = CallAttempt, aliased(StatePeriod)
    end = period_end(now, periods=p)
    seconds = seconds_between(p.started_at, end)

    def seconds_in(state: AgentState) -> sa.ColumnElement[float]:
        return sa.func.sum(sa.case((p.state == state, seconds), else_=0.0))

    same_call = sa.and_(p.agent_id == c.agent_id, p.campaign_id == c.campaign_id,
                        p.account_id == c.account_id)  # fmt: skip
    return (
        sa.select(
            c.agent_id.label("agent_id"),
            c.outcome.label("outcome"),
            seconds_in(S.IN_CALL).label("talk"),
            seconds_in(S.WRAP_UP).label("wrap"),
            sa.func.count().filter(p.state == S.WRAP_UP).label("wraps"),
            sa.func.count().filter(p.state == S.DIALLING).label("dials"),
            sa.func.count().filter(sa.and_(p.state == S.READY, p.untimed)).label("untimed"),
        )
        .join(p, same_call)
        .where(
            *_calls_between(agent_ids, first, last, live),
            p.agent_id.in_(sorted(agent_ids)),
            p.started_at >= local_midnight(first) - CALL_REACH,
            p.started_at < local_midnight(last + timedelta(days=1)),
            p.started_at < c.ended_at,
            end > c.started_at,
        )
        .group_by(c.id, c.agent_id, c.outcome)
        .subquery()
    )


@dataclass(frozen=True)
class MyDay:
    """The agent's own day so far, on the desk's home."""

    calls: CallDay
    paused_seconds: float


def my_day(session: Session, agent_id: int, now: datetime | None = None) -> MyDay:
    """Today's calls, qualified accounts, redemption and time paused (the pause under
    way included) of ``agent_id``: four small queries on the agent's own index ranges,
    since the desk's home is loaded after every call."""
    now = now or utcnow()
    today = now.astimezone(ROME).date()
    calls = calls_by_agent_day(session, [agent_id], today, today).get((agent_id, today))
    paused = time_by_agent_day(session, [agent_id], today, today, now=now, states={S.PAUSED})
    times = paused.get((agent_id, today))
    return MyDay(calls or CallDay(), times.paused if times else 0.0)
