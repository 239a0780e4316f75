"""One agent's day as the floor's agent page shows it: where they are now and the periods
of their state log since the day began (Europe/Rome), each with its length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.board.tally_reads import utc_start
from app.campaigns.calendar import ROME
from app.campaigns.models import Campaign
from app.floor.actions import working_period
from app.floor.counts import day_counts
from app.workday.machine import AgentState, Moment
from app.workday.models import PauseReason, StatePeriod
from app.workday.services import LAPSE

# The agent page lists at most this many periods (the latest).
PERIODS_SHOWN = 200


@dataclass(frozen=True)
class Period:
    state: AgentState
    moment: Moment
    started_at: datetime  # clipped to the day's start
    ended_at: datetime  # for an open period: its end for a reader now (``end_at``)
    open: bool
    campaign: str | None
    reason: PauseReason | None
    untimed: bool

    @property
    def seconds(self) -> float:
        return max((self.ended_at - self.started_at).total_seconds(), 0.0)


@dataclass(frozen=True)
class AgentDay:
    now: StatePeriod | None  # the open period, if they are signed in now
    periods: list[Period]  # today's, newest first
    counts: dict[str, int]  # calls (attempts), qualified, final: today, live campaigns


def agent_day(session: Session, agent_id: int, now: datetime) -> AgentDay:
    """The agent's day so far: their open period when signed in, today's periods, today's
    calls. Reads only."""
    day = now.astimezone(ROME).date()
    start = utc_start(day)
    p = StatePeriod
    rows = session.execute(
        sa.select(p, Campaign.name, PauseReason)
        .outerjoin(Campaign, Campaign.id == p.campaign_id)
        .outerjoin(PauseReason, PauseReason.id == p.pause_reason_id)
        .where(p.agent_id == agent_id, p.started_at < now,
               sa.or_(p.ended_at.is_(None), p.ended_at > start))
        .order_by(p.started_at.desc(), p.id.desc())
        .limit(PERIODS_SHOWN)
    ).all()  # fmt: skip
    periods = [_period(period, campaign, reason, start, now) for period, campaign, reason in rows]
    counts = day_counts(session, [agent_id], day).get(agent_id, {})
    return AgentDay(working_period(session, agent_id, now), periods, counts)


def _period(
    period: StatePeriod, campaign: str | None, reason: PauseReason | None, start: datetime,
    now: datetime,
) -> Period:  # fmt: skip
    return Period(period.state, period.moment, max(period.started_at, start),
                  period.end_at(now, LAPSE), period.ended_at is None, campaign, reason,
                  period.untimed)  # fmt: skip


def duration(seconds: float) -> str:
    """``h:mm:ss`` (``mm:ss`` under an hour), as the desk's clocks show time."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return f"{hours}:{text}" if hours else text
