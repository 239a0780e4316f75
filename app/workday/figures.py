"""What the state log says of an agent's time: the seconds spent in each working state
(ready, dialling, in call, wrap-up, paused by reason) per agent and local day, summed in
SQL (``docs/metrics.md``, "The working day").

Days are Europe/Rome calendar days: a period that crosses local midnight is split there,
and the last Sundays of March and October last 23 and 25 hours. The database sums the
periods that start and end on one local day inside the range; the few that cross a
midnight (about one per agent and midnight) come back as rows of their own and are split
here (``split_at_midnights``), and so does the period each agent was in when the range
began (one index look-up per agent). Two queries, whatever the number of periods; memory
grows with agents x days, not with periods. Reading never waits for the sweep: an open
period of a silent desk ends at its last sign of life (``period_end``, the rule of
``StatePeriod.end_at``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.columns import ROME, as_date, local_date, local_midnight, sum_seconds, utcnow
from app.workday.machine import WORKING, AgentState
from app.workday.models import StatePeriod
from app.workday.services import LAPSE

S = AgentState
_CHUNK = 500  # agents looked up per statement (one sub-select each)


@dataclass
class StateTimes:
    """Seconds in each working state (signed-out time is not kept), and paused seconds
    by pause reason id."""

    seconds: dict[AgentState, float] = field(default_factory=dict)
    pauses: dict[int, float] = field(default_factory=dict)

    def add(self, state: AgentState, reason_id: int | None, seconds: float) -> None:
        self.seconds[state] = self.seconds.get(state, 0.0) + seconds
        if reason_id is not None:
            self.pauses[reason_id] = self.pauses.get(reason_id, 0.0) + seconds

    def __add__(self, other: StateTimes) -> StateTimes:
        both = StateTimes(dict(self.seconds), dict(self.pauses))
        for state, seconds in other.seconds.items():
            both.seconds[state] = both.seconds.get(state, 0.0) + seconds
        for reason_id, seconds in other.pauses.items():
            both.pauses[reason_id] = both.pauses.get(reason_id, 0.0) + seconds
        return both

    @property
    def signed_in(self) -> float:
        """Every working state: from sign-in to sign-out, pauses included."""
        return sum(self.seconds.values())

    @property
    def ready(self) -> float:
        return self.seconds.get(S.READY, 0.0)

    @property
    def dialling(self) -> float:
        return self.seconds.get(S.DIALLING, 0.0)

    @property
    def talk(self) -> float:
        return self.seconds.get(S.IN_CALL, 0.0)

    @property
    def wrap_up(self) -> float:
        return self.seconds.get(S.WRAP_UP, 0.0)

    @property
    def paused(self) -> float:
        return self.seconds.get(S.PAUSED, 0.0)


Times = dict[tuple[int, date], StateTimes]  # (agent id, local day) -> times


def split_at_midnights(start: datetime, end: datetime) -> Iterator[tuple[date, float]]:
    """``[start, end)`` cut at each local midnight: (local day, seconds) per piece."""
    day = start.astimezone(ROME).date()
    cursor = start
    while cursor < end:
        stop = min(end, local_midnight(day + timedelta(days=1)))
        yield day, (stop - cursor).total_seconds()
        cursor, day = stop, day + timedelta(days=1)


def period_end(
    now: datetime, lapse: timedelta = LAPSE, periods: Any = StatePeriod
) -> sa.ColumnElement[datetime]:
    """SQL: where a period (of ``periods``, ``StatePeriod`` or an alias of it) ends for a
    reader at ``now`` (``StatePeriod.end_at``): its end; an open working period of a desk
    silent for ``lapse``, its last sign of life; any other open period, ``now``."""
    t = periods
    return sa.case(
        (t.ended_at.is_not(None), t.ended_at),
        (sa.and_(t.state != S.SIGNED_OUT, t.seen_at <= now - lapse), t.seen_at),
        else_=sa.literal(now, t.started_at.type),
    )


def day_times(
    periods: Iterable[StatePeriod],
    first: date | None,
    last: date | None,
    now: datetime,
    lapse: timedelta = LAPSE,
) -> Times:
    """The reference: ``periods`` as times per agent and local day from ``first`` to
    ``last`` (both included; open-ended when None), each period ending where
    ``StatePeriod.end_at`` says. ``time_by_agent_day`` gives the same from the database."""
    found: Times = {}
    for p in periods:
        if p.state in WORKING:
            _add(found, p.agent_id, p.state, p.pause_reason_id, p.started_at,
                 min(p.end_at(now, lapse), now), first, last)  # fmt: skip
    return found


def _add(
    found: Times,
    agent_id: int,
    state: AgentState,
    reason_id: int | None,
    start: datetime,
    end: datetime,
    first: date | None,
    last: date | None,
) -> None:
    for day, seconds in split_at_midnights(start, end):
        if (first is None or day >= first) and (last is None or day <= last):
            found.setdefault((agent_id, day), StateTimes()).add(state, reason_id, seconds)


def time_by_agent_day(
    session: Session,
    agent_ids: Collection[int],
    first: date | None,
    last: date | None,
    *,
    now: datetime | None = None,
    campaign_id: int | None = None,
    states: Collection[AgentState] = WORKING,
    lapse: timedelta = LAPSE,
) -> Times:
    """The agents' times per local day from ``first`` to ``last`` (both included; None:
    from the log's beginning, up to now), read at ``now``: in one campaign's periods only
    when ``campaign_id`` is given, in ``states`` only when given. Days without time are
    absent."""
    now = now or utcnow()
    ids = sorted(set(agent_ids))
    start = local_midnight(first) if first is not None else None
    stop = min(local_midnight(last + timedelta(days=1)), now) if last is not None else now
    found: Times = {}
    if not ids or (start is not None and start >= stop):
        return found
    t = StatePeriod
    end = period_end(now, lapse)
    kind = [t.state.in_(sorted(set(states) & WORKING))]
    if campaign_id is not None:
        kind.append(t.campaign_id == campaign_id)
    wanted = [*kind, t.agent_id.in_(ids), t.started_at < stop]
    if start is not None:
        wanted.append(t.started_at >= start)
    day = local_date(t.started_at)
    # A period that ends on another local day comes back alone (its id as a key), to be
    # split at midnight here; the others are summed per agent, day, state and reason.
    crossing = sa.case((day != local_date(end), t.id), else_=None)
    keys = (t.agent_id, day, t.state, t.pause_reason_id, crossing)
    sums = (sum_seconds(t.started_at, end), sa.func.min(t.started_at), sa.func.max(end))
    summed = sa.select(*keys, *sums).where(*wanted).group_by(*keys)
    rows: list[Any] = []
    for agent_id, on, state, reason_id, crosser, seconds, began, ended in session.execute(summed):
        if crosser is not None:
            rows.append((agent_id, state, reason_id, began, ended))
            continue
        key = (agent_id, as_date(on))
        found.setdefault(key, StateTimes()).add(S(state), reason_id, float(seconds or 0))
    if start is not None:
        rows += _in_progress(session, ids, start, end, kind)
    for agent_id, state, reason_id, started_at, ended_at in rows:
        _add(found, agent_id, S(state), reason_id, started_at, min(ended_at, now), first, last)
    return found


def _in_progress(
    session: Session,
    ids: list[int],
    start: datetime,
    end: sa.ColumnElement[datetime],
    wanted: list[sa.ColumnElement[bool]],
) -> list[Any]:
    """The period each agent was in at ``start`` (their latest begun before it), when it
    is one of the ``wanted`` and lasts past ``start``: one index look-up per agent."""
    t = StatePeriod
    rows: list[Any] = []
    for at in range(0, len(ids), _CHUNK):
        latest = [
            sa.select(t.id)
            .where(t.agent_id == agent_id, t.started_at < start)
            .order_by(t.started_at.desc(), t.id.desc())
            .limit(1)
            .scalar_subquery()
            for agent_id in ids[at : at + _CHUNK]
        ]
        query = sa.select(t.agent_id, t.state, t.pause_reason_id, t.started_at, end).where(
            t.id.in_(latest), end > start, *wanted
        )
        rows += session.execute(query).all()
    return rows


def log_began(session: Session) -> date | None:
    """The local day of the log's first period (None: no log yet). Days before it have
    no signed-in time: the log did not exist."""
    first = session.scalar(sa.select(StatePeriod.started_at).order_by(StatePeriod.id).limit(1))
    return first.astimezone(ROME).date() if first is not None else None
