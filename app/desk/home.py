"""The desk's home: the campaigns an agent may take accounts from, and, for those that
cannot be called now, when calls reopen. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.campaigns.calendar import is_callable, next_callable
from app.campaigns.models import Campaign
from app.campaigns.teams import workable_campaigns
from app.columns import utcnow
from app.users.models import User


@dataclass(frozen=True)
class DeskCampaign:
    """An active campaign as the desk's home shows it."""

    campaign: Campaign
    reopens_at: datetime | None  # UTC; None while calls may be placed (practice: always)

    @property
    def open_now(self) -> bool:
        return self.reopens_at is None


def desk_campaigns(
    session: Session, agent: User, now: datetime | None = None
) -> list[DeskCampaign]:
    """The active campaigns open to ``agent``'s team, live ones first (newest first), then
    practice ones; each live
    campaign outside its calling hours says when they reopen (``next_callable``), so the
    desk offers no button that would be refused."""
    now = now or utcnow()
    found = sorted(workable_campaigns(session, agent), key=lambda c: c.practice)
    return [
        DeskCampaign(
            campaign,
            None
            if is_callable(now, campaign.serving_hours)
            else next_callable(now, campaign.serving_hours),
        )
        for campaign in found
    ]
