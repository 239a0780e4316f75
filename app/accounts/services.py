"""Account-level services shared by views, jobs and commands."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.territory.models import Zone


def status_counts(session: Session) -> dict[AccountStatus, int]:
    """Accounts per status, every status present (zero where none)."""
    rows = session.execute(select(Account.status, func.count()).group_by(Account.status))
    counts = dict.fromkeys(AccountStatus, 0)
    counts.update({status: n for status, n in rows})
    return counts


def zone_counts(session: Session) -> list[tuple[str, int]]:
    """Accounts per zone name, with the accounts not yet assigned to a zone last."""
    rows = session.execute(
        select(Zone.name, func.count(Account.id))
        .select_from(Account)
        .outerjoin(Zone, Account.zone_id == Zone.id)
        .group_by(Zone.name)
        .order_by(Zone.name.is_(None), Zone.name)
    ).all()
    return [(name or "", n) for name, n in rows]
