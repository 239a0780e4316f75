"""The queue at a glance, for the supervisor's board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.campaigns.calendar import is_callable
from app.campaigns.models import Campaign, QueueEntry, QueueState


@dataclass(frozen=True)
class QueueDepth:
    """A campaign queue at a glance, for the supervisor's board."""

    waiting_due: int  # may be served now (abandoned leases included); 0 outside calling hours
    waiting_later: int  # later: retries and callbacks not yet due, all outside calling hours
    leased: int  # held by an agent under a live lease
    callbacks_due: int  # due, still within the personal grace period
    callbacks_overdue: int  # past the grace period: any agent may take them


def queue_depth(session: Session, campaign: Campaign, now: datetime) -> QueueDepth:
    """Count the campaign's entries by what they are waiting for, in one query. Outside
    the campaign's calling hours nothing may be called now: what is due waits for the
    opening (a practice campaign has no closed hours)."""
    waiting = QueueEntry.state == QueueState.WAITING
    due = sa.or_(QueueEntry.next_call_at.is_(None), QueueEntry.next_call_at <= now)
    grace_ended = now - timedelta(minutes=campaign.callback_grace_minutes)
    live = QueueEntry.lease_expires_at > now
    callback_due = sa.and_(waiting, QueueEntry.is_callback.is_(True), due)

    def count(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.count().filter(sa.and_(*conditions))

    row = session.execute(
        sa.select(
            count(
                sa.or_(
                    sa.and_(waiting, QueueEntry.is_callback.is_(False), due),
                    sa.and_(QueueEntry.state == QueueState.LEASED, sa.not_(live)),
                )
            ),
            count(waiting, sa.not_(due)),
            count(QueueEntry.state == QueueState.LEASED, live),
            count(callback_due, QueueEntry.next_call_at > grace_ended),
            count(callback_due, QueueEntry.next_call_at <= grace_ended),
        ).where(QueueEntry.campaign_id == campaign.id)
    ).one()
    due_now, later, *rest = (int(value or 0) for value in row)
    if not is_callable(now, campaign.serving_hours):
        due_now, later = 0, due_now + later
    return QueueDepth(due_now, later, *rest)
