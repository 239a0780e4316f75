"""The campaign queue: who calls which account next, under a lease.

An agent *claims* one entry and holds it under a lease that the open desk renews; an
abandoned lease expires and the entry goes back to the queue. The claim and the end of a
call are set-based writes (``queue_writes``). On PostgreSQL the claim locks
its row with ``FOR UPDATE SKIP LOCKED``, so concurrent claimers pass over each other's
candidates instead of queueing behind them; on SQLite the claim runs in a transaction that
holds the database's single write lock (``WRITE_LOCK``), so two claims run one after the
other. Either way an entry is never handed to two agents. See ``docs/queue.md``.

Services flush and never commit: the caller commits once, which releases the row locks.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from app.accounts.models import Account
from app.accounts.status import AccountStatus, check_transition
from app.audit.services import record
from app.campaigns.calendar import is_callable, next_callable
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.columns import utcnow
from app.desk import queue_writes
from app.desk.queue_writes import Claimed
from app.extensions import WRITE_LOCK

# Ids per IN (...) list when enqueueing, well below SQLite's bound-parameter limit.
ENQUEUE_CHUNK = 500


class Rescheduled(enum.StrEnum):
    """What ``reschedule`` did with an entry, so the caller can set the account's status."""

    DONE = "done"  # final outcome: the account gets the outcome's status
    CALLBACK = "callback"  # waiting for a callback at the chosen time
    RETRY = "retry"  # waiting for the next attempt
    EXHAUSTED = "exhausted"  # max attempts reached: the account is UNREACHABLE
    WITHDRAWN = "withdrawn"  # the campaign closed during the call: the account is READY


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


def _give_back(entry: QueueEntry, account: Account, *, campaign_closed: bool = False) -> None:
    """Return a leased entry to the queue, in its old place, and its account with it; in a
    closed campaign nobody will call again, so the entry ends and the account is ready."""
    entry.state = QueueState.DONE if campaign_closed else QueueState.WAITING
    entry.lease_holder_id = None
    entry.lease_expires_at = None
    if account.status == AccountStatus.IN_CALL:
        if campaign_closed:
            target = AccountStatus.READY
        else:
            target = AccountStatus.CALLBACK if entry.is_callback else AccountStatus.QUEUED
        account.status = check_transition(account.status, target)


def claim(
    session: Session, campaign: Campaign, agent_id: int, now: datetime | None = None
) -> Claimed | None:
    """Lease the next account of ``campaign`` to the agent, or None if there is none to call.

    An agent who already holds a live lease in the campaign gets the same entry back (its
    lease renewed), so a reloaded desk shows the call in progress. Nothing is served
    outside calling hours or while the campaign is not active. Abandoned leases of any
    campaign go back to the queue first. One statement on PostgreSQL (``queue_writes``).
    """
    begin_write(session)
    now = now or utcnow()
    if campaign.status != CampaignStatus.ACTIVE or not is_callable(now, campaign.calling_hours):
        return None
    return queue_writes.claim(session, campaign, agent_id, now)


def claim_next(
    session: Session, campaign: Campaign, agent_id: int, now: datetime | None = None
) -> QueueEntry | None:
    """``claim``, returning the entry as an ORM object (one more query) for callers that
    read it; the desk's hot path uses ``claim``."""
    claimed = claim(session, campaign, agent_id, now)
    return None if claimed is None else session.get_one(QueueEntry, claimed.entry_id)


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


def release_held(session: Session, entry: QueueEntry, *, by: int) -> int | None:
    """A supervisor gives a held entry back to the queue (an agent's browser died, or they
    left with an account on screen): the holder's id, or None when nobody held it any
    more. Recorded in the audit log."""
    begin_write(session)
    account, campaign = _lock(session, entry)
    if entry.state != QueueState.LEASED:
        return None
    holder = entry.lease_holder_id
    _give_back(entry, account, campaign_closed=campaign.status == CampaignStatus.CLOSED)
    session.flush()
    record(session, "queue.release", user_id=by, obj=entry, holder_id=holder,
           account_id=account.id)  # fmt: skip
    return holder


@dataclass(frozen=True)
class Ended:
    """What ``end_call`` wrote: where the entry went, and the call's row if it made one."""

    result: Rescheduled
    account_id: int
    attempt_id: int | None


def end_call(
    session: Session,
    entry: QueueEntry | int,
    *,
    now: datetime,
    campaign: Campaign | None = None,
    retry_after_minutes: int | None,
    final: bool,
    callback_at: datetime | None,
    callback_agent_id: int | None,
    holder_id: int | None = None,
    final_status: AccountStatus | None = None,
    attempt: Mapping[str, Any] | None = None,
) -> Ended:
    """Place the entry after an outcome (done, a callback, or a retry within calling hours),
    move its account on and, with ``attempt``, record the call: one statement on PostgreSQL.

    Counts the attempt and ends the lease. A retry needs ``retry_after_minutes``; past the
    campaign's ``max_attempts`` the entry is done and the account UNREACHABLE (EXHAUSTED).
    A final outcome sets the account to ``final_status`` (left alone when None). If the
    campaign was closed meanwhile, a callback or retry ends the entry instead (WITHDRAWN)
    and the account is READY. With ``holder_id``, raises ``LeaseLost`` unless that agent
    still holds the entry (another agent may have taken an expired lease since).
    """
    begin_write(session)
    entry_id = entry if isinstance(entry, int) else entry.id
    if campaign is None:
        campaign_id = entry.campaign_id if isinstance(entry, QueueEntry) else None
        if campaign_id is None:
            campaign_id = session.scalar(
                sa.select(QueueEntry.campaign_id).where(QueueEntry.id == entry_id)
            )
        campaign = session.get_one(Campaign, campaign_id)
    if not final and callback_at is None and retry_after_minutes is None:
        raise ValueError("a retry needs retry_after_minutes (or final, or callback_at)")
    retry_at = None
    if not final and callback_at is None and retry_after_minutes is not None:
        later = now + timedelta(minutes=retry_after_minutes)
        retry_at = next_callable(later, campaign.calling_hours)
    placement = queue_writes.Placement(
        final=final,
        final_status=final_status,
        callback_at=None if final else callback_at,
        callback_agent_id=callback_agent_id,
        retry_at=retry_at,
        max_attempts=campaign.max_attempts,
    )
    done = queue_writes.finish(
        session, entry_id, holder_id=holder_id, now=now, placement=placement, attempt=attempt
    )
    if done is None:
        if holder_id is not None:
            raise LeaseLost(entry_id)
        raise LookupError(f"queue entry {entry_id} does not exist")
    if final:
        result = Rescheduled.DONE
    elif done.closed:
        result = Rescheduled.WITHDRAWN
    elif done.entry_state == QueueState.DONE:
        result = Rescheduled.EXHAUSTED
    else:
        result = Rescheduled.CALLBACK if callback_at is not None else Rescheduled.RETRY
    return Ended(result, done.account_id, done.attempt_id)


def reschedule(session: Session, entry: QueueEntry | int, **options: Any) -> Rescheduled:
    """``end_call`` for callers that only need to know where the entry went."""
    return end_call(session, entry, **options).result


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
