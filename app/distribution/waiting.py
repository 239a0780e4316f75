"""The qualified accounts waiting for a salesperson, with what routes each: its owner, its
purchase horizon, and the place of the site its call qualified (docs/exports.md, "Sites")."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.accounts.models import Account, AccountSite, Opportunity
from app.accounts.services import of_zone
from app.accounts.status import AccountStatus
from app.desk.models import CallAttempt
from app.distribution.assignment import Candidate
from app.distribution.models import WaveAccount


def distributable() -> list[sa.ColumnElement[bool]]:
    """What an account handed to a salesperson must be: qualified, and a real company (a
    practice account, qualified on a practice call, never reaches the sales force)."""
    return [Account.status == AccountStatus.QUALIFIED, Account.practice.is_(False)]


def qualified_site_id() -> sa.ScalarSelect[int | None]:
    """The site the account's last final call qualified (None: its head office), for a
    query on ``Account``."""
    c = CallAttempt
    return (
        sa.select(c.site_id)
        .where(c.account_id == Account.id, c.final.is_(True))
        .order_by(c.ended_at.desc(), c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def candidates(session: Session, zone_id: int | None = None) -> list[Candidate]:
    """Qualified accounts that no live wave holds, with their latest purchase horizon and
    the place of the site their call qualified; only ``zone_id``'s accounts when given."""
    latest_opportunity = (
        sa.select(Opportunity.account_id, sa.func.max(Opportunity.id).label("id"))
        .group_by(Opportunity.account_id)
        .subquery()
    )
    qualified_at = (
        sa.select(CallAttempt.account_id, sa.func.max(CallAttempt.ended_at).label("at"))
        .where(CallAttempt.final.is_(True))
        .group_by(CallAttempt.account_id)
        .subquery()
    )
    held = sa.select(WaveAccount.id).where(WaveAccount.account_id == Account.id).exists()
    # Another site than the head office, when the call qualified one (the head office's
    # place is the account's own).
    site = aliased(AccountSite)
    other_site = sa.and_(
        site.id == qualified_site_id(), site.account_id == Account.id, ~site.head_office
    )
    query = (
        sa.select(
            Account.id,
            Account.key,
            Account.salesperson_id,
            sa.case((site.id.is_(None), Account.province), else_=site.province).label("province"),
            sa.case((site.id.is_(None), Account.postcode), else_=site.postcode).label("postcode"),
            sa.case((site.id.is_(None), Account.istat_code), else_=site.istat_code).label(
                "istat_code"
            ),
            site.id.label("site_id"),
            Account.dealer_id,
            Opportunity.horizon,
            qualified_at.c.at,
        )
        .outerjoin(latest_opportunity, latest_opportunity.c.account_id == Account.id)
        .outerjoin(Opportunity, Opportunity.id == latest_opportunity.c.id)
        .outerjoin(qualified_at, qualified_at.c.account_id == Account.id)
        .outerjoin(site, other_site)
        .where(*distributable(), ~held)
    )
    if zone_id is not None:
        query = query.where(of_zone(zone_id))
    return [
        Candidate(
            account_id=row.id,
            key=row.key,
            owner_id=row.salesperson_id,
            province=row.province,
            postcode=row.postcode,
            istat_code=row.istat_code,
            dealer_id=row.dealer_id,
            head_office=row.site_id is None,
            horizon=row.horizon.value if row.horizon is not None else "none",
            qualified_at=row.at,
        )
        for row in session.execute(query)
    ]
