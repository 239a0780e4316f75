"""The end of a call: where its queue entry goes (done, a callback, a retry) and what the
account becomes, written with the call's row in one set-based write (``finish_sql``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.status import AccountStatus
from app.campaigns.calendar import next_callable, next_callable_at
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.desk.queue import finish_sql
from app.desk.queue.leases import LeaseLost
from app.desk.queue.sql import Finished
from app.extensions import begin_write


class Rescheduled(enum.StrEnum):
    """What ``reschedule`` did with an entry, so the caller can set the account's status."""

    DONE = "done"  # final outcome: the account gets the outcome's status
    CALLBACK = "callback"  # waiting for a callback at the chosen time
    RETRY = "retry"  # waiting for the next attempt
    EXHAUSTED = "exhausted"  # max attempts reached: the account is UNREACHABLE
    WITHDRAWN = "withdrawn"  # the campaign closed during the call: the account is READY


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
    retry_at_minute: int | None = None,
    exhausted: bool = False,
    final: bool,
    callback_at: datetime | None,
    callback_agent_id: int | None,
    holder_id: int | None = None,
    final_status: AccountStatus | None = None,
    attempt: Mapping[str, Any] | None = None,
) -> Ended:
    """Place the entry after an outcome (done, a callback, or a retry within calling hours),
    move its account on and, with ``attempt``, record the call: one statement on PostgreSQL.

    Counts the attempt and ends the lease. A retry needs ``retry_after_minutes`` (0 with
    ``retry_at_minute``: the next time the Rome clock shows that minute of the day within
    calling hours, at least that many minutes on); past the campaign's ``max_attempts``,
    or ``exhausted`` (the outcome's own limit is reached), the entry is done and the
    account UNREACHABLE (EXHAUSTED).
    A final outcome sets the account to ``final_status`` (left alone when None). If the
    campaign was closed meanwhile, a callback or retry ends the entry instead (WITHDRAWN)
    and the account is READY. With ``holder_id``, raises ``LeaseLost`` unless that agent
    still holds the entry (another agent may have taken an expired lease since).
    """
    begin_write(session)
    entry_id = entry if isinstance(entry, int) else entry.id
    if campaign is None:
        campaign = _campaign_of(session, entry)
    if not final and callback_at is None and retry_after_minutes is None:
        raise ValueError("a retry needs retry_after_minutes (or final, or callback_at)")
    retry_at = None
    if not final and callback_at is None and retry_after_minutes is not None:
        later = now + timedelta(minutes=retry_after_minutes)
        if retry_at_minute is None:
            retry_at = next_callable(later, campaign.serving_hours)
        else:
            retry_at = next_callable_at(later, retry_at_minute, campaign.serving_hours)
    placement = finish_sql.Placement(
        final=final,
        final_status=final_status,
        callback_at=None if final else callback_at,
        callback_agent_id=callback_agent_id,
        retry_at=retry_at,
        # The outcome's own limit reached: no attempt more, the entry ends EXHAUSTED.
        max_attempts=0 if exhausted else campaign.max_attempts,
    )
    done = finish_sql.finish(
        session, entry_id, holder_id=holder_id, now=now, placement=placement, attempt=attempt
    )
    if done is None:
        if holder_id is not None:
            raise LeaseLost(entry_id)
        raise LookupError(f"queue entry {entry_id} does not exist")
    return Ended(_where_it_went(done, final, callback_at), done.account_id, done.attempt_id)


def _campaign_of(session: Session, entry: QueueEntry | int) -> Campaign:
    """The entry's campaign, without loading the entry when only its id is given."""
    entry_id = entry if isinstance(entry, int) else entry.id
    campaign_id = entry.campaign_id if isinstance(entry, QueueEntry) else None
    if campaign_id is None:
        campaign_id = session.scalar(
            sa.select(QueueEntry.campaign_id).where(QueueEntry.id == entry_id)
        )
    return session.get_one(Campaign, campaign_id)


def _where_it_went(done: Finished, final: bool, callback_at: datetime | None) -> Rescheduled:
    if final:
        return Rescheduled.DONE
    if done.closed:
        return Rescheduled.WITHDRAWN
    if done.entry_state == QueueState.DONE:
        return Rescheduled.EXHAUSTED
    return Rescheduled.CALLBACK if callback_at is not None else Rescheduled.RETRY


def reschedule(session: Session, entry: QueueEntry | int, **options: Any) -> Rescheduled:
    """``end_call`` for callers that only need to know where the entry went."""
    return end_call(session, entry, **options).result
