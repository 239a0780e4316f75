"""The campaign list's lines: each campaign with its script version and its queue still to
call, in one query (the shell's ``campaigns list`` and the campaigns page). Reads only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.scripting.models import CallScript


@dataclass(frozen=True)
class CampaignSummary:
    """One line of the campaign list."""

    campaign: Campaign
    script_name: str | None
    script_version: int | None
    in_queue: int  # entries still to be called (waiting or leased)


def campaign_summaries(session: Session) -> list[CampaignSummary]:
    """Every campaign by code, with its script version and how many entries await a call."""
    open_entries = (
        select(QueueEntry.campaign_id, func.count().label("n"))
        .where(QueueEntry.state != QueueState.DONE)
        .group_by(QueueEntry.campaign_id)
        .subquery()
    )
    rows = session.execute(
        select(Campaign, CallScript.name, CallScript.version, open_entries.c.n)
        .outerjoin(CallScript, CallScript.id == Campaign.call_script_id)
        .outerjoin(open_entries, open_entries.c.campaign_id == Campaign.id)
        .order_by(Campaign.code)
    ).all()
    return [CampaignSummary(c, name, version, n or 0) for c, name, version, n in rows]
