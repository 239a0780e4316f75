"""What the board shows, gathered once for all its viewers (``cache.shared``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.board import cache
from app.board.counts import Slice, gather
from app.board.metrics import Counts, figures
from app.campaigns.models import Campaign, QueueEntry, QueueState

FRESH_SECONDS = 5  # how old the figures on an open board may be


def _number(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 6)


def campaigns_now(session: Session) -> dict[str, Any]:
    """Every campaign with its counts and figures, as JSON-able data; at most
    ``FRESH_SECONDS`` old."""
    return cache.shared("campaigns", FRESH_SECONDS, lambda: _campaigns(session))


def _campaigns(session: Session) -> dict[str, Any]:
    counts = gather(session, Slice(), by="campaign")
    waiting = dict(
        session.execute(
            sa.select(QueueEntry.campaign_id, sa.func.count())
            .where(QueueEntry.state != QueueState.DONE)
            .group_by(QueueEntry.campaign_id)
        ).all()
    )
    rows = []
    for campaign in session.scalars(sa.select(Campaign).order_by(Campaign.created_at.desc())):
        c = counts.get(campaign.id, Counts())
        f = figures(c)
        rows.append(
            {
                "id": campaign.id,
                "code": campaign.code,
                "name": campaign.name,
                "status": campaign.status.value,
                "target": _number(campaign.target_redemption),
                "base": c.base,
                "waiting": waiting.get(campaign.id, 0),
                "final": c.final,
                "qualified": c.qualified,
                "attempts": c.attempts,
                "redemption": _number(f.redemption),
                "contact_rate": _number(f.contact_rate),
                "attempts_per_account": _number(f.attempts_per_account),
                "average_handling_seconds": _number(f.average_handling_seconds),
            }
        )
    return {"as_of": datetime.now(UTC).isoformat(timespec="seconds"), "campaigns": rows}
