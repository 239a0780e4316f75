"""The legal interval: how old the last check of the opposition register may be.

The register's answer is valid for ``DNC_MAX_AGE_DAYS`` days (15 under DPR 178/2010), and
DPR 26/2022 asks for a check every month and before each campaign. The claim always checks
the live list, so every campaign is checked against the newest registry extract: its date
is the campaign's last check. A campaign warns (it is never blocked) when

* no registry extract was ever loaded;
* the newest one is older than the interval (day ``max_age`` is still valid);
* it has a start day (``starts_on``, else the day it was first activated) and no extract
  is dated within the interval before that day: the check before the campaign is missing
  (or, for a campaign that starts later, the newest extract will be too old by then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.campaigns.models import Campaign, CampaignStatus
from app.donotcall.models import DncEntry, DncList, DncSource
from app.users.models import User


def max_age_days() -> int:
    return int(current_app.config["DNC_MAX_AGE_DAYS"])


def local_today() -> date:
    """Today in the application's time zone (the register's dates are Italian days)."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


@dataclass(frozen=True)
class RegisterCheck:
    """The newest registry extract's date, its age and the interval it is held to."""

    list_date: date | None
    age_days: int | None
    max_age: int

    @property
    def never(self) -> bool:
        return self.list_date is None

    @property
    def stale(self) -> bool:
        return self.age_days is None or self.age_days > self.max_age

    def warning(self) -> str | None:
        """The list's own warning, whatever the campaign."""
        if self.never:
            return _(
                "No extract of the opposition register has been loaded: load one before calling."
            )
        if self.stale:
            return _(
                "The opposition register was last checked on %(date)s, %(days)s days ago: "
                "more than the %(max)s days allowed. Load a new extract.",
                date=self.list_date.isoformat(),
                days=self.age_days,
                max=self.max_age,
            )
        return None


def register_check(session: Session, today: date, max_age: int | None = None) -> RegisterCheck:
    newest = session.scalar(
        sa.select(sa.func.max(DncList.list_date)).where(DncList.source == DncSource.REGISTRY)
    )
    max_age = max_age_days() if max_age is None else max_age
    return RegisterCheck(newest, None if newest is None else (today - newest).days, max_age)


def started_on(session: Session, campaign: Campaign) -> date | None:
    """The campaign's start day: ``starts_on``, else the (local) day it first became
    active, from the audit log; None for a campaign never started nor planned."""
    if campaign.starts_on is not None:
        return campaign.starts_on
    moves = session.execute(
        sa.select(AuditEntry.at, AuditEntry.details)
        .where(
            AuditEntry.action == "campaign.status",
            AuditEntry.object_type == Campaign.__tablename__,
            AuditEntry.object_id == str(campaign.id),
        )
        .order_by(AuditEntry.at)
    ).all()
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    for at, details in moves:
        if (details or {}).get("new") == CampaignStatus.ACTIVE.value:
            return at.astimezone(zone).date()
    return None


def _checked_before(session: Session, start: date, max_age: int) -> bool:
    return bool(
        session.scalar(
            sa.select(
                sa.exists().where(
                    DncList.source == DncSource.REGISTRY,
                    DncList.list_date <= start,
                    DncList.list_date >= start - timedelta(days=max_age),
                )
            )
        )
    )


def campaign_check_warning(
    session: Session,
    campaign: Campaign,
    today: date,
    max_age: int | None = None,
    check: RegisterCheck | None = None,
) -> str | None:
    """Why the campaign's do-not-call check falls short of the law, or None. A closed
    campaign calls no one and never warns; nor does a practice campaign, which phones
    nobody (docs/campaigns.md)."""
    if campaign.status == CampaignStatus.CLOSED or campaign.practice:
        return None
    check = check or register_check(session, today, max_age)
    if check.never or check.stale:
        return check.warning()
    start = started_on(session, campaign)
    if start is None or _checked_before(session, start, check.max_age):
        return None
    if start > today:
        return _(
            "Check the opposition register again before this campaign starts on %(date)s: "
            "the newest extract (%(list_date)s) will be more than %(max)s days old by then.",
            date=start.isoformat(),
            list_date=check.list_date.isoformat(),
            max=check.max_age,
        )
    return _(
        "The opposition register was not checked in the %(max)s days before this campaign "
        "started on %(date)s.",
        max=check.max_age,
        date=start.isoformat(),
    )


def campaign_warnings(
    session: Session, today: date, max_age: int | None = None
) -> list[tuple[Campaign, str]]:
    """Every open campaign that warns, with its warning, by code."""
    check = register_check(session, today, max_age)
    campaigns = session.scalars(
        sa.select(Campaign).where(Campaign.status != CampaignStatus.CLOSED).order_by(Campaign.code)
    ).all()
    found = []
    for campaign in campaigns:
        warning = campaign_check_warning(session, campaign, today, check=check)
        if warning:
            found.append((campaign, warning))
    return found


def entries_by_source(session: Session) -> dict[DncSource, int]:
    counts = dict(
        session.execute(sa.select(DncEntry.source, sa.func.count()).group_by(DncEntry.source)).all()
    )
    return {source: int(counts.get(source, 0)) for source in DncSource}


def recent_lists(session: Session, limit: int = 50) -> list[tuple[DncList, str | None]]:
    """The lists loaded, newest first, with who loaded them."""
    return list(
        session.execute(
            sa.select(DncList, User.username)
            .outerjoin(User, User.id == DncList.created_by_id)
            .order_by(DncList.list_date.desc(), DncList.id.desc())
            .limit(limit)
        ).all()
    )
