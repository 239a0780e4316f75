"""A row of the floor (one agent signed in) and the alerts it raises. Pure: no database;
the clock is an argument, so a row read a few seconds ago is judged at the viewer's now.

The alerts:

- a pause past its reason's maximum (``overdue_at``, copied when the pause began);
- a call (dialling, or talking) or a wrap-up longer than the campaign's limit, counted
  from the start of the period (talk from the answer);
- an agent ready without an account for ``IDLE_AFTER`` while their queue has nothing to
  call now: the queue is the problem, not the agent (it is empty, or outside its calling
  hours).
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from app.board.metrics import ratio
from app.workday.machine import AgentState

# An agent ready without an account this long is waiting on their queue.
IDLE_AFTER = timedelta(minutes=5)
S = AgentState
# The floor's order: the agents at work first, then those waiting, then those paused.
STATE_ORDER = (S.IN_CALL, S.DIALLING, S.WRAP_UP, S.READY, S.PAUSED)


class AlertKind(enum.StrEnum):
    PAUSE_OVERDUE = "pause_overdue"
    CALL_LONG = "call_long"
    WRAP_UP_LONG = "wrap_up_long"
    QUEUE_EMPTY = "queue_empty"  # nothing to call now: an empty queue
    QUEUE_CLOSED = "queue_closed"  # nothing to call now: outside calling hours


class Queue(enum.StrEnum):
    """What the queue of a waiting agent has to call now."""

    OPEN = "open"
    EMPTY = "empty"
    CLOSED = "closed"


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    since: datetime  # when the limit passed
    minutes: int  # the limit (for a waiting agent: ``IDLE_AFTER``)


@dataclass(frozen=True)
class FloorRow:
    """An agent signed in, as the floor shows them."""

    agent_id: int
    name: str
    team_id: int | None
    team: str | None
    state: AgentState
    since: datetime
    campaign_id: int | None
    campaign: str | None
    account: str | None  # the account in hand, by name
    reason_it: str | None  # a pause's reason
    reason_en: str | None
    overdue_at: datetime | None  # a pause's end by its maximum
    call_limit: int | None  # the campaign's limits, minutes
    wrap_up_limit: int | None
    queue: Queue | None  # a waiting agent's queue (None: not waiting on one)
    calls: int = 0  # today, live campaigns
    qualified: int = 0
    final: int = 0

    @property
    def redemption(self) -> Decimal | None:
        """Qualified / worked to a final outcome, today (docs/metrics.md)."""
        return ratio(self.qualified, self.final)

    def reason(self, locale: str) -> str | None:
        return self.reason_it if locale == "it" else self.reason_en

    def alerts(self, now: datetime) -> list[Alert]:
        """What needs someone about this agent at ``now``."""
        found = []
        limits = {S.DIALLING: (self.call_limit, AlertKind.CALL_LONG),
                  S.IN_CALL: (self.call_limit, AlertKind.CALL_LONG),
                  S.WRAP_UP: (self.wrap_up_limit, AlertKind.WRAP_UP_LONG)}  # fmt: skip
        if self.state == S.PAUSED and self.overdue_at is not None and now > self.overdue_at:
            minutes = round((self.overdue_at - self.since).total_seconds() / 60)
            found.append(Alert(AlertKind.PAUSE_OVERDUE, self.overdue_at, minutes))
        elif self.state in limits:
            limit, kind = limits[self.state]
            if limit and now > self.since + timedelta(minutes=limit):
                found.append(Alert(kind, self.since + timedelta(minutes=limit), limit))
        elif self.waiting and now >= self.since + IDLE_AFTER and self.queue in _NOTHING:
            kind = AlertKind.QUEUE_EMPTY if self.queue == Queue.EMPTY else AlertKind.QUEUE_CLOSED
            found.append(Alert(kind, self.since + IDLE_AFTER, int(IDLE_AFTER.seconds // 60)))
        return found

    @property
    def waiting(self) -> bool:
        """Ready without an account: waiting for the next one."""
        return self.state == S.READY and self.account is None

    def sort_key(self) -> tuple[int, datetime, str]:
        return STATE_ORDER.index(self.state), self.since, self.name

    def as_json(self) -> dict[str, Any]:
        """JSON-able, for the copy every viewer shares (``board.cache``)."""
        data = asdict(self)
        for name in ("since", "overdue_at"):
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FloorRow:
        values = {f.name: data.get(f.name) for f in fields(cls)}
        values["state"] = AgentState(values["state"])
        values["queue"] = Queue(values["queue"]) if values["queue"] else None
        for name in ("since", "overdue_at"):
            values[name] = datetime.fromisoformat(values[name]) if values[name] else None
        return cls(**values)


_NOTHING = (Queue.EMPTY, Queue.CLOSED)
