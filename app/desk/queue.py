"""The campaign queue: who calls which account next, under a lease.

An agent *claims* one entry and holds it under a lease that the open desk renews; an
abandoned lease expires and the entry goes back to the queue. On PostgreSQL the claim locks
its row with ``FOR UPDATE SKIP LOCKED``, so concurrent claimers pass over each other's
candidates instead of queueing behind them; on SQLite the claim runs in a transaction that
holds the database's single write lock (``WRITE_LOCK``), so two claims run one after the
other. Either way an entry is never handed to two agents. See ``docs/queue.md``.

Services flush and never commit: the caller commits once, which releases the row locks.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from app.accounts.models import Account
from app.accounts.status import AccountStatus, check_transition
from app.campaigns.calendar import is_callable, next_callable
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.columns import utcnow
from app.extensions import WRITE_LOCK

# Expired leases returned to the queue by one claim; the next claims take the rest.
RETURN_BATCH = 100
# Ids per IN (...) list when enqueueing, well below SQLite's bound-parameter limit.
ENQUEUE_CHUNK = 500


class Rescheduled(enum.StrEnum):
    """What ``reschedule`` did with an entry, so the caller can set the account's status."""

    DONE = "done"  # final outcome: the caller sets the account's final status
    CALLBACK = "callback"  # waiting for a callback at the chosen time
    RETRY = "retry"  # waiting for the next attempt
    EXHAUSTED = "exhausted"  # max attempts reached: the caller marks the account UNREACHABLE


class LeaseLost(RuntimeError):
    """The agent no longer holds the entry: its lease expired and another agent took it."""


@dataclass(frozen=True)
class QueueDepth:
    """A campaign queue at a glance, for the supervisor's board."""

    waiting_due: int  # may be served now (abandoned leases included)
    waiting_later: int  # scheduled for later (retries and callbacks not yet due)
    leased: int  # held by an agent under a live lease
    callbacks_due: int  # due, still within the personal grace period
    callbacks_overdue: int  # past the grace period: any agent may take them


def begin_write(session: Session) -> None:
    """Open the transaction with SQLite's write lock taken at BEGIN (PostgreSQL ignores it).

    The services call it, but it only works before the transaction's first statement: a
    caller that reads first (say, loads the campaign) should call it before that read. On
    SQLite a transaction that read and then writes after another writer's commit fails
    ("database is locked") rather than double-assign; opened this way it waits its turn.
    """
    real = session() if isinstance(session, scoped_session) else session  # Flask-SQLAlchemy's
    if not real.in_transaction():
        real.connection(execution_options=WRITE_LOCK)


def _set_status(account: Account, target: AccountStatus) -> None:
    if account.status != target:
        account.status = check_transition(account.status, target)


def _not_do_not_call() -> sa.ColumnElement[bool]:
    return sa.and_(Account.do_not_call.is_(False), Account.status != AccountStatus.DO_NOT_CALL)


def enqueue_accounts(
    session: Session,
    campaign: Campaign,
    account_ids: Iterable[int],
    priority: int = 0,
    now: datetime | None = None,
) -> int:
    """Put accounts in the campaign's queue, due at once; return how many were added.

    Accounts on the do-not-call list and accounts already in this campaign are skipped;
    the others become QUEUED (``TransitionError`` if their status does not allow it).
    """
    now = now or utcnow()
    ids = sorted(set(account_ids))
    added = 0
    for first in range(0, len(ids), ENQUEUE_CHUNK):
        chunk = ids[first : first + ENQUEUE_CHUNK]
        already = sa.select(QueueEntry.account_id).where(QueueEntry.campaign_id == campaign.id)
        accounts = session.scalars(
            sa.select(Account)
            .where(Account.id.in_(chunk), _not_do_not_call(), Account.id.not_in(already))
            .order_by(Account.id)
        ).all()
        for account in accounts:
            _set_status(account, AccountStatus.QUEUED)
            session.add(
                QueueEntry(
                    campaign_id=campaign.id,
                    account_id=account.id,
                    priority=priority,
                    state=QueueState.WAITING,
                    created_at=now,
                )
            )
        added += len(accounts)
        session.flush()
    return added


def _held_by(session: Session, campaign: Campaign, agent_id: int, now: datetime):
    return session.scalars(
        sa.select(QueueEntry)
        .where(
            QueueEntry.campaign_id == campaign.id,
            QueueEntry.state == QueueState.LEASED,
            QueueEntry.lease_holder_id == agent_id,
            QueueEntry.lease_expires_at > now,
        )
        .order_by(QueueEntry.lease_expires_at.desc())
        .limit(1)
    ).first()


def _give_back(entry: QueueEntry, account: Account, *, campaign_closed: bool = False) -> None:
    """Return a leased entry to the queue, in its old place, and its account with it; in a
    closed campaign nobody will call again, so the entry ends and the account is ready."""
    entry.state = QueueState.DONE if campaign_closed else QueueState.WAITING
    entry.lease_holder_id = None
    entry.lease_expires_at = None
    if account.status == AccountStatus.IN_CALL:
        if campaign_closed:
            target = AccountStatus.QUEUED  # then READY: the machine goes through the queue
            account.status = check_transition(account.status, target)
            target = AccountStatus.READY
        else:
            target = AccountStatus.CALLBACK if entry.is_callback else AccountStatus.QUEUED
        account.status = check_transition(account.status, target)


def _return_abandoned(session: Session, now: datetime) -> None:
    """Give back entries whose lease expired, in any campaign (the lease index finds them
    without looking at the rest of the queue); rows another claim is handling are skipped."""
    entries = session.scalars(
        sa.select(QueueEntry)
        .where(QueueEntry.state == QueueState.LEASED, QueueEntry.lease_expires_at <= now)
        .order_by(QueueEntry.lease_expires_at)
        .limit(RETURN_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    closed = set(
        session.scalars(sa.select(Campaign.id).where(Campaign.status == CampaignStatus.CLOSED))
    )
    for entry in entries:
        account = session.get_one(Account, entry.account_id)
        _give_back(entry, account, campaign_closed=entry.campaign_id in closed)


def _candidates(campaign: Campaign, agent_id: int, now: datetime) -> Sequence[sa.Select]:
    """The claim's queries, tried in order: due callbacks (this agent's first, then shared
    ones), then the rest by priority and age. Two queries rather than one so that the
    second can walk an index in its ORDER BY instead of sorting the whole queue."""
    base = (
        sa.select(QueueEntry, Account)
        .join(Account, Account.id == QueueEntry.account_id)
        .where(
            QueueEntry.campaign_id == campaign.id,
            QueueEntry.state == QueueState.WAITING,
            _not_do_not_call(),
        )
    )
    grace_ended = now - timedelta(minutes=campaign.callback_grace_minutes)
    mine = QueueEntry.callback_agent_id == agent_id
    callbacks = base.where(
        QueueEntry.is_callback.is_(True),
        QueueEntry.next_call_at <= now,
        sa.or_(
            mine, QueueEntry.callback_agent_id.is_(None), QueueEntry.next_call_at <= grace_ended
        ),
    ).order_by(sa.case((mine, 0), else_=1), QueueEntry.next_call_at, QueueEntry.id)
    others = base.where(
        QueueEntry.is_callback.is_(False),
        sa.or_(QueueEntry.next_call_at.is_(None), QueueEntry.next_call_at <= now),
    ).order_by(
        QueueEntry.priority.desc(),
        QueueEntry.next_call_at.asc().nulls_first(),
        QueueEntry.created_at,
        QueueEntry.id,
    )
    return [
        q.limit(1).with_for_update(of=QueueEntry, skip_locked=True) for q in (callbacks, others)
    ]


def claim_next(
    session: Session, campaign: Campaign, agent_id: int, now: datetime | None = None
) -> QueueEntry | None:
    """Lease the next account of ``campaign`` to the agent, or None if there is none to call.

    An agent who already holds a live lease in the campaign gets the same entry back, so a
    reloaded desk shows the call in progress. Nothing is served outside calling hours or
    while the campaign is not active.
    """
    begin_write(session)
    now = now or utcnow()
    if campaign.status != CampaignStatus.ACTIVE:
        return None
    held = _held_by(session, campaign, agent_id, now)
    if held is not None:
        return held
    if not is_callable(now, campaign.calling_hours):
        return None
    _return_abandoned(session, now)
    for query in _candidates(campaign, agent_id, now):
        row = session.execute(query).first()
        if row is not None:
            break
    else:
        session.flush()
        return None
    entry, account = row
    _set_status(account, AccountStatus.IN_CALL)
    entry.state = QueueState.LEASED
    entry.lease_holder_id = agent_id
    entry.lease_expires_at = now + timedelta(minutes=campaign.lease_minutes)
    session.flush()
    return entry


def renew_lease(
    session: Session, entry_id: int, agent_id: int, now: datetime | None = None
) -> datetime | None:
    """Extend the agent's lease; None if the agent no longer holds the entry.

    A lease that expired but that nobody has taken yet is still the agent's: renewing it is
    what a desk coming back from a throttled background tab does.
    """
    begin_write(session)
    now = now or utcnow()
    row = session.execute(
        sa.select(QueueEntry, Campaign.lease_minutes)
        .join(Campaign, Campaign.id == QueueEntry.campaign_id)
        .where(
            QueueEntry.id == entry_id,
            QueueEntry.state == QueueState.LEASED,
            QueueEntry.lease_holder_id == agent_id,
        )
        .with_for_update(of=QueueEntry)
    ).first()
    if row is None:
        return None
    entry, lease_minutes = row
    entry.lease_expires_at = now + timedelta(minutes=lease_minutes)
    session.flush()
    return entry.lease_expires_at


def _lock(session: Session, entry: QueueEntry) -> tuple[Account, Campaign]:
    """Re-read the entry under a row lock (a claim may have taken an expired lease since it
    was loaded), with its account and campaign, in one query."""
    _, account, campaign = session.execute(
        sa.select(QueueEntry, Account, Campaign)
        .join(Account, Account.id == QueueEntry.account_id)
        .join(Campaign, Campaign.id == QueueEntry.campaign_id)
        .where(QueueEntry.id == entry.id)
        .with_for_update(of=QueueEntry)
        .execution_options(populate_existing=True)
    ).one()
    return account, campaign


def release(session: Session, entry: QueueEntry, agent_id: int) -> bool:
    """Give the entry back without an outcome; False if the agent no longer held it."""
    begin_write(session)
    account, campaign = _lock(session, entry)
    if entry.state != QueueState.LEASED or entry.lease_holder_id != agent_id:
        return False
    _give_back(entry, account, campaign_closed=campaign.status == CampaignStatus.CLOSED)
    session.flush()
    return True


def reschedule(
    session: Session,
    entry: QueueEntry,
    *,
    now: datetime,
    retry_after_minutes: int | None,
    final: bool,
    callback_at: datetime | None,
    callback_agent_id: int | None,
    holder_id: int | None = None,
) -> Rescheduled:
    """Place the entry after an outcome: done, a callback, or a retry within calling hours.

    Counts the attempt and ends the lease. For a retry ``retry_after_minutes`` is required;
    past the campaign's ``max_attempts`` the entry is done and the result says EXHAUSTED.
    The account becomes CALLBACK or QUEUED when the entry waits again; final statuses are
    the caller's, who knows the outcome. With ``holder_id``, raises ``LeaseLost`` unless
    that agent still holds the entry once it is locked (another agent may have taken an
    expired lease since the caller loaded it).
    """
    begin_write(session)
    account, campaign = _lock(session, entry)
    if holder_id is not None and (
        entry.state != QueueState.LEASED or entry.lease_holder_id != holder_id
    ):
        raise LeaseLost(entry.id)
    entry.attempts += 1
    entry.lease_holder_id = None
    entry.lease_expires_at = None
    entry.is_callback = False
    entry.callback_agent_id = None
    if final:
        entry.state = QueueState.DONE
        result = Rescheduled.DONE
    elif callback_at is not None:
        entry.state = QueueState.WAITING
        entry.is_callback = True
        entry.next_call_at = callback_at
        entry.callback_agent_id = callback_agent_id
        _set_status(account, AccountStatus.CALLBACK)
        result = Rescheduled.CALLBACK
    elif retry_after_minutes is None:
        raise ValueError("a retry needs retry_after_minutes (or final, or callback_at)")
    elif entry.attempts >= campaign.max_attempts:
        entry.state = QueueState.DONE
        result = Rescheduled.EXHAUSTED
    else:
        entry.state = QueueState.WAITING
        later = now + timedelta(minutes=retry_after_minutes)
        entry.next_call_at = next_callable(later, campaign.calling_hours)
        _set_status(account, AccountStatus.QUEUED)
        result = Rescheduled.RETRY
    session.flush()
    return result


def queue_depth(session: Session, campaign: Campaign, now: datetime) -> QueueDepth:
    """Count the campaign's entries by what they are waiting for, in one query."""
    waiting = QueueEntry.state == QueueState.WAITING
    due = sa.or_(QueueEntry.next_call_at.is_(None), QueueEntry.next_call_at <= now)
    grace_ended = now - timedelta(minutes=campaign.callback_grace_minutes)
    live = QueueEntry.lease_expires_at > now
    callback_due = sa.and_(waiting, QueueEntry.is_callback.is_(True), due)

    def count(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.count().filter(sa.and_(*conditions))

    row = session.execute(
        sa.select(
            count(
                sa.or_(
                    sa.and_(waiting, QueueEntry.is_callback.is_(False), due),
                    sa.and_(QueueEntry.state == QueueState.LEASED, sa.not_(live)),
                )
            ),
            count(waiting, sa.not_(due)),
            count(QueueEntry.state == QueueState.LEASED, live),
            count(callback_due, QueueEntry.next_call_at > grace_ended),
            count(callback_due, QueueEntry.next_call_at <= grace_ended),
        ).where(QueueEntry.campaign_id == campaign.id)
    ).one()
    return QueueDepth(*(int(value or 0) for value in row))
