"""The staff's daily e-mail: each running campaign's figures, as the board defines them,
and its conversion once accounts were handed off (docs/metrics.md); in ``results``, above
the board, because it reads both. Sent by ``flask mail daily-summary`` from cron; one
message per staff member and Europe/Rome day, however often the command runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.board import tally_reads
from app.board.metrics import Counts, figures
from app.campaigns.models import Campaign, CampaignStatus
from app.mail.links import external_url
from app.mail.services import keys_used, queue_mail
from app.results.figures import conversion, gather
from app.results.services import local_today
from app.security import Role
from app.users.models import User


@dataclass(frozen=True)
class CampaignSummary:
    code: str
    name: str
    target: Decimal  # the target redemption
    redemption: Decimal | None  # qualified / worked to a final outcome
    calls: int
    qualified: int
    final: int
    conversion: Decimal | None  # qualified accounts that became a sale (results)


def conversion_of(session: Session, campaign_ids: list[int]) -> dict[int, Decimal | None]:
    """Each campaign's conversion (docs/metrics.md: sold / handed off), for the campaigns
    that handed accounts off; until one has, the summary leaves the column out."""
    per_campaign = conversion(gather(session, campaign_ids=set(campaign_ids)), local_today())
    return {
        campaign_id: Decimal(str(round(figures.rate, 4)))
        for campaign_id, figures in per_campaign["campaign"].items()
        if figures.rate is not None
    }


def running_campaigns(session: Session) -> list[CampaignSummary]:
    """The live campaigns being called (active, not practice), by code, with their
    figures in all to date."""
    campaigns = list(
        session.scalars(
            sa.select(Campaign)
            .where(Campaign.status == CampaignStatus.ACTIVE, Campaign.practice.is_(False))
            .order_by(Campaign.code)
        )
    )
    totals = dict(tally_reads.campaign_totals(session))
    conversion = conversion_of(session, [c.id for c in campaigns])
    found = []
    for campaign in campaigns:
        counts = totals.get(campaign.id, Counts())
        found.append(
            CampaignSummary(
                code=campaign.code,
                name=campaign.name,
                target=campaign.target_redemption,
                redemption=figures(counts).redemption,
                calls=counts.attempts,
                qualified=counts.qualified,
                final=counts.final,
                conversion=conversion.get(campaign.id),
            )
        )
    return found


def recipients(session: Session) -> list[User]:
    """Active staff members with an address."""
    return list(
        session.scalars(
            sa.select(User)
            .where(User.role == Role.STAFF, User.active.is_(True), User.email.is_not(None))
            .where(User.email != "")
            .order_by(User.id)
        )
    )


def send_daily_summary(session: Session, day: date) -> int:
    """Queue ``day``'s summary for every staff member who has not had it yet; returns how
    many were queued (0 when the command already ran that day)."""
    prefix = f"daily-summary:{day.isoformat()}:"
    done = keys_used(session, prefix)
    people = [user for user in recipients(session) if f"{prefix}user={user.id}" not in done]
    if not people:
        return 0
    campaigns = running_campaigns(session)
    context = {
        "day": day,
        "campaigns": campaigns,
        "with_conversion": any(c.conversion is not None for c in campaigns),
        "board": external_url("board.home"),
    }
    queued = 0
    for user in people:
        message = queue_mail(
            session,
            to=user.email or "",
            template="daily_summary",
            locale=user.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
            context={**context, "name": user.display_name},
            key=f"{prefix}user={user.id}",
        )
        queued += message is not None
    return queued
