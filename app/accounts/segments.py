"""Segments of the account base (the seed's micro-marketing step): filters, a count, the
plan's arithmetic, and the accounts a campaign's queue takes.

A ``Segment`` is the set of filters a staff member chose; ``conditions`` turns it into SQL
on ``accounts`` (one query, however many filters), so the count is live and cheap. The
arithmetic is the seed's: salespeople x accounts each = qualified accounts needed, divided
by the expected redemption = accounts to call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import (
    Account,
    AccountFlag,
    AccountSource,
    FlagStatus,
    FleetLine,
    TonnageClass,
)
from app.accounts.services import of_zone
from app.accounts.status import AccountStatus
from app.territory.models import Dealer, Province, Salesperson

QUALITY = ("any", "clean", "flagged")  # open doubts: any, none, some


def callable_accounts() -> list[sa.ColumnElement[bool]]:
    """What every account put in a queue must be: off the do-not-call list and not
    anonymised. The segment, the enqueue and the claim all hold to it."""
    return [Account.do_not_call.is_(False), Account.anonymised_at.is_(None)]


@dataclass
class Segment:
    """The chosen filters; empty means "any"."""

    regions: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    zone_ids: list[int] = field(default_factory=list)
    dealer_ids: list[int] = field(default_factory=list)
    tonnage: list[TonnageClass] = field(default_factory=list)
    fleet_min: int | None = None  # vehicles, all brands together
    fleet_max: int | None = None
    brands: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    statuses: list[AccountStatus] = field(default_factory=lambda: [AccountStatus.READY])
    quality: str = "any"
    # Accounts an earlier action qualified (a results file) are left out unless staff ask:
    # they wait for a salesperson, and a second call would only annoy them.
    leave_out_qualified_elsewhere: bool = True
    # Practice accounts instead of the real base: never both (docs/campaigns.md).
    practice: bool = False
    # Not a filter the user picks: the zone a zoned staff member is confined to.
    scope_zone_id: int | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        """The accounts of the segment that may be called: never one on the do-not-call
        list, never an anonymised one (it has no number left to call, docs/privacy.md)."""
        return [*callable_accounts(), *self.filters()]

    def filters(self) -> list[sa.ColumnElement[bool]]:
        """The chosen filters alone (and the user's zone), callable or not; the real base
        or, with ``practice``, the practice accounts."""
        a = Account
        found: list[sa.ColumnElement[bool]] = [a.practice.is_(self.practice)]
        if self.scope_zone_id is not None:
            found.append(of_zone(self.scope_zone_id))
        if self.statuses:
            found.append(a.status.in_(self.statuses))
        if self.leave_out_qualified_elsewhere:
            found.append(a.qualified_elsewhere_on.is_(None))
        if self.regions:
            in_regions = sa.select(Province.code).where(Province.region.in_(self.regions))
            found.append(a.province.in_(in_regions))
        if self.provinces:
            found.append(a.province.in_(self.provinces))
        if self.zone_ids:
            found.append(a.zone_id.in_(self.zone_ids))
        if self.dealer_ids:
            found.append(a.dealer_id.in_(self.dealer_ids))
        if self.tonnage:
            found.append(a.tonnage_class.in_(self.tonnage))
        if self.fleet_min is not None or self.fleet_max is not None:
            vehicles = (
                sa.select(sa.func.coalesce(sa.func.sum(FleetLine.vehicle_count), 0))
                .where(FleetLine.account_id == a.id)
                .scalar_subquery()
            )
            if self.fleet_min is not None:
                found.append(vehicles >= self.fleet_min)
            if self.fleet_max is not None:
                found.append(vehicles <= self.fleet_max)
        if self.brands:
            upper = [b.strip().upper() for b in self.brands]
            found.append(
                sa.exists().where(
                    FleetLine.account_id == a.id, sa.func.upper(FleetLine.brand).in_(upper)
                )
            )
        if self.sources:
            found.append(
                sa.exists().where(
                    AccountSource.account_id == a.id, AccountSource.source_kind.in_(self.sources)
                )
            )
        if self.quality != "any":
            doubts = sa.exists().where(
                AccountFlag.account_id == a.id, AccountFlag.status == FlagStatus.OPEN
            )
            found.append(doubts if self.quality == "flagged" else ~doubts)
        return found


def count(session: Session, segment: Segment) -> int:
    query = sa.select(sa.func.count()).select_from(Account).where(*segment.conditions())
    return session.scalar(query) or 0


def count_do_not_call(session: Session, segment: Segment) -> int:
    """Accounts the filters match that the do-not-call list keeps out."""
    query = (
        sa.select(sa.func.count())
        .select_from(Account)
        .where(*segment.filters(), Account.do_not_call.is_(True))
    )
    return session.scalar(query) or 0


def account_ids(session: Session, segment: Segment, limit: int | None = None) -> list[int]:
    """The segment's accounts, oldest first."""
    query = sa.select(Account.id).where(*segment.conditions()).order_by(Account.id)
    return list(session.scalars(query.limit(limit)))


@dataclass(frozen=True)
class Plan:
    """The seed's arithmetic: what the salespeople need, and what must be called for it."""

    salespeople: int
    accounts_each: int
    redemption: Decimal  # expected share of called accounts that end qualified, 0-1
    matching: int  # accounts in the segment

    @property
    def qualified_needed(self) -> int:
        return self.salespeople * self.accounts_each

    @property
    def to_call(self) -> int:
        if self.redemption <= 0:
            return 0
        return math.ceil(self.qualified_needed / self.redemption)

    @property
    def coverage(self) -> Decimal | None:
        """Share of the accounts to call that the segment holds (1 = enough)."""
        if self.to_call == 0:
            return None
        return Decimal(self.matching) / Decimal(self.to_call)


def active_salespeople(session: Session, segment: Segment) -> int:
    """Salespeople of the segment's dealers (or zones), or all active ones."""
    query = sa.select(sa.func.count(Salesperson.id)).where(Salesperson.active.is_(True))
    if segment.dealer_ids:
        query = query.where(Salesperson.dealer_id.in_(segment.dealer_ids))
    elif segment.zone_ids:
        dealers = sa.select(Dealer.id).where(Dealer.zone_id.in_(segment.zone_ids))
        query = query.where(Salesperson.dealer_id.in_(dealers))
    if segment.scope_zone_id is not None:
        zoned = sa.select(Dealer.id).where(Dealer.zone_id == segment.scope_zone_id)
        query = query.where(Salesperson.dealer_id.in_(zoned))
    return session.scalar(query) or 0
