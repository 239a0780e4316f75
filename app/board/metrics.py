"""The supervisor board's figures, as formulas over counts (``docs/metrics.md``).

Why apart from the queries: every figure is a ratio of counts that the board gathers per
slice (a campaign, an agent, a zone, a dealer, a day, an hour), and those counts can be
kept up to date incrementally or recounted from the calls; the formulas, and what they
say when a count is zero, must be the same whichever way the counts came. A figure
without a denominator is ``None`` (shown as "-"), never 0 % and never an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

HORIZONS = (3, 6, 12)  # purchase intent, months


def ratio(numerator: float | int | Decimal, denominator: float | int | Decimal) -> Decimal | None:
    """``numerator / denominator``, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return Decimal(str(numerator)) / Decimal(str(denominator))


@dataclass(frozen=True)
class Counts:
    """What the figures of one slice are made of. Accounts are counted once per slice
    however many calls they had; calls once each."""

    base: int = 0  # accounts in the campaign's queue, whatever their state
    called: int = 0  # accounts with at least one call
    final: int = 0  # accounts worked to a final outcome
    qualified: int = 0  # of those, the ones whose final call qualified them
    # Qualifications a supervisor rejected: each counts, where its call falls, as one more
    # account worked to a final outcome and not qualified (it is in ``final``).
    rejected: int = 0
    attempts: int = 0  # calls recorded
    reached: int = 0  # calls in which a person answered
    timed: int = 0  # calls with a start and an end
    handling_seconds: float = 0.0  # their total length
    agent_seconds: float = 0.0  # agents' time on these calls (``tally_writes.work_seconds``)
    outcomes: Mapping[str, int] = field(default_factory=dict)  # calls by outcome code
    horizons: Mapping[int, int] = field(default_factory=dict)  # qualified accounts by horizon

    def __add__(self, other: Counts) -> Counts:
        """Two disjoint slices together. Every count adds up, except that ``called``
        counts twice an account called in both (on two days, by two agents)."""
        return Counts(
            self.base + other.base,
            self.called + other.called,
            self.final + other.final,
            self.qualified + other.qualified,
            self.rejected + other.rejected,
            self.attempts + other.attempts,
            self.reached + other.reached,
            self.timed + other.timed,
            self.handling_seconds + other.handling_seconds,
            self.agent_seconds + other.agent_seconds,
            _summed(self.outcomes, other.outcomes),
            _summed(self.horizons, other.horizons),
        )


def _summed(a: Mapping, b: Mapping) -> dict:
    return {key: a.get(key, 0) + b.get(key, 0) for key in {*a, *b}}


@dataclass(frozen=True)
class Figures:
    redemption: Decimal | None  # qualified / worked to a final outcome
    redemption_of_base: Decimal | None  # qualified / accounts in the base
    contact_rate: Decimal | None  # calls that reached a person / calls
    attempts_per_account: Decimal | None  # calls / accounts called
    average_handling_seconds: Decimal | None  # length of the timed calls / their number
    outcome_shares: dict[str, Decimal]  # calls by outcome / calls
    horizon_shares: dict[int, Decimal]  # qualified by purchase horizon / qualified


def figures(counts: Counts) -> Figures:
    c = counts
    return Figures(
        redemption=ratio(c.qualified, c.final),
        redemption_of_base=ratio(c.qualified, c.base),
        contact_rate=ratio(c.reached, c.attempts),
        attempts_per_account=ratio(c.attempts, c.called),
        average_handling_seconds=ratio(c.handling_seconds, c.timed),
        outcome_shares={
            code: share
            for code, n in sorted(c.outcomes.items())
            if (share := ratio(n, c.attempts)) is not None
        },
        horizon_shares={
            months: share
            for months in HORIZONS
            if (share := ratio(c.horizons.get(months, 0), c.qualified)) is not None
        },
    )


@dataclass(frozen=True)
class Progress:
    """The plan against what was done: the seed's arithmetic, live."""

    needed: int  # qualified accounts the salespeople need (their monthly quotas: 50 each)
    qualified: int  # qualified so far
    still_needed: int
    rate: Decimal | None  # the redemption used to project: measured, else the target
    to_call: int | None  # accounts still to work to a final outcome at that rate
    per_day: Decimal | None  # qualified accounts per day so far
    reached_on: date | None  # when ``needed`` is reached at that pace


def progress(
    counts: Counts,
    *,
    needed: int,
    target: Decimal,
    started_on: date | None,
    today: date,
) -> Progress:
    """Where the campaign stands against its plan: ``needed`` qualified accounts (the
    seed's salespeople x accounts each). Until an account is final the target redemption
    stands in for the measured one; the pace is qualified accounts per calendar day since
    the campaign started (today included)."""
    still = max(needed - counts.qualified, 0)
    rate = ratio(counts.qualified, counts.final) if counts.final else target
    to_call = math.ceil(still / rate) if rate else None
    days = (today - started_on).days + 1 if started_on and started_on <= today else 0
    per_day = ratio(counts.qualified, days) if counts.qualified else None
    if still == 0:
        reached_on: date | None = today
    elif per_day:
        reached_on = today + timedelta(days=math.ceil(still / per_day))
    else:
        reached_on = None
    return Progress(needed, counts.qualified, still, rate, to_call, per_day, reached_on)
