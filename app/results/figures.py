"""The conversion figures: what became of the qualified accounts handed off (docs/metrics.md,
"Results after the hand-off").

``gather`` reads, in three queries whatever the slice, the handed-off accounts with their
qualifying call and their current result (``HandedOff``); ``conversion`` adds them up, a
pure function tested against hand-computed figures. Slices: campaign, agent, zone and
dealer of the qualifying call (as the board counts the qualification), and the purchase
horizon the account was handed out with."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from statistics import median

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.columns import ROME
from app.desk.models import CallAttempt
from app.distribution.models import Wave, WaveAccount
from app.distribution.result_terms import ResultOutcome
from app.results.services import HANDED_OFF, current_results

# A hand-off with no result this many days after its wave was confirmed has led nowhere
# visible: the salesperson never said what became of it.
SILENT_DAYS = 60
NOWHERE = (ResultOutcome.LOST, ResultOutcome.NOT_REACHABLE)
SLICES = ("campaign", "agent", "zone", "dealer", "horizon")


@dataclass(frozen=True)
class HandedOff:
    """One qualified account handed off, with what the figures need of it."""

    account_id: int
    campaign_id: int
    agent_id: int
    zone_id: int | None
    dealer_id: int | None
    horizon: str
    qualified_on: date  # local day of its qualifying call
    handed_on: date  # local day its wave was confirmed
    outcome: ResultOutcome | None = None  # its current result
    result_on: date | None = None
    vehicles: int | None = None
    value: Decimal | None = None

    def slice_key(self, by: str) -> object:
        return {
            "campaign": self.campaign_id,
            "agent": self.agent_id,
            "zone": self.zone_id,
            "dealer": self.dealer_id,
            "horizon": self.horizon,
        }[by]

    @property
    def sold(self) -> bool:
        return self.outcome == ResultOutcome.SOLD

    def led_nowhere(self, today: date) -> bool:
        """Lost, not reachable, or silent ``SILENT_DAYS`` after the hand-off."""
        if self.outcome is None:
            return (today - self.handed_on).days > SILENT_DAYS
        return self.outcome in NOWHERE


@dataclass
class Conversion:
    handed_off: int = 0
    with_result: int = 0
    sold: int = 0
    led_nowhere: int = 0
    vehicles: int = 0
    value: Decimal = Decimal(0)
    days_to_sale: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        """sold / handed off; None (shown as a dash) when nothing was handed off."""
        return self.sold / self.handed_off if self.handed_off else None

    @property
    def nowhere_share(self) -> float | None:
        return self.led_nowhere / self.handed_off if self.handed_off else None

    @property
    def median_days(self) -> float | None:
        return median(self.days_to_sale) if self.days_to_sale else None

    def add(self, item: HandedOff, today: date) -> None:
        self.handed_off += 1
        self.with_result += item.outcome is not None
        self.led_nowhere += item.led_nowhere(today)
        if item.sold:
            self.sold += 1
            self.vehicles += item.vehicles or 0
            self.value += item.value or Decimal(0)
            if item.result_on is not None:
                self.days_to_sale.append((item.result_on - item.qualified_on).days)


def conversion(items: Iterable[HandedOff], today: date) -> dict[str, dict[object, Conversion]]:
    """The figures in all (``{"all": {None: ...}}``) and per slice."""
    found: dict[str, dict[object, Conversion]] = {"all": {None: Conversion()}}
    for by in SLICES:
        found[by] = {}
    for item in items:
        found["all"][None].add(item, today)
        for by in SLICES:
            found[by].setdefault(item.slice_key(by), Conversion()).add(item, today)
    return found


def _day(moment: datetime | None) -> date:
    return moment.astimezone(ROME).date() if moment else date.min


def gather(
    session: Session, *, campaign_ids: set[int] | None, zone_id: int | None = None
) -> list[HandedOff]:
    """The accounts confirmed waves handed off, qualified in ``campaign_ids`` (None: every
    campaign) and, for zoned staff, in ``zone_id``, each with its current result."""
    handed = {
        row.account_id: row
        for row in session.execute(
            sa.select(WaveAccount.account_id, WaveAccount.horizon, Wave.confirmed_at)
            .join(Wave, Wave.id == WaveAccount.wave_id)
            .where(Wave.status.in_(HANDED_OFF))
        )
    }
    calls = _qualifying_calls(session, list(handed))
    results = current_results(session, handed)
    items = []
    for account_id, call in calls.items():
        if campaign_ids is not None and call.campaign_id not in campaign_ids:
            continue
        if zone_id is not None and call.zone_id != zone_id:
            continue
        result = results.get(account_id)
        items.append(
            HandedOff(
                account_id=account_id,
                campaign_id=call.campaign_id,
                agent_id=call.agent_id,
                zone_id=call.zone_id,
                dealer_id=call.dealer_id,
                horizon=handed[account_id].horizon,
                qualified_on=_day(call.ended_at),
                handed_on=_day(handed[account_id].confirmed_at),
                outcome=result.outcome if result else None,
                result_on=result.occurred_on if result else None,
                vehicles=result.vehicles if result else None,
                value=result.value if result else None,
            )
        )
    return items


def _qualifying_calls(session: Session, account_ids: list[int]) -> dict[int, sa.Row]:
    """Account id -> its last final call (the one that qualified it, as the pack says)."""
    found: dict[int, sa.Row] = {}
    for start in range(0, len(account_ids), 1000):
        query = (
            sa.select(
                CallAttempt.account_id,
                CallAttempt.campaign_id,
                CallAttempt.agent_id,
                CallAttempt.zone_id,
                CallAttempt.dealer_id,
                CallAttempt.ended_at,
            )
            .where(
                CallAttempt.account_id.in_(account_ids[start : start + 1000]),
                CallAttempt.final.is_(True),
            )
            .order_by(CallAttempt.account_id, CallAttempt.ended_at, CallAttempt.id)
        )
        for row in session.execute(query):
            found[row.account_id] = row  # the last one wins
    return found


def nowhere(
    items: Iterable[HandedOff], today: date, agent_id: int | None = None
) -> list[HandedOff]:
    """The hand-offs that led nowhere (of one agent), the oldest qualification first."""
    return sorted(
        (i for i in items if i.led_nowhere(today) and agent_id in (None, i.agent_id)),
        key=lambda i: (i.qualified_on, i.account_id),
    )
