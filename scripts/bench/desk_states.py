"""The desk soak's agents and their state log: what each one did (the moments the server
accepted, as the client saw them), and the recount of the log after the run.

The recount reads every simulated agent's periods of ``agent_states`` in time order and
checks that every second from their first sign-in to the end of the run lies in exactly
one period: each period ends where the next begins (no gap, no overlap), only the last is
open, none ends before it starts, and each change is one the state machine allows
(``app.workday.machine.CHANGES``). It then checks the log against the clients: every
moment a client saw accepted is in the log (the log may hold more: a moment whose answer
was lost in the chaos).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import datetime

import sqlalchemy as sa

# The moments a client counts, by the log's name.
COUNTED = ("sign_in", "dial", "answer", "hang_up", "pause_after_call", "resume", "sign_out")


class Moments:
    """The moments the clients saw accepted, per agent (thread-safe enough: each agent
    counts its own)."""

    def __init__(self) -> None:
        self.seen: dict[str, Counter] = defaultdict(Counter)

    def saw(self, username: str, moment: str) -> None:
        self.seen[username][moment] += 1


def _periods(engine: sa.Engine, prefix: str) -> dict[str, list[tuple]]:
    query = sa.text(
        "SELECT u.username, s.state, s.moment, s.started_at, s.ended_at FROM agent_states s "
        "JOIN users u ON u.id = s.agent_id WHERE u.username LIKE :p "
        "ORDER BY u.username, s.started_at, s.id"
    )
    found: dict[str, list[tuple]] = defaultdict(list)
    with engine.connect() as conn:
        for username, *period in conn.execute(query, {"p": prefix + "%"}):
            found[username].append(tuple(period))
    return found


def state_recount(engine: sa.Engine, prefix: str, moments: Moments, now: datetime) -> list[str]:
    """The log of every agent whose username starts with ``prefix``: lines for the report."""
    from app.workday.machine import CHANGES, AgentState

    logs = _periods(engine, prefix)
    gaps = overlaps = backwards = not_one_open = impossible = 0
    covered = spanned = 0.0
    states: Counter = Counter()
    missing: Counter = Counter()
    for username, periods in logs.items():
        for state, _moment, start, end in periods:
            stop = end or now
            backwards += stop < start
            covered += (stop - start).total_seconds()
            states[state] += (stop - start).total_seconds()
        spanned += ((periods[-1][3] or now) - periods[0][2]).total_seconds()
        for before, after in itertools.pairwise(periods):
            end, start = before[3], after[2]
            gaps += end is not None and end < start
            overlaps += end is None or end > start
            pair = (AgentState(before[0]), AgentState(after[0]))
            impossible += pair not in CHANGES and pair[0] != pair[1]
        not_one_open += [p[3] is None for p in periods].count(True) != 1
        logged = Counter(p[1] for p in periods)
        for moment, n in moments.seen.get(username, Counter()).items():
            if n > logged[moment]:
                missing[moment] += n - logged[moment]
    ok = not (gaps or overlaps or backwards or not_one_open or impossible or missing)
    minutes = {state: f"{seconds / 60:,.1f} min" for state, seconds in sorted(states.items())}
    seen = Counter()
    for counts in moments.seen.values():
        seen.update(counts)
    return [
        f"- state log ({'every second in exactly one state' if ok else 'INCONSISTENT'}): "
        f"{len(logs)} agents, {sum(map(len, logs.values())):,} periods; seconds covered "
        f"{covered:,.0f} of {spanned:,.0f} spanned; gaps {gaps}, overlaps {overlaps}, "
        f"periods ending before they start {backwards}, agents without exactly one open "
        f"period {not_one_open}, changes the machine refuses {impossible}",
        f"- time by state: {minutes}; moments the clients saw accepted: "
        f"{dict(sorted(seen.items())) or 'none'}; of them missing from the log: "
        f"{dict(missing) or 'none'}",
    ]


def break_reason(engine: sa.Engine) -> int | None:
    """The seeded "break" reason, which the agents choose for a pause after a call."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM pause_reasons WHERE code = 'break'")).scalar()
