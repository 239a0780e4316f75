"""The board's counts kept up to date call by call: the write side.

Why: the figures of a campaign with a million calls must be at hand for fifty open
boards while a hundred agents save outcomes (docs/metrics.md, docs/benchmarks.md). Each
recorded call counts in ten rows of ``board_tallies`` (its day and the whole campaign,
each for all calls, its agent, its zone, its dealer and its hour); putting an account
back in the queue or rejecting its qualification takes the same rows back. The
recording transaction only inserts its changes as one ``board_tally_deltas`` row, at
commit: the rows every call adds to are never locked by the desk. Every ``FOLD_EVERY``-th
delta, the recording transaction folds the committed deltas into the rows (``fold``);
the board's reads add the few deltas not folded yet as they read (``tally_reads``), and
never write. ``counts.gather`` recounts the same figures from the calls: the two are
tested equal, and ``rebuild`` recounts a campaign's rows from its calls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.accounts.models import Account, Horizon, Opportunity
from app.board.metrics import HORIZONS
from app.board.models import (
    COUNTERS,
    NONE,
    WHOLE,
    BoardOutcomeTally,
    BoardTally,
    BoardTallyDelta,
    QualityCheck,
    Verdict,
)
from app.campaigns.calendar import ROME
from app.campaigns.models import Campaign
from app.campaigns.outcomes import OutcomeRule, rules_from_config
from app.desk.models import CallAttempt
from app.extensions import upsert_insert

# A call's agent time starts at the end of the agent's previous call when that ended at
# most this long before the call began (the time between two calls is work); after a
# longer pause, at the call's own start.
AWAY_AFTER = timedelta(minutes=10)

Slot = tuple[str, str, int]  # (day or WHOLE, dimension, key)


def work_seconds(previous_end: datetime | None, started: datetime, ended: datetime | None) -> float:
    """The agent's time a call took: from the end of their previous call when that ended
    within ``AWAY_AFTER`` before this one began (or during it), else from its start."""
    if ended is None:
        return 0.0
    begin = started
    if previous_end is not None and started - AWAY_AFTER <= previous_end <= ended:
        begin = previous_end
    return max((ended - begin).total_seconds(), 0.0)


def local_day_hour(moment: datetime) -> tuple[str, int]:
    here = moment.astimezone(ROME)
    return here.strftime("%Y-%m-%d"), here.hour


@dataclass(frozen=True)
class Facts:
    """What the tallies need of a call."""

    campaign_id: int
    account_id: int
    agent_id: int
    zone_id: int | None
    dealer_id: int | None
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    horizon_months: int | None
    agent_seconds: float

    @classmethod
    def of(cls, call: Any) -> Facts:
        return cls(*(getattr(call, name) for name in cls.__dataclass_fields__))

    def slots(self) -> list[Slot]:
        day, hour = local_day_hour(self.ended_at or self.started_at)
        keys = [
            ("all", NONE),
            ("agent", self.agent_id),
            ("zone", self.zone_id if self.zone_id is not None else NONE),
            ("dealer", self.dealer_id if self.dealer_id is not None else NONE),
            ("hour", hour),
        ]
        return [(d, dimension, key) for d in (day, WHOLE) for dimension, key in keys]

    @property
    def day(self) -> str:
        return local_day_hour(self.ended_at or self.started_at)[0]


FACT_COLUMNS = [getattr(CallAttempt, name) for name in Facts.__dataclass_fields__]


@dataclass
class Changes:
    """Deltas to apply to one campaign's rows, merged per row."""

    rows: dict[Slot, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    outcomes: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, slots: Iterable[Slot], **counts: float) -> None:
        for slot in slots:
            row = self.rows[slot]
            for name, n in counts.items():
                row[name] = row.get(name, 0) + n

    def call(self, facts: Facts, rule: OutcomeRule | None, seen: set[Slot]) -> None:
        """A call recorded; ``seen``: the slots of the account's earlier calls."""
        timed = facts.ended_at is not None
        length = (facts.ended_at - facts.started_at).total_seconds() if timed else 0.0
        for slot in facts.slots():
            self.add(
                [slot],
                attempts=1,
                called=int(slot not in seen),
                reached=int(bool(rule and rule.reached)),
                timed=int(timed),
                handling_seconds=length,
                agent_seconds=facts.agent_seconds,
            )
        if facts.outcome is not None:
            for day in (facts.day, WHOLE):
                self.outcomes[(day, facts.outcome)] += 1

    def final(self, facts: Facts, rule: OutcomeRule | None, sign: int) -> None:
        """The call ended its account's work (+1), or no longer does (-1)."""
        counts = {"final": sign}
        if rule is not None and rule.qualified:
            counts["qualified"] = sign
            if facts.horizon_months in HORIZONS:
                counts[f"h{facts.horizon_months}"] = sign
        self.add(facts.slots(), **counts)

    def merge(self, other: Changes) -> None:
        for slot, counts in other.rows.items():
            self.add([slot], **counts)
        for key, n in other.outcomes.items():
            self.outcomes[key] += n

    def rejected(self, facts: Facts) -> None:
        """A qualification rejected at the check: one more final account, not qualified."""
        self.add(facts.slots(), final=1, rejected=1)


PENDING = "board_tallies"  # session.info key: {campaign_id: Changes} not written yet
# The desk folds the deltas itself once every this many recording transactions, so that
# they do not pile up while no board is open.
FOLD_EVERY = 256


def apply(session: Session, campaign_id: int, changes: Changes) -> None:
    """Add ``changes`` to the campaign's counts when the transaction commits."""
    pending = session.info.setdefault(PENDING, {})
    if campaign_id in pending:
        pending[campaign_id].merge(changes)
    else:
        pending[campaign_id] = changes


def write_pending(session: Session) -> None:
    """Write the changes waiting in ``session`` as deltas (``BoardTallyDelta``): an
    insert, which locks no row another agent's commit needs."""
    pending = session.info.pop(PENDING, None) or {}
    fold_now = False
    for campaign_id in sorted(pending):
        changes = pending[campaign_id]
        payload = {
            "r": [[*slot, row] for slot, row in sorted(changes.rows.items())],
            "o": [[day, outcome, n] for (day, outcome), n in sorted(changes.outcomes.items())],
        }
        delta_id = session.execute(
            sa.insert(BoardTallyDelta)
            .values(campaign_id=campaign_id, payload=payload)
            .returning(BoardTallyDelta.id)
        ).scalar_one()
        fold_now = fold_now or delta_id % FOLD_EVERY == 0
    if fold_now:
        fold(session)


def _forget_pending(session: Session, *_: Any) -> None:
    session.info.pop(PENDING, None)


event.listen(Session, "before_commit", write_pending)
event.listen(Session, "after_rollback", _forget_pending)


def fold(session: Session, campaign_id: int | None = None) -> None:
    """Add the committed deltas (of one campaign, or all) to the tallies, and delete them.

    Two transactions folding at once cannot count a delta twice: the DELETE of the
    second waits for the first to commit, and then finds those rows gone."""
    write_pending(session)
    d = BoardTallyDelta
    taken = sa.delete(d)
    if campaign_id is not None:
        taken = taken.where(d.campaign_id == campaign_id)
    found = changes_of(session.execute(taken.returning(d.campaign_id, d.payload)))
    for campaign in sorted(found):
        _write(session, campaign, found[campaign])


def changes_of(rows: Iterable[tuple[int, Mapping[str, Any]]]) -> dict[int, Changes]:
    """Deltas as written by ``write_pending`` (campaign id, payload), merged per campaign."""
    found: dict[int, Changes] = defaultdict(Changes)
    for campaign, payload in rows:
        changes = found[campaign]
        for day, dimension, key, row in payload["r"]:
            changes.add([(day, dimension, key)], **row)
        for day, outcome, n in payload["o"]:
            changes.outcomes[(day, outcome)] += n
    return found


def _write(session: Session, campaign_id: int, changes: Changes) -> None:
    """Add ``changes`` to the campaign's rows, creating the missing ones; rows in a fixed
    order, so that two transactions adding to the same rows cannot deadlock."""
    insert = upsert_insert(session)
    table = BoardTally.__table__
    if changes.rows:
        values = [
            {"campaign_id": campaign_id, "day": day, "dimension": dim, "key": key,
             **{name: row.get(name, 0) for name in COUNTERS}}
            for (day, dim, key), row in sorted(changes.rows.items())
        ]  # fmt: skip
        statement = insert(table).values(values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["campaign_id", "day", "dimension", "key"],
                set_={name: table.c[name] + statement.excluded[name] for name in COUNTERS},
            )
        )
    outcomes = BoardOutcomeTally.__table__
    if changes.outcomes:
        values = [
            {"campaign_id": campaign_id, "day": day, "outcome": outcome, "calls": n}
            for (day, outcome), n in sorted(changes.outcomes.items())
        ]
        statement = insert(outcomes).values(values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["campaign_id", "day", "outcome"],
                set_={"calls": outcomes.c.calls + statement.excluded.calls},
            )
        )


def _rules(session: Session, campaign_id: int) -> dict[str, OutcomeRule]:
    config = session.scalar(sa.select(Campaign.outcomes).where(Campaign.id == campaign_id))
    return rules_from_config(config)


def _call_context() -> sa.Select:
    """``record_call``'s read, built once (building it cost more than running it): the
    account's zone and dealer, the most urgent horizon the call captured, the end of the
    agent's previous call and the campaign's outcomes, beside the facts of each of the
    account's earlier calls in the campaign (one row, its facts empty, when there is none)."""
    c, o = CallAttempt, Opportunity
    call_id = sa.bindparam("call_id")
    months = {Horizon(str(m)): m for m in HORIZONS}
    horizon = (
        sa.select(sa.func.min(sa.case(months, value=o.horizon)))
        .where(o.call_attempt_id == call_id, o.horizon.in_(list(months)))
        .scalar_subquery()
    )
    previous_end = (
        sa.select(sa.func.max(c.ended_at))
        .where(
            c.agent_id == sa.bindparam("agent_id"),
            c.id != call_id,
            c.ended_at <= sa.bindparam("ended_at", type_=c.ended_at.type),
        )
        .scalar_subquery()
    )
    outcomes = (
        sa.select(Campaign.outcomes)
        .where(Campaign.id == sa.bindparam("campaign_id"))
        .scalar_subquery()
    )
    context = sa.select(Account.zone_id, Account.dealer_id, horizon, previous_end, outcomes).where(
        Account.id == sa.bindparam("account_id")
    )
    earlier = (
        sa.select(*FACT_COLUMNS)
        .where(
            c.campaign_id == sa.bindparam("campaign_id"),
            c.account_id == sa.bindparam("account_id"),
            c.id != call_id,
        )
        .subquery("earlier")
    )
    return context.add_columns(*earlier.c).outerjoin_from(Account, earlier, sa.true())


_CALL_CONTEXT = _call_context()


def record_call(session: Session, call: CallAttempt, *, final: bool) -> None:
    """Fix where the just-recorded ``call`` counts and add it to the campaign's rows (one
    read; the call's row is written once, at the next flush)."""
    params = {"call_id": call.id, "agent_id": call.agent_id, "ended_at": call.ended_at,
              "campaign_id": call.campaign_id, "account_id": call.account_id}  # fmt: skip
    rows = session.execute(_CALL_CONTEXT, params).all()
    zone_id, dealer_id, horizon, previous_end, outcomes = rows[0][:5]
    call.zone_id, call.dealer_id = zone_id, dealer_id
    call.final = final
    call.horizon_months = horizon
    call.agent_seconds = work_seconds(previous_end, call.started_at, call.ended_at)
    earlier = (Facts(*row[5:]) for row in rows if row[5] is not None)  # its campaign
    seen = {slot for facts in earlier for slot in facts.slots()}
    rules = rules_from_config(outcomes)
    facts = Facts.of(call)
    changes = Changes()
    changes.call(facts, rules.get(facts.outcome or ""), seen)
    if final:
        changes.final(facts, rules.get(facts.outcome or ""), +1)
    apply(session, call.campaign_id, changes)


def reopen(session: Session, campaign_id: int, account_ids: Iterable[int], *,
           rejected_call_id: int | None = None) -> None:  # fmt: skip
    """The accounts go back in the campaign's queue: the calls that ended their work no
    longer do. ``rejected_call_id``: the qualification the check rejected, which counts
    on as a final account, not qualified."""
    c = CallAttempt
    ids = sorted(set(account_ids))
    if not ids:
        return
    ending = session.scalars(
        sa.select(c).where(c.campaign_id == campaign_id, c.account_id.in_(ids), c.final.is_(True))
    ).all()
    rules = _rules(session, campaign_id)
    changes = Changes()
    for call in ending:
        call.final = False
        changes.final(Facts.of(call), rules.get(call.outcome or ""), -1)
    if rejected_call_id is not None:
        changes.rejected(Facts.of(session.get_one(CallAttempt, rejected_call_id)))
    apply(session, campaign_id, changes)


def rebuild(session: Session, campaign_id: int) -> None:
    """Recount the campaign's rows from its calls (after a data repair or an upgrade)."""
    c = CallAttempt
    if session.get_bind().dialect.name == "postgresql":
        # No transaction may add a delta between the moment the deltas are dropped and
        # the moment the calls are read: the desk's commits wait for the rebuild.
        session.execute(sa.text("LOCK TABLE board_tally_deltas IN SHARE ROW EXCLUSIVE MODE"))
    session.info.get(PENDING, {}).pop(campaign_id, None)  # the calls below include them
    for table in (BoardTally, BoardOutcomeTally, BoardTallyDelta):
        session.execute(sa.delete(table).where(table.campaign_id == campaign_id))
    rules = _rules(session, campaign_id)
    rejected = set(
        session.scalars(
            sa.select(QualityCheck.call_attempt_id)
            .join(c, c.id == QualityCheck.call_attempt_id)
            .where(c.campaign_id == campaign_id, QualityCheck.verdict == Verdict.REJECTED)
        )
    )
    changes = Changes()
    rows = session.execute(
        sa.select(c.id, c.final, *FACT_COLUMNS)
        .where(c.campaign_id == campaign_id)
        .order_by(c.account_id, c.id)
        .execution_options(yield_per=10_000)
    )
    account, seen = None, set()
    for call_id, final, *values in rows:
        facts = Facts(*values)
        if facts.account_id != account:
            account, seen = facts.account_id, set()
        rule = rules.get(facts.outcome or "")
        changes.call(facts, rule, seen)
        seen.update(facts.slots())
        if final:
            changes.final(facts, rule, +1)
        if call_id in rejected:
            changes.rejected(facts)
    _write(session, campaign_id, changes)
