"""Leases on queue entries: the claim, its renewal, and giving an entry back.

An agent *claims* one entry and holds it under a lease that the open desk renews; an
abandoned lease expires and the entry goes back to the queue. On PostgreSQL the claim
locks its row with ``FOR UPDATE SKIP LOCKED``, so concurrent claimers pass over each
other's candidates instead of queueing behind them; on SQLite the claim runs in a
transaction that holds the database's single write lock (``WRITE_LOCK``), so two claims run
one after the other. Either way an entry is never handed to two agents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.accounts.models import Account
from app.accounts.status import AccountStatus, check_transition
from app.audit.services import record
from app.campaigns.calendar import is_callable
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.campaigns.teams import may_work
from app.columns import UTCDateTime, utcnow
from app.desk.queue import claim_sql
from app.desk.queue.sql import CP, QE, Claimed
from app.extensions import begin_write
from app.scripting.models import CallScript
from app.users.models import User

CS = CallScript.__table__


class LeaseLost(RuntimeError):
    """The agent no longer holds the entry: its lease expired and another agent took it."""


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
    outside calling hours (a practice campaign has none), while the campaign is not active,
    or to an agent whose team may not work it (``campaigns.teams.may_work``). Abandoned
    leases of any campaign go back to the queue first. One statement on PostgreSQL
    (``claim_sql``).
    """
    begin_write(session)
    now = now or utcnow()
    if campaign.status != CampaignStatus.ACTIVE or not is_callable(now, campaign.serving_hours):
        return None
    agent = session.get(User, agent_id)
    if agent is None or not may_work(session, campaign, agent):
        return None
    return claim_sql.claim(session, campaign, agent_id, now)


def claim_next(
    session: Session, campaign: Campaign, agent_id: int, now: datetime | None = None
) -> QueueEntry | None:
    """``claim``, returning the entry as an ORM object (one more query) for callers that
    read it; the desk's hot path uses ``claim``."""
    claimed = claim(session, campaign, agent_id, now)
    return None if claimed is None else session.get_one(QueueEntry, claimed.entry_id)


@dataclass(frozen=True)
class Renewed:
    """A renewed lease, and the call script the entry's campaign uses (None: none yet)."""

    expires_at: datetime
    script_id: int | None
    script_sha256: str | None


def _renewals() -> tuple[sa.Update, sa.Select, sa.Update]:
    """``renew_lease``'s statements, built once (building them cost more Python than
    running them): PostgreSQL's single UPDATE; SQLite's SELECT of the length, then UPDATE."""
    now = sa.bindparam("now", type_=UTCDateTime())
    sha256 = sa.select(CS.c.sha256).where(CS.c.id == CP.c.call_script_id).scalar_subquery()
    held = (QE.c.id == sa.bindparam("entry_id"), QE.c.state == QueueState.LEASED,
            QE.c.lease_holder_id == sa.bindparam("agent_id"))  # fmt: skip
    length = sa.func.make_interval(0, 0, 0, 0, 0, CP.c.lease_minutes, type_=sa.Interval)
    in_one = (
        sa.update(QE)
        .where(*held, QE.c.campaign_id == CP.c.id)
        .values(lease_expires_at=now + length)
        .returning(QE.c.lease_expires_at, CP.c.call_script_id, sha256)
    )
    length_of = sa.select(CP.c.lease_minutes, CP.c.call_script_id, sha256).where(
        *held, QE.c.campaign_id == CP.c.id
    )
    expires = sa.bindparam("expires", type_=UTCDateTime())
    return in_one, length_of, sa.update(QE).where(*held).values(lease_expires_at=expires)


_RENEW_IN_ONE, _RENEWAL, _EXTEND = _renewals()


def renew_lease(
    session: Session, entry_id: int, agent_id: int, now: datetime | None = None
) -> Renewed | None:
    """Extend the agent's lease by the campaign's length; None if the agent no longer holds
    the entry. The desk sends one every 30 s per agent and one with every autosave, so on
    PostgreSQL it is one ``UPDATE ... RETURNING`` (two statements on SQLite). The guard is
    in the UPDATE itself: a claim or an outcome that took the entry meanwhile holds its row
    lock, and once it commits this matches nothing.

    A lease that expired but that nobody has taken yet is still the agent's: renewing it is
    what a desk coming back from a throttled background tab does.
    """
    begin_write(session)
    now = now or utcnow()
    params = {"entry_id": entry_id, "agent_id": agent_id, "now": now}
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(_RENEW_IN_ONE, params).first()
    else:  # SQLite: no interval arithmetic; its write lock is held (begin_write)
        found = session.execute(_RENEWAL, {"entry_id": entry_id, "agent_id": agent_id}).first()
        row = found and (now + timedelta(minutes=found[0]), *found[1:])
        if row:
            session.execute(_EXTEND, {**params, "expires": row[0]})
    if not row:
        return None
    loaded = session.identity_map.get(identity_key(QueueEntry, entry_id))
    if loaded is not None:  # an entry this session loaded reads the new lease next
        session.expire(loaded, ["lease_expires_at"])
    return Renewed(*row)


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
