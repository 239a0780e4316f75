"""Each agent's calls of the day, from the board's tallies: no call is read.

The board keeps, as calls are recorded, a row of counts per campaign, local day and agent
(``board_tallies``, dimension ``agent``; ``board.tally_writes``), and the deltas not folded
into them yet. The floor sums, for the agents on it, the rows of today over the live
campaigns (practice calls count in no live figure) and adds the outstanding deltas: a few
rows found by the table's key, whatever the number of calls. ``recount`` counts the same
from the calls, for the tests and for anyone who doubts the tallies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.board.models import BoardTally, QualityCheck, Verdict
from app.board.tally_reads import outstanding, utc_start
from app.campaigns.models import Campaign
from app.campaigns.outcomes import rules_from_config
from app.desk.models import CallAttempt

COUNTED = ("attempts", "qualified", "final")


def live_campaign_ids(session: Session) -> list[int]:
    return list(session.scalars(sa.select(Campaign.id).where(Campaign.practice.is_(False))))


def day_counts(session: Session, agent_ids: Iterable[int], day: date) -> dict[int, dict[str, int]]:
    """Agent id -> calls (``attempts``), ``qualified`` and ``final`` on the local ``day``,
    over the live campaigns, from the tallies and the deltas not folded yet."""
    agents = sorted(set(agent_ids))
    found: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    if not agents:
        return {}
    live = live_campaign_ids(session)
    t = BoardTally
    key = day.isoformat()
    rows = session.execute(
        sa.select(t.key, *(getattr(t, name) for name in COUNTED)).where(
            t.campaign_id.in_(live), t.day == key, t.dimension == "agent", t.key.in_(agents)
        )
    )
    for agent, *values in rows:
        for name, n in zip(COUNTED, values, strict=True):
            found[agent][name] += int(n)
    wanted, chosen = set(agents), set(live)
    for campaign_id, changes in outstanding(session).items():
        if campaign_id not in chosen:
            continue
        for (slot_day, dimension, agent), counts in changes.rows.items():
            if slot_day == key and dimension == "agent" and agent in wanted:
                for name in COUNTED:
                    found[agent][name] += int(counts.get(name, 0))
    return {agent: dict(counts) for agent, counts in found.items()}


def recount(session: Session, agent_ids: Iterable[int], day: date) -> dict[int, dict[str, int]]:
    """The same from the calls themselves (slow: every call of the day is read). A call
    counts on the day it ended (the day it began while it has no end), as on the board;
    a qualified call counts while it still ends its account's work (``final``); a
    qualification a supervisor rejected counts as worked to a final outcome, not
    qualified."""
    c = CallAttempt
    q = QualityCheck
    start, end = utc_start(day), utc_start(day + timedelta(days=1))
    moment = sa.func.coalesce(c.ended_at, c.started_at)
    rows = session.execute(
        sa.select(c.agent_id, c.outcome, c.final, q.verdict, Campaign.outcomes)
        .join(Campaign, Campaign.id == c.campaign_id)
        .outerjoin(q, q.call_attempt_id == c.id)
        .where(c.agent_id.in_(sorted(set(agent_ids))), Campaign.practice.is_(False),
               moment >= start, moment < end)
    )  # fmt: skip
    found: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    for agent, outcome, final, verdict, config in rows:
        rule = rules_from_config(config).get(outcome or "")
        found[agent]["attempts"] += 1
        found[agent]["final"] += int(bool(final)) + int(verdict == Verdict.REJECTED)
        found[agent]["qualified"] += int(bool(final and rule and rule.qualified))
    return {agent: dict(counts) for agent, counts in found.items()}
