"""The floor now: a campaign's queue, and which agent holds which account (the holds are
read live: a supervisor releasing a stuck account must see it released)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.campaigns.calendar import is_callable, next_callable
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.desk.models import CallAttempt
from app.desk.queue import QueueDepth, queue_depth
from app.users.models import User

ACTIVE = 10  # minutes: an agent who ended a call since then is at work


@dataclass(frozen=True)
class Held:
    entry_id: int
    account: str
    agent: str
    expires_at: datetime
    stuck: bool  # the lease has run out: the agent is gone, the next claim takes it


@dataclass(frozen=True)
class Floor:
    depth: QueueDepth
    held: list[Held]
    agents_in_call: int  # agents holding an account under a live lease
    agents_active: int  # those, and agents who ended a call in the last ``ACTIVE`` minutes
    reopens_at: datetime | None = None  # outside calling hours: when they open again (UTC)


def floor_now(
    session: Session, campaign: Campaign, now: datetime, depth: QueueDepth | None = None
) -> Floor:
    """Who holds what, live; the queue's ``depth`` is counted when None (the board passes
    a copy a few seconds old: ``services.depth_now``)."""
    rows = session.execute(
        sa.select(
            QueueEntry.id, Account.company_name, User.display_name, QueueEntry.lease_expires_at
        )
        .join(Account, Account.id == QueueEntry.account_id)
        .join(User, User.id == QueueEntry.lease_holder_id)
        .where(QueueEntry.campaign_id == campaign.id, QueueEntry.state == QueueState.LEASED)
        .order_by(QueueEntry.lease_expires_at)
    ).all()
    held = [Held(n, name, agent, expires, expires <= now) for n, name, agent, expires in rows]
    live_agents = {h.agent for h in held if not h.stuck}
    recent = session.scalars(
        sa.select(User.display_name)
        .join(CallAttempt, CallAttempt.agent_id == User.id)
        .where(
            CallAttempt.campaign_id == campaign.id,
            CallAttempt.ended_at >= now - timedelta(minutes=ACTIVE),
        )
        .distinct()
    )
    active = live_agents | set(recent)
    depth = queue_depth(session, campaign, now) if depth is None else depth
    hours = campaign.serving_hours
    reopens_at = None if is_callable(now, hours) else next_callable(now, hours)
    return Floor(depth, held, len(live_agents), len(active), reopens_at)
