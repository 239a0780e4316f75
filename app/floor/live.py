"""The floor now, read once for all its viewers.

Who is signed in is the open periods of the state log that are not ``signed_out`` and
whose desk was seen within ``LAPSE`` (a partial index holds exactly those rows,
``ix_agent_states_open_seen``); what they did today comes from the board's tallies
(``counts``). One read of a few indexed rows, shared by every open floor through the
board's cache (``FRESH_SECONDS`` old at most): fifty supervisors polling cost one query
every few seconds, not fifty. Each viewer then keeps the rows of the agents they see
(``scope``) and judges the alerts at their own now (``rows``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.names import company_display
from app.board import cache
from app.campaigns.calendar import ROME, is_callable
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.campaigns.teams import open_to
from app.columns import utcnow
from app.floor.counts import day_counts
from app.floor.rows import IDLE_AFTER, FloorRow, Queue
from app.floor.scope import sees_team
from app.users.models import Team, User
from app.workday.models import PauseReason, StatePeriod
from app.workday.services import LAPSE

FRESH_SECONDS = 2  # how old the floor its viewers share may be
_SIGNED_OUT = sa.literal_column("'signed_out'")  # a literal: the partial index matches it


@dataclass(frozen=True)
class Floor:
    as_of: datetime  # when the rows were read
    rows: list[FloorRow]


def floor_now(session: Session) -> Floor:
    """Every agent signed in, at most ``FRESH_SECONDS`` old, in the floor's order."""
    data = cache.shared("floor", FRESH_SECONDS, lambda: gather(session, utcnow()))
    rows = [FloorRow.from_json(row) for row in data["rows"]]
    return Floor(datetime.fromisoformat(data["as_of"]), rows)


def floor_for(session: Session, viewer: Any) -> Floor:
    """``floor_now``, limited to the agents ``viewer`` sees."""
    found = floor_now(session)
    return Floor(found.as_of, [row for row in found.rows if sees_team(viewer, row.team_id)])


def gather(session: Session, now: datetime) -> dict[str, Any]:
    """The floor at ``now``, JSON-able: the open working periods of live desks with their
    agent, campaign, account and reason, today's counts, and the queue of those waiting."""
    p = StatePeriod
    found = session.execute(
        sa.select(
            p.agent_id, User.display_name.label("agent"), User.team_id,
            Team.name.label("team"), p.state, p.started_at, p.campaign_id,
            Campaign.name.label("campaign"), Account.company_name, Account.legal_form,
            PauseReason.label_it, PauseReason.label_en, p.overdue_at,
            Campaign.call_limit_minutes, Campaign.wrap_up_limit_minutes,
        )
        .join(User, User.id == p.agent_id)
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(Campaign, Campaign.id == p.campaign_id)
        .outerjoin(Account, Account.id == p.account_id)
        .outerjoin(PauseReason, PauseReason.id == p.pause_reason_id)
        .where(p.ended_at.is_(None), p.state != _SIGNED_OUT, p.seen_at > now - LAPSE)
    ).all()  # fmt: skip
    counts = day_counts(session, [r.agent_id for r in found], now.astimezone(ROME).date())
    queues = _queues(session, [r for r in found if _waiting_long(r, now)], now)
    rows = []
    for r in found:
        day = counts.get(r.agent_id, {})
        rows.append(FloorRow(
            agent_id=r.agent_id, name=r.agent, team_id=r.team_id, team=r.team,
            state=r.state, since=r.started_at, campaign_id=r.campaign_id, campaign=r.campaign,
            account=company_display(r.company_name, r.legal_form) if r.company_name else None,
            reason_it=r.label_it, reason_en=r.label_en, overdue_at=r.overdue_at,
            call_limit=r.call_limit_minutes, wrap_up_limit=r.wrap_up_limit_minutes,
            queue=queues.get(r.agent_id), calls=day.get("attempts", 0),
            qualified=day.get("qualified", 0), final=day.get("final", 0),
        ))  # fmt: skip
    rows.sort(key=FloorRow.sort_key)
    return {"as_of": now.isoformat(), "rows": [row.as_json() for row in rows]}


def _waiting_long(row: Any, now: datetime) -> bool:
    return row.state == "ready" and row.company_name is None and row.started_at <= now - IDLE_AFTER


def _queues(session: Session, waiting: list[Any], now: datetime) -> dict[int, Queue]:
    """For each agent waiting long: what their queue has to call now. An agent waiting in
    a campaign (its queue gave them nothing after their last outcome) waits on that
    campaign's; one on the desk's home, on every active campaign open to their team."""
    if not waiting:
        return {}
    wanted: dict[int, list[Campaign]] = {}
    by_team: dict[int | None, list[Campaign]] = {}
    for row in waiting:
        if row.campaign_id is not None:
            wanted[row.agent_id] = [session.get_one(Campaign, row.campaign_id)]
            continue
        if row.team_id not in by_team:
            team = session.get(Team, row.team_id) if row.team_id is not None else None
            by_team[row.team_id] = list(session.scalars(sa.select(Campaign).where(
                open_to(team), Campaign.status == CampaignStatus.ACTIVE)))  # fmt: skip
        wanted[row.agent_id] = by_team[row.team_id]
    campaigns = {c.id: c for found in wanted.values() for c in found}
    due = _with_due_entries(session, list(campaigns), now)
    found = {}
    for agent_id, theirs in wanted.items():
        open_now = [c for c in theirs if c.status == CampaignStatus.ACTIVE
                    and is_callable(now, c.serving_hours)]  # fmt: skip
        if any(c.id in due for c in open_now):
            found[agent_id] = Queue.OPEN
        else:
            found[agent_id] = Queue.EMPTY if open_now or not theirs else Queue.CLOSED
    return found


def _with_due_entries(session: Session, campaign_ids: list[int], now: datetime) -> set[int]:
    """The campaigns with an entry that may be served now (waiting and due, or a lease
    that expired), in one query."""
    if not campaign_ids:
        return set()
    q = QueueEntry
    due = sa.or_(
        sa.and_(q.state == QueueState.WAITING,
                sa.or_(q.next_call_at.is_(None), q.next_call_at <= now)),
        sa.and_(q.state == QueueState.LEASED, q.lease_expires_at <= now),
    )  # fmt: skip
    return set(
        session.scalars(
            sa.select(q.campaign_id).where(q.campaign_id.in_(campaign_ids), due).distinct()
        )
    )
