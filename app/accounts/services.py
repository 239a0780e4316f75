"""Account-level services shared by views, jobs and commands."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.territory.models import Dealer, Zone


def of_zone(zone_id: int) -> sa.ColumnElement[bool]:
    """Accounts of a zone: their own zone, or, when import left it empty, their dealer's.
    Zoned staff see and hand out only these (docs/access.md)."""
    dealers = select(Dealer.id).where(Dealer.zone_id == zone_id)
    return sa.or_(
        Account.zone_id == zone_id,
        sa.and_(Account.zone_id.is_(None), Account.dealer_id.in_(dealers)),
    )


def zone_of(session: Session, account: Account) -> int | None:
    """The zone ``of_zone`` puts ``account`` in: its own, else its dealer's."""
    if account.zone_id is not None or account.dealer_id is None:
        return account.zone_id
    return session.scalar(select(Dealer.zone_id).where(Dealer.id == account.dealer_id))


def status_counts(
    session: Session, zone_id: int | None = None, *, practice: bool = False
) -> dict[AccountStatus, int]:
    """Accounts per status, every status present (zero where none); one zone's if given;
    the real base, or the practice accounts with ``practice``."""
    query = (
        select(Account.status, func.count())
        .where(Account.practice.is_(practice))
        .group_by(Account.status)
    )
    if zone_id is not None:
        query = query.where(of_zone(zone_id))
    rows = session.execute(query)
    counts = dict.fromkeys(AccountStatus, 0)
    counts.update({status: n for status, n in rows})
    return counts


def zone_counts(session: Session, zone_id: int | None = None) -> list[tuple[str, int]]:
    """Real accounts (practice ones left out) per zone name, with the accounts not yet
    assigned to a zone last; only ``zone_id``'s accounts when given."""
    query = (
        select(Zone.name, func.count(Account.id))
        .select_from(Account)
        .where(Account.practice.is_(False))
        .outerjoin(Zone, Account.zone_id == Zone.id)
        .group_by(Zone.name)
        .order_by(Zone.name.is_(None), Zone.name)
    )
    if zone_id is not None:
        query = query.where(of_zone(zone_id))
    rows = session.execute(query).all()
    return [(name or "", n) for name, n in rows]
