"""The board's counts read back per slice: the read side of the tallies.

A read sums a few hundred rows of ``board_tallies`` and adds the deltas the desk wrote that
are not folded into them yet (at most about ``tally_writes.FOLD_EVERY``): it writes
nothing, so a board's GET never commits and never waits for a lock.

An account is *called* once per row however many of its calls the row counts, so a range
of several days, whose rows would count twice an account called on two of them, counts
its accounts from the calls of those days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.board.metrics import HORIZONS, Counts
from app.board.models import COUNTERS, NONE, WHOLE, BoardOutcomeTally, BoardTally, BoardTallyDelta
from app.board.tally_writes import FACT_COLUMNS, PENDING, Changes, Facts, Slot, changes_of
from app.campaigns.calendar import ROME
from app.campaigns.models import QueueEntry
from app.desk.models import CallAttempt


def outstanding(session: Session, campaign_id: int | None = None) -> dict[int, Changes]:
    """The deltas not folded yet (of one campaign, or all), read without taking them, and
    the changes this transaction made but has not written yet (they are at its commit)."""
    d = BoardTallyDelta
    query = sa.select(d.campaign_id, d.payload).order_by(d.id)
    if campaign_id is not None:
        query = query.where(d.campaign_id == campaign_id)
    found = changes_of(session.execute(query))
    for pending_id, changes in (session.info.get(PENDING) or {}).items():
        if campaign_id is None or pending_id == campaign_id:
            found[pending_id].merge(changes)
    return found


def _rows_with(
    rows: Iterator[Mapping[str, Any]], changes: Changes | None, wanted: Callable[[str, str], bool]
) -> list[dict[str, Any]]:
    """The tally rows read, with the outstanding deltas of the slots ``wanted`` (by day and
    dimension) added: to a row read, or as a row of their own."""
    merged: dict[Slot, dict[str, Any]] = {}
    for row in rows:
        merged[(row["day"], row["dimension"], row["key"])] = dict(row)
    for (day, dimension, key), counts in changes.rows.items() if changes else ():
        if not wanted(day, dimension):
            continue
        row = merged.setdefault(
            (day, dimension, key),
            {"day": day, "dimension": dimension, "key": key, **dict.fromkeys(COUNTERS, 0)},
        )
        for name, n in counts.items():
            row[name] += n
    return list(merged.values())


# ------------------------------------------------------------------------------ read ---


def _counts(row: Mapping[str, Any], outcomes: Mapping[str, int] | None = None) -> Counts:
    return Counts(
        called=row["called"],
        final=row["final"],
        qualified=row["qualified"],
        rejected=row["rejected"],
        attempts=row["attempts"],
        reached=row["reached"],
        timed=row["timed"],
        handling_seconds=float(row["handling_seconds"]),
        agent_seconds=float(row["agent_seconds"]),
        outcomes=dict(outcomes or {}),
        horizons={m: row[f"h{m}"] for m in HORIZONS if row[f"h{m}"]},
    )


@dataclass(frozen=True)
class Read:
    """A campaign's counts for a range of days: in all, per day, and per slice."""

    total: Counts
    days: dict[str, Counts]
    slices: dict[str, dict[int | None, Counts]]  # dimension -> key (None: no zone/dealer)


def utc_start(day: date) -> datetime:
    """The start of a local (Europe/Rome) day, in UTC."""
    return datetime.combine(day, time(), ROME).astimezone(UTC)


@dataclass(frozen=True)
class _Days:
    """Which rows a read takes: the whole campaign's, or the days from ``start`` to ``end``
    (both included, open-ended when None), as SQL on a table and as a test on a day."""

    start: date | None
    end: date | None

    @property
    def whole(self) -> bool:
        return self.start is None and self.end is None

    def sql(self, day: Any) -> list[sa.ColumnElement[bool]]:
        """Days only (never the whole-campaign rows), within the range."""
        found = [day != WHOLE]
        if self.start is not None:
            found.append(day >= self.start.isoformat())
        if self.end is not None:
            found.append(day <= self.end.isoformat())
        return found

    def takes(self, day: str) -> bool:
        if day == WHOLE:
            return False
        return (self.start is None or day >= self.start.isoformat()) and (
            self.end is None or day <= self.end.isoformat()
        )


def _tally_rows(
    session: Session, campaign_id: int, days: _Days, changes: Changes | None
) -> list[dict[str, Any]]:
    t = BoardTally
    if days.whole:  # the whole campaign's rows, and each day's "all" row for the chart
        wanted = sa.or_(t.day == WHOLE, t.dimension == "all")

        def takes(day: str, dimension: str) -> bool:
            return day == WHOLE or dimension == "all"
    else:
        wanted = sa.and_(*days.sql(t.day))

        def takes(day: str, dimension: str) -> bool:
            return days.takes(day)

    columns = [t.day, t.dimension, t.key, *(getattr(t, name) for name in COUNTERS)]
    rows = session.execute(sa.select(*columns).where(t.campaign_id == campaign_id, wanted))
    return _rows_with(rows.mappings(), changes, takes)


def _outcomes(
    session: Session, campaign_id: int, days: _Days, changes: Changes | None
) -> dict[str, int]:
    o = BoardOutcomeTally
    query = sa.select(o.outcome, sa.func.sum(o.calls)).where(o.campaign_id == campaign_id)
    query = query.where(o.day == WHOLE) if days.whole else query.where(*days.sql(o.day))
    found: dict[str, int] = defaultdict(int)
    for code, n in session.execute(query.group_by(o.outcome)):
        found[code] += int(n or 0)
    for (day, code), n in changes.outcomes.items() if changes else ():
        if (day == WHOLE) if days.whole else days.takes(day):
            found[code] += n
    return {code: n for code, n in found.items() if n}


def read(
    session: Session,
    campaign_id: int,
    start: date | None,
    end: date | None,
    base: Mapping[tuple[str, int], int] | None = None,
) -> Read:
    """The campaign's counts on the local days from ``start`` to ``end`` (both included;
    open-ended when None) with its ``base`` (``bases``, counted when None): a few hundred
    rows summed, and the deltas not folded yet."""
    range_ = _Days(start, end)
    changes = outstanding(session, campaign_id).get(campaign_id)
    days: dict[str, Counts] = {}
    sums: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in _tally_rows(session, campaign_id, range_, changes):
        if row["dimension"] == "all" and row["day"] != WHOLE:
            days[row["day"]] = _counts(row)
        if range_.whole and row["day"] != WHOLE:
            continue
        summed = sums[(row["dimension"], row["key"])]
        for name in COUNTERS:
            summed[name] += row[name]
    one_day = start is not None and start == end
    if not (range_.whole or one_day) and sums:
        for slot, n in _called_between(session, campaign_id, start, end).items():
            sums[slot]["called"] = n
    outcomes = _outcomes(session, campaign_id, range_, changes)
    return _read(sums, days, outcomes, bases(session, campaign_id) if base is None else base)


def agent_days(
    session: Session, campaign_id: int, start: date | None, end: date | None
) -> dict[tuple[str, int], int]:
    """The campaign's calls per (local day, agent) from ``start`` to ``end`` (both
    included; every day when None): its agents' day rows, and the deltas not folded yet."""
    t = BoardTally
    range_ = _Days(start, end)
    rows = session.execute(
        sa.select(t.day, t.key, t.attempts).where(
            t.campaign_id == campaign_id, t.dimension == "agent", *range_.sql(t.day)
        )
    )
    found: dict[tuple[str, int], int] = defaultdict(int)
    for day, key, attempts in rows:
        found[(day, key)] += attempts
    changes = outstanding(session, campaign_id).get(campaign_id)
    for (day, dimension, key), counts in changes.rows.items() if changes else ():
        if dimension == "agent" and range_.takes(day):
            found[(day, key)] += int(counts.get("attempts", 0))
    return dict(found)


def _read(
    sums: Mapping[tuple[str, int], Mapping[str, float]],
    days: dict[str, Counts],
    outcomes: dict[str, int],
    base: Mapping[tuple[str, int], int],
) -> Read:
    """The sums per slice as counts, each with its base (its accounts)."""
    slices: dict[str, dict[int | None, Counts]] = defaultdict(dict)
    total = Counts()
    for (dimension, key), summed in sums.items():
        row = {name: int(v) if "seconds" not in name else v for name, v in summed.items()}
        if dimension == "all":
            total = _counts(row, outcomes)
        else:
            slices[dimension][None if key == NONE else key] = _counts(row)
    total = _with_base(total, base.get(("all", NONE), 0))
    for dimension in ("zone", "dealer"):
        for key, counts in list(slices[dimension].items()):
            slices[dimension][key] = _with_base(counts, base.get((dimension, _key(key)), 0))
        for (dim, key), n in base.items():  # slices with accounts but no call yet
            if dim == dimension and (None if key == NONE else key) not in slices[dimension]:
                slices[dimension][None if key == NONE else key] = Counts(base=n)
    return Read(total, days, dict(slices))


def _key(key: int | None) -> int:
    return NONE if key is None else key


def _with_base(counts: Counts, base: int) -> Counts:
    return Counts(**{**counts.__dict__, "base": base})


def bases(session: Session, campaign_id: int) -> dict[tuple[str, int], int]:
    """The campaign's accounts in all and by their zone and dealer now."""
    rows = session.execute(
        sa.select(Account.zone_id, Account.dealer_id, sa.func.count())
        .select_from(QueueEntry)
        .join(Account, Account.id == QueueEntry.account_id)
        .where(QueueEntry.campaign_id == campaign_id)
        .group_by(Account.zone_id, Account.dealer_id)
    )
    found: dict[tuple[str, int], int] = defaultdict(int)
    for zone_id, dealer_id, n in rows:
        found[("all", NONE)] += n
        found[("zone", _key(zone_id))] += n
        found[("dealer", _key(dealer_id))] += n
    return dict(found)


def _called_between(
    session: Session, campaign_id: int, start: date | None, end: date | None
) -> dict[tuple[str, int], int]:
    """Accounts called per slice over several days, from the calls of those days."""
    c = CallAttempt
    conditions = [c.campaign_id == campaign_id]
    for bound, op in ((start, "ge"), (end, "lt")):
        if bound is None:
            continue
        moment = utc_start(bound if op == "ge" else bound + timedelta(days=1))
        ended = c.ended_at >= moment if op == "ge" else c.ended_at < moment
        started = c.started_at >= moment if op == "ge" else c.started_at < moment
        conditions.append(sa.or_(ended, sa.and_(c.ended_at.is_(None), started)))
    rows = session.execute(sa.select(*FACT_COLUMNS).where(*conditions))
    accounts: dict[tuple[str, int], set[int]] = defaultdict(set)
    for row in rows:
        facts = Facts(*row)
        for _day, dimension, key in facts.slots()[5:]:  # the whole-range slots
            accounts[(dimension, key)].add(facts.account_id)
    return {slot: len(ids) for slot, ids in accounts.items()}


def campaign_bases(session: Session) -> dict[int, int]:
    """Every campaign's number of accounts."""
    return dict(
        session.execute(
            sa.select(QueueEntry.campaign_id, sa.func.count()).group_by(QueueEntry.campaign_id)
        ).all()
    )


def campaign_totals(
    session: Session, base: Mapping[int, int] | None = None
) -> Iterator[tuple[int, Counts]]:
    """Every campaign's counts in all (the board's home page), with ``base``
    (``campaign_bases``, counted when None), the deltas not folded yet included."""
    t = BoardTally
    columns = [t.campaign_id, *(getattr(t, name) for name in COUNTERS)]
    rows = session.execute(
        sa.select(*columns).where(t.day == WHOLE, t.dimension == "all", t.key == NONE)
    )
    totals = {row["campaign_id"]: dict(row) for row in rows.mappings()}
    for campaign_id, changes in outstanding(session).items():
        counts = changes.rows.get((WHOLE, "all", NONE))
        if counts:
            row = totals.setdefault(campaign_id, dict.fromkeys(COUNTERS, 0))
            for name, n in counts.items():
                row[name] += n
    base = campaign_bases(session) if base is None else base
    seen = set()
    for campaign_id, row in totals.items():
        seen.add(campaign_id)
        yield campaign_id, _with_base(_counts(row), base.get(campaign_id, 0))
    for campaign_id, n in base.items():
        if campaign_id not in seen:
            yield campaign_id, Counts(base=n)
