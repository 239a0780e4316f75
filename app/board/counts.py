"""The board's counts recounted from the recorded calls, per slice.

Why: ``tally_writes`` keeps the same counts up to date call by call for the live board; this
recount is the reference they are tested against, and what a drill-down into one agent
reads. One grouped query per count on PostgreSQL or SQLite. The definitions are those of
``docs/metrics.md``: a call counts where it falls (its agent, its account's zone and
dealer when it was made, its local day and hour); an account's work ends with the call
flagged ``final``, counted where that call falls; the base (accounts queued, whatever the
dates) has no agent, day or hour, so only campaign, zone and dealer slices have one.

Days and hours are local to Europe/Rome (``local_hour``): a call at 23:30 UTC in summer
belongs to the next Italian day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.board.metrics import HORIZONS, Counts
from app.board.models import QualityCheck, Verdict
from app.campaigns.models import Campaign, QueueEntry
from app.campaigns.outcomes import rules_from_config
from app.columns import local_hour, seconds_between
from app.desk.models import CallAttempt

Dimension = Literal["campaign", "agent", "zone", "dealer", "day", "hour"]
DIMENSIONS: tuple[Dimension, ...] = ("campaign", "agent", "zone", "dealer", "day", "hour")


@dataclass(frozen=True)
class Slice:
    """Which calls and accounts count: all of them unless narrowed."""

    campaign_id: int | None = None
    agent_id: int | None = None
    zone_id: int | None = None
    dealer_id: int | None = None
    start: datetime | None = None  # calls ended (or started, when unfinished) from then
    end: datetime | None = None  # and before then


Found = dict[Hashable, dict[str, Any]]  # group -> the ``Counts`` fields counted so far


def gather(
    session: Session, where: Slice = Slice(), by: Dimension | None = None
) -> dict[Hashable, Counts]:
    """The counts of ``where``, one per value of the dimension ``by`` (key None when
    ``by`` is None), recounted from the calls. Groups with nothing to count are absent."""
    c = CallAttempt
    when = sa.func.coalesce(c.ended_at, c.started_at)
    key = _group_key(by, when)
    calls = sa.select().select_from(c).where(*_conditions(where, when))
    found: Found = defaultdict(dict)

    rules = _rules(session, where)
    reached = [(cid, code) for cid, r in rules.items() for code, rule in r.items()
               if rule.reached]  # fmt: skip
    qualifying = [(cid, code) for cid, r in rules.items() for code, rule in r.items()
                  if rule.qualified]  # fmt: skip
    final_qualified = sa.and_(c.final.is_(True), _pair_in(c, qualifying))
    _count_calls(session, found, calls, key, _pair_in(c, reached), final_qualified)
    _count_outcomes(session, found, calls, key)
    _count_horizons(session, found, calls, key, final_qualified)
    _count_rejected(session, found, key, _conditions(where, when))
    if by in (None, "campaign", "zone", "dealer") and where.agent_id is None:
        _count_base(session, found, by, where)
    return {group: Counts(**values) for group, values in found.items()}


def _group_key(by: Dimension | None, when: Any) -> Any:
    """The column the calls are grouped by: a constant when they are not."""
    c = CallAttempt
    keys = {
        "campaign": c.campaign_id,
        "agent": c.agent_id,
        "zone": c.zone_id,
        "dealer": c.dealer_id,
        "day": sa.func.substr(local_hour(when), 1, 10),
        "hour": sa.func.substr(local_hour(when), 12, 2),
    }
    return keys[by] if by else sa.literal(None)


def _count_calls(
    session: Session,
    found: Found,
    calls: sa.Select[Any],
    key: Any,
    reached: Any,
    final_qualified: Any,
) -> None:
    """Attempts, accounts called and reached, time spent, and work ended (qualified)."""
    c = CallAttempt
    totals = calls.add_columns(
        key,
        sa.func.count(),
        sa.func.count(sa.distinct(c.account_id)),
        sa.func.count().filter(reached),
        sa.func.count(c.ended_at),
        sa.func.coalesce(sa.func.sum(seconds_between(c.started_at, c.ended_at)), 0.0),
        sa.func.coalesce(sa.func.sum(c.agent_seconds), 0.0),
        sa.func.count().filter(c.final.is_(True)),
        sa.func.count().filter(final_qualified),
    ).group_by(key)
    for (
        group,
        attempts,
        called,
        reached_n,
        timed,
        seconds,
        agent,
        final,
        qualified,
    ) in session.execute(totals):
        found[group].update(
            attempts=attempts, called=called, reached=reached_n, timed=timed,
            handling_seconds=float(seconds or 0), agent_seconds=float(agent or 0),
        )  # fmt: skip
        if final:
            found[group].update(final=final, qualified=qualified)


def _count_outcomes(session: Session, found: Found, calls: sa.Select[Any], key: Any) -> None:
    c = CallAttempt
    outcomes = calls.add_columns(key, c.outcome, sa.func.count()).group_by(key, c.outcome)
    for group, outcome, n in session.execute(outcomes):
        if outcome is not None:
            found[group].setdefault("outcomes", {})[outcome] = n


def _count_horizons(
    session: Session, found: Found, calls: sa.Select[Any], key: Any, final_qualified: Any
) -> None:
    """The qualified accounts by purchase horizon."""
    c = CallAttempt
    horizons = (
        calls.add_columns(key, c.horizon_months, sa.func.count())
        .where(final_qualified, c.horizon_months.in_(HORIZONS))
        .group_by(key, c.horizon_months)
    )
    for group, months, n in session.execute(horizons):
        found[group].setdefault("horizons", {})[int(months)] = n


def _count_rejected(session: Session, found: Found, key: Any, conditions: list[Any]) -> None:
    """A rejected qualification: final and not qualified, for its call's agent and day."""
    c = CallAttempt
    rejected = (
        sa.select(key, sa.func.count())
        .select_from(QualityCheck)
        .join(c, c.id == QualityCheck.call_attempt_id)
        .where(QualityCheck.verdict == Verdict.REJECTED, *conditions)
        .group_by(key)
    )
    for group, n in session.execute(rejected):
        found[group]["rejected"] = n
        found[group]["final"] = found[group].get("final", 0) + n


def _count_base(session: Session, found: Found, by: Dimension | None, where: Slice) -> None:
    """The accounts queued, whatever the dates: by campaign, or by the account's zone or
    dealer now."""
    a = Account
    base_key = {None: sa.literal(None), "campaign": QueueEntry.campaign_id,
                "zone": a.zone_id, "dealer": a.dealer_id}[by]  # fmt: skip
    base = (
        sa.select(base_key, sa.func.count())
        .select_from(QueueEntry)
        .join(a, a.id == QueueEntry.account_id)
        .where(*_account_conditions(where, QueueEntry.campaign_id, a))
        .group_by(base_key)
    )
    for group, n in session.execute(base):
        found[group]["base"] = n


def _conditions(where: Slice, when: Any) -> list[Any]:
    c = CallAttempt
    conditions = _account_conditions(where, c.campaign_id, c)
    if where.agent_id is not None:
        conditions.append(c.agent_id == where.agent_id)
    if where.start is not None:
        conditions.append(when >= where.start)
    if where.end is not None:
        conditions.append(when < where.end)
    return conditions


def _account_conditions(where: Slice, campaign: Any, zoned: Any) -> list[Any]:
    """``zoned``: the calls (their account's zone and dealer when called) or the accounts
    (now)."""
    conditions = []
    if where.campaign_id is not None:
        conditions.append(campaign == where.campaign_id)
    if where.zone_id is not None:
        conditions.append(zoned.zone_id == where.zone_id)
    if where.dealer_id is not None:
        conditions.append(zoned.dealer_id == where.dealer_id)
    return conditions


def _rules(session: Session, where: Slice) -> dict[int, dict[str, Any]]:
    """Each campaign's outcome set: what "reached" and "qualified" mean can differ."""
    query = sa.select(Campaign.id, Campaign.outcomes)
    if where.campaign_id is not None:
        query = query.where(Campaign.id == where.campaign_id)
    return {cid: rules_from_config(config) for cid, config in session.execute(query)}


def _pair_in(c: type[CallAttempt], pairs: list[tuple[int, str]]) -> Any:
    """The call's (campaign, outcome) is one of ``pairs``."""
    if not pairs:
        return sa.false()
    by_campaign: dict[int, list[str]] = defaultdict(list)
    for campaign_id, code in pairs:
        by_campaign[campaign_id].append(code)
    return sa.or_(
        *(
            sa.and_(c.campaign_id == cid, c.outcome.in_(codes))
            for cid, codes in sorted(by_campaign.items())
        )
    )
