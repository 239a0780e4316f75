"""A supervisor's hands on the queue: move a callback, give it to another agent, put
accounts worked to a dead end back in the queue. Each change is in the audit log.

Why here and not at the desk: these act on other people's work, in bulk, and only
supervisors may do them; the desk's queue keeps its own rules for serving accounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus, can_transition
from app.audit.services import record
from app.board import tally_writes
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.extensions import begin_write
from app.security import Role
from app.users.models import User

# Accounts worked to these statuses may be called again; a qualified account goes back
# through the quality check, and nobody calls one on the do-not-call list.
REQUEUABLE = (AccountStatus.NOT_INTERESTED, AccountStatus.UNREACHABLE)


class ControlError(ValueError):
    """The change cannot be made; the message says why, in the user's language."""


@dataclass(frozen=True)
class Callback:
    entry_id: int
    account: str
    agent: str | None  # None: any agent may take it
    due: datetime


@dataclass(frozen=True)
class DeadEnd:
    entry_id: int
    account: str
    status: AccountStatus


def callbacks(session: Session, campaign: Campaign, limit: int = 100) -> list[Callback]:
    """The waiting callbacks, soonest due first; at most ``limit`` of them (the page
    stays light: each row carries its own forms)."""
    rows = session.execute(
        sa.select(QueueEntry.id, Account.company_name, User.display_name, QueueEntry.next_call_at)
        .join(Account, Account.id == QueueEntry.account_id)
        .outerjoin(User, User.id == QueueEntry.callback_agent_id)
        .where(
            QueueEntry.campaign_id == campaign.id,
            QueueEntry.state == QueueState.WAITING,
            QueueEntry.is_callback.is_(True),
        )
        .order_by(QueueEntry.next_call_at)
        .limit(limit)
    ).all()
    return [Callback(*row) for row in rows]


def dead_ends(session: Session, campaign: Campaign, limit: int = 200) -> list[DeadEnd]:
    """Accounts worked to the end without a qualification, that may be called again."""
    rows = session.execute(
        sa.select(QueueEntry.id, Account.company_name, Account.status)
        .join(Account, Account.id == QueueEntry.account_id)
        .where(
            QueueEntry.campaign_id == campaign.id,
            QueueEntry.state == QueueState.DONE,
            Account.status.in_(REQUEUABLE),
        )
        .order_by(QueueEntry.updated_at.desc())
        .limit(limit)
    ).all()
    return [DeadEnd(*row) for row in rows]


def _entry(session: Session, campaign: Campaign, entry_id: int) -> QueueEntry:
    entry = session.get(QueueEntry, entry_id, with_for_update=True)
    if entry is None or entry.campaign_id != campaign.id:
        raise ControlError(_("That account is not in this campaign's queue."))
    return entry


def _waiting_callback(session: Session, campaign: Campaign, entry_id: int) -> QueueEntry:
    begin_write(session)
    entry = _entry(session, campaign, entry_id)
    if entry.state != QueueState.WAITING or not entry.is_callback:
        raise ControlError(_("That callback was taken or done meanwhile."))
    return entry


def move_callback(
    session: Session, campaign: Campaign, entry_id: int, when: datetime, *, by: int
) -> None:
    entry = _waiting_callback(session, campaign, entry_id)
    before = entry.next_call_at
    entry.next_call_at = when
    session.flush()
    record(session, "queue.callback_moved", user_id=by, obj=entry,
           old=before.isoformat() if before else None, new=when.isoformat())  # fmt: skip


def _check_agent(session: Session, agent_id: int | None) -> None:
    """A callback goes to an active agent, or to any agent (None)."""
    if agent_id is not None:
        agent = session.get(User, agent_id)
        if agent is None or agent.role != Role.AGENT or not agent.active:
            raise ControlError(_("Choose an active agent."))


def reassign_callback(
    session: Session, campaign: Campaign, entry_id: int, agent_id: int | None, *, by: int
) -> None:
    """Give the callback to ``agent_id``, or to any agent (None)."""
    entry = _waiting_callback(session, campaign, entry_id)
    _check_agent(session, agent_id)
    before = entry.callback_agent_id
    entry.callback_agent_id = agent_id
    session.flush()
    record(session, "queue.callback_reassigned", user_id=by, obj=entry, old=before, new=agent_id)


def reassign_callbacks(
    session: Session, campaign: Campaign, entry_ids: Iterable[int], agent_id: int | None, *,
    by: int,
) -> int:  # fmt: skip
    """Give several waiting callbacks to ``agent_id`` (or to any agent) at once: an agent
    off sick, a shift ending. Callbacks taken or done meanwhile are left alone. How many
    were given."""
    begin_write(session)
    _check_agent(session, agent_id)
    given = []
    for entry_id in sorted(set(entry_ids)):
        entry = _entry(session, campaign, entry_id)
        if entry.state != QueueState.WAITING or not entry.is_callback:
            continue
        given.append({"entry": entry.id, "old": entry.callback_agent_id})
        entry.callback_agent_id = agent_id
    session.flush()
    if given:
        record(session, "queue.callbacks_reassigned", user_id=by, obj=campaign,
               new=agent_id, callbacks=given)  # fmt: skip
    return len(given)


def requeue(session: Session, campaign: Campaign, entry_ids: Iterable[int], *, by: int) -> int:
    """Put accounts worked to a dead end back in the queue, due now, with their attempts
    counted afresh; the others asked for are left as they are. How many went back."""
    if campaign.status not in (CampaignStatus.ACTIVE, CampaignStatus.PAUSED):
        raise ControlError(_("Only an active or paused campaign takes accounts back."))
    begin_write(session)
    moved = []
    for entry_id in sorted(set(entry_ids)):
        entry = _entry(session, campaign, entry_id)
        account = session.get(Account, entry.account_id)
        if entry.state != QueueState.DONE or account.status not in REQUEUABLE:
            continue
        if not can_transition(account.status, AccountStatus.QUEUED):
            continue
        entry.state, entry.next_call_at, entry.attempts = QueueState.WAITING, None, 0
        entry.is_callback, entry.callback_agent_id = False, None
        account.status = AccountStatus.QUEUED
        moved.append(entry.account_id)
    session.flush()
    tally_writes.reopen(session, campaign.id, moved)
    if moved:
        record(session, "queue.requeued", user_id=by, obj=campaign, accounts=moved)
    return len(moved)
