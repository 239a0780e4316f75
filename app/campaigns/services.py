"""Campaign services."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign, CampaignStatus


def list_campaigns(session: Session, *, only_active: bool = False) -> Sequence[Campaign]:
    query = select(Campaign).order_by(Campaign.created_at.desc())
    if only_active:
        query = query.where(Campaign.status == CampaignStatus.ACTIVE)
    return session.scalars(query).all()
