"""What the review pages list: the duplicate pairs waiting for a person, the merges that can
be undone, the accounts with values an import doubted. Reads only; deciding a pair is
``merging``, resolving a doubt is ``app.imports.doubts``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account, AccountFlag, FlagStatus
from app.imports.models import AccountMerge, DuplicatePair, PairStatus

PAIRS_SHOWN = 200
MERGES_SHOWN = 20
DOUBTFUL_SHOWN = 200


def accounts_by_id(session: Session, ids: Iterable[int]) -> dict[int, Account]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(sa.select(Account).where(Account.id.in_(wanted)))}


def _pending() -> sa.Select:
    return (
        sa.select(DuplicatePair)
        .where(DuplicatePair.status == PairStatus.PENDING)
        .order_by(DuplicatePair.score.desc(), DuplicatePair.id)
    )


def pending_pairs(session: Session, limit: int = PAIRS_SHOWN) -> Sequence[DuplicatePair]:
    """The pairs waiting for a person, most alike first."""
    return session.scalars(_pending().limit(limit)).all()


def next_pending_pair(session: Session) -> int | None:
    """The id of the pair to show after a decision: the most alike still waiting."""
    return session.scalar(_pending().with_only_columns(DuplicatePair.id).limit(1))


def recent_merges(session: Session, limit: int = MERGES_SHOWN) -> Sequence[AccountMerge]:
    return session.scalars(
        sa.select(AccountMerge).order_by(AccountMerge.id.desc()).limit(limit)
    ).all()


@dataclass(frozen=True)
class Doubtful:
    """An account with open doubts, and how many."""

    account_id: int
    n: int


def doubtful_accounts(
    session: Session, reason: str | None = None, limit: int = DOUBTFUL_SHOWN
) -> list[Doubtful]:
    """Accounts with open doubts (of one reason, or any), most doubts first."""
    flag = AccountFlag
    query = (
        sa.select(flag.account_id, sa.func.count(flag.id))
        .where(flag.status == FlagStatus.OPEN)
        .group_by(flag.account_id)
        .order_by(sa.func.count(flag.id).desc(), flag.account_id)
        .limit(limit)
    )
    if reason:
        query = query.where(flag.reason == reason)
    return [Doubtful(account_id, n) for account_id, n in session.execute(query)]


def doubt_reasons(session: Session) -> list[tuple[str, int]]:
    """Open doubts by reason, most frequent first."""
    flag = AccountFlag
    rows = session.execute(
        sa.select(flag.reason, sa.func.count(flag.id))
        .where(flag.status == FlagStatus.OPEN)
        .group_by(flag.reason)
        .order_by(sa.func.count(flag.id).desc())
    )
    return [(reason, n) for reason, n in rows]


def doubts_left(session: Session, reason: str | None = None) -> tuple[int, int]:
    """Open doubts: of ``reason`` (or all when none is given), and all."""
    counts = dict(doubt_reasons(session))
    total = sum(counts.values())
    return (counts.get(reason, 0) if reason else total), total


def next_doubt(session: Session, reason: str | None, start: int = 0) -> AccountFlag | None:
    """The open doubt to show: the first from flag id ``start`` on (of ``reason`` when
    given), else from the beginning again (the doubts skipped come back at the end)."""
    query = sa.select(AccountFlag).where(AccountFlag.status == FlagStatus.OPEN)
    if reason:
        query = query.where(AccountFlag.reason == reason)
    query = query.order_by(AccountFlag.id).limit(1)
    found = session.scalar(query.where(AccountFlag.id >= start)) if start else None
    return found or session.scalar(query)


def other_doubts(session: Session, flag: AccountFlag) -> int:
    """The account's open doubts besides ``flag``."""
    return (
        session.scalar(
            sa.select(sa.func.count(AccountFlag.id)).where(
                AccountFlag.account_id == flag.account_id,
                AccountFlag.status == FlagStatus.OPEN,
                AccountFlag.id != flag.id,
            )
        )
        or 0
    )


def pairs_left(session: Session) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(DuplicatePair.id)).where(
                DuplicatePair.status == PairStatus.PENDING
            )
        )
        or 0
    )


def pair_after(session: Session, pair: DuplicatePair | None) -> int | None:
    """The id of the pending pair that follows ``pair`` in the review's order (most alike
    first), else the first one: a skipped pair comes back once the others are decided."""
    if pair is not None:
        later = session.scalar(
            _pending()
            .with_only_columns(DuplicatePair.id)
            .where(
                sa.or_(
                    DuplicatePair.score < pair.score,
                    sa.and_(DuplicatePair.score == pair.score, DuplicatePair.id > pair.id),
                )
            )
            .limit(1)
        )
        if later is not None:
            return later
    return next_pending_pair(session)
