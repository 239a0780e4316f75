"""What the distribution pages list beside the work itself: the salespeople, the names of
the accounts shown, the recent waves and a wave's export runs. Reads only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import Account
from app.distribution.models import ExportRun, Wave
from app.territory.models import Dealer, Salesperson

RECENT_WAVES = 50


def salespeople_by_id(session: Session) -> dict[int, Salesperson]:
    """Every salesperson, with their dealer loaded (the pages show its code)."""
    query = sa.select(Salesperson).options(joinedload(Salesperson.dealer))
    return {person.id: person for person in session.scalars(query)}


def dealer_names(session: Session) -> dict[str, str]:
    """Dealer code -> name, for pages that show a file's dealers (files carry the code)."""
    return dict(session.execute(sa.select(Dealer.code, Dealer.name)).all())


def active_salespeople(session: Session, zone_id: int | None) -> Sequence[Salesperson]:
    """The active salespeople one may make an owner (of the zone, when there is one), by
    dealer and code."""
    query = (
        sa.select(Salesperson)
        .join(Dealer)
        .where(Salesperson.active.is_(True))
        .order_by(Dealer.code, Salesperson.code)
    )
    if zone_id is not None:
        query = query.where(Dealer.zone_id == zone_id)
    return session.scalars(query).all()


def company_names(session: Session, account_ids: Iterable[int]) -> dict[int, str]:
    wanted = list(account_ids)
    if not wanted:
        return {}
    query = sa.select(Account.id, Account.company_name).where(Account.id.in_(wanted))
    return {account_id: name for account_id, name in session.execute(query)}


def recent_waves(session: Session, zone_id: int | None) -> Sequence[Wave]:
    """The newest waves (of the zone, when there is one)."""
    query = sa.select(Wave).order_by(Wave.id.desc()).limit(RECENT_WAVES)
    if zone_id is not None:
        query = query.where(Wave.zone_id == zone_id)
    return session.scalars(query).all()


def export_runs(session: Session, wave: Wave) -> Sequence[ExportRun]:
    """The wave's export runs, newest first."""
    query = sa.select(ExportRun).where(ExportRun.wave_id == wave.id).order_by(ExportRun.id.desc())
    return session.scalars(query).all()
