"""Putting accounts in a campaign's queue: one action, whoever asks.

The segment page, ``flask campaigns enqueue`` and the demo all call ``enqueue_segment``,
which holds the guards: the campaign is open, the statuses may be queued, the accounts
are callable (``app.accounts.segments.callable_accounts``: not on the do-not-call list,
not anonymised) and not already in this campaign; one audit entry records it.
``enqueue_accounts`` is the write underneath, and checks the same things again for the
ids it is given. The claim refuses such accounts too (``app.desk.queue``). Practice and
live never mix: a practice campaign takes practice accounts only, a live one never takes
them (``PracticeMismatch``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account, TonnageClass
from app.accounts.segments import (
    Segment,
    account_ids,
    callable_accounts,
    count_do_not_call,
)
from app.accounts.status import AccountStatus, can_transition, check_transition
from app.audit.services import record
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.campaigns.services import CampaignError, check_open
from app.columns import utcnow
from app.extensions import begin_write
from app.territory.models import Zone

# Ids per IN (...) list when enqueueing, well below SQLite's bound-parameter limit.
ENQUEUE_CHUNK = 500
PROVINCE_RE = re.compile(r"[A-Z]{2}")

# Statuses an account may be selected in: those that may become QUEUED, less the ones
# that already wait in (or are being called from) a queue.
SELECTABLE = tuple(
    s
    for s in AccountStatus
    if can_transition(s, AccountStatus.QUEUED)
    and s not in (AccountStatus.IN_CALL, AccountStatus.CALLBACK)
)


class PracticeMismatch(CampaignError):
    """Practice accounts offered to a live campaign, or real ones to a practice campaign."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        if campaign.practice:
            message = (
                f"Campaign {campaign.code} is a practice campaign: it takes practice "
                "accounts only (make some with 'flask campaigns copy-for-practice')."
            )
        else:
            message = (
                f"Campaign {campaign.code} is a live campaign: practice accounts cannot go into it."
            )
        super().__init__(message)


def _check_kind(campaign: Campaign, practice: bool) -> None:
    if practice != campaign.practice:
        raise PracticeMismatch(campaign)


@dataclass(frozen=True)
class Enqueued:
    """What ``enqueue_segment`` did."""

    selected: int  # callable accounts of the segment (within the limit)
    queued: int  # added to the queue
    do_not_call: int  # matched the filters but are on the do-not-call list

    @property
    def skipped(self) -> int:
        """Selected but already in the campaign's queue."""
        return self.selected - self.queued


def segment_from_options(
    session: Session,
    *,
    status: str = "ready",
    provinces: Iterable[str] | None = None,
    tonnage: str | None = None,
    zone_code: str | None = None,
    practice: bool = False,
    include_qualified_elsewhere: bool = False,
) -> Segment:
    """The segment the shell's options describe, each checked with a message (of the
    practice accounts with ``practice``; accounts qualified elsewhere only if asked)."""
    try:
        account_status = AccountStatus(status)
    except ValueError:
        account_status = None
    if account_status not in SELECTABLE:
        raise CampaignError(
            f"Accounts in status {status!r} cannot be queued; choose one of: "
            f"{', '.join(s.value for s in SELECTABLE)}."
        )
    segment = Segment(
        statuses=[account_status],
        practice=practice,
        leave_out_qualified_elsewhere=not include_qualified_elsewhere,
    )
    if provinces:
        codes = sorted({p.strip().upper() for p in provinces})
        bad = [c for c in codes if not PROVINCE_RE.fullmatch(c)]
        if bad:
            raise CampaignError(
                f"Province {bad[0]!r} is not a two-letter province code such as MI or BG."
            )
        segment.provinces = codes
    if tonnage is not None:
        try:
            segment.tonnage = [TonnageClass(tonnage)]
        except ValueError:
            raise CampaignError(
                f"Tonnage class {tonnage!r} is unknown; choose one of: "
                f"{', '.join(t.value for t in TonnageClass)}."
            ) from None
    if zone_code is not None:
        zone_id = session.scalar(
            sa.select(Zone.id).where(sa.func.upper(Zone.code) == zone_code.strip().upper())
        )
        if zone_id is None:
            raise CampaignError(f"No zone with code {zone_code!r}.")
        segment.zone_ids = [zone_id]
    return segment


def segment_for_audit(segment: Segment) -> dict[str, object]:
    """The segment's chosen filters, without the empty ones (nor the real base or leaving
    out the accounts qualified elsewhere, the defaults), as JSON values."""
    chosen = {k: v for k, v in asdict(segment).items() if v not in (None, [], "any")}
    if not segment.practice:
        del chosen["practice"]
    if segment.leave_out_qualified_elsewhere:
        del chosen["leave_out_qualified_elsewhere"]  # the default; asking for them is noted
    return {k: [str(v) for v in value] if isinstance(value, list) else value
            for k, value in chosen.items()}  # fmt: skip


def enqueue_segment(
    session: Session,
    campaign: Campaign,
    segment: Segment,
    *,
    limit: int | None = None,
    priority: int = 0,
    user_id: int | None = None,
) -> Enqueued:
    """Queue the segment's callable accounts (oldest first, at most ``limit``) in
    ``campaign``; accounts already in it are skipped. Raises ``CampaignError`` for a
    closed campaign, a limit below 1 or statuses that cannot be queued, and
    ``PracticeMismatch`` for practice accounts and a live campaign or the reverse."""
    check_open(campaign)
    _check_kind(campaign, segment.practice)
    if limit is not None and limit < 1:
        raise CampaignError(f"The limit must be at least 1, not {limit}.")
    if not segment.statuses or any(s not in SELECTABLE for s in segment.statuses):
        raise CampaignError(
            "Only accounts in these statuses can be queued: "
            f"{', '.join(s.value for s in SELECTABLE)}."
        )
    ids = account_ids(session, segment, limit=limit)
    queued = enqueue_accounts(session, campaign, ids, priority=priority)
    result = Enqueued(
        selected=len(ids), queued=queued, do_not_call=count_do_not_call(session, segment)
    )
    record(
        session,
        "campaign.enqueue",
        user_id=user_id,
        obj=campaign,
        filters=segment_for_audit(segment),
        limit=limit,
        priority=priority,
        queued=result.queued,
        skipped=result.skipped,
        do_not_call=result.do_not_call,
    )
    return result


def enqueue_accounts(
    session: Session,
    campaign: Campaign,
    account_ids: Iterable[int],
    priority: int = 0,
    now: datetime | None = None,
) -> int:
    """Put accounts in the campaign's queue, due at once; return how many were added.

    Accounts that are not callable (do-not-call, anonymised) or already in this campaign
    are skipped; the others become QUEUED (``TransitionError`` if their status does not
    allow it). Raises ``PracticeMismatch``, writing nothing, if any of them is a practice
    account and the campaign live, or the reverse.
    """
    now = now or utcnow()
    ids = sorted(set(account_ids))
    for first in range(0, len(ids), ENQUEUE_CHUNK):
        chunk = ids[first : first + ENQUEUE_CHUNK]
        other_kind = sa.select(Account.id).where(
            Account.id.in_(chunk), Account.practice.is_not(campaign.practice)
        )
        if session.scalar(other_kind.limit(1)) is not None:
            raise PracticeMismatch(campaign)
    added = 0
    for first in range(0, len(ids), ENQUEUE_CHUNK):
        chunk = ids[first : first + ENQUEUE_CHUNK]
        already = sa.select(QueueEntry.account_id).where(QueueEntry.campaign_id == campaign.id)
        accounts = session.scalars(
            sa.select(Account)
            .where(
                Account.id.in_(chunk),
                *callable_accounts(),
                Account.status != AccountStatus.DO_NOT_CALL,
                Account.id.not_in(already),
            )
            .order_by(Account.id)
        ).all()
        for account in accounts:
            if account.status != AccountStatus.QUEUED:
                account.status = check_transition(account.status, AccountStatus.QUEUED)
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


# What a withdrawn account waited as: back to ready, free for another campaign or a close.
WITHDRAWN = (AccountStatus.QUEUED, AccountStatus.CALLBACK)


def withdraw_accounts(session: Session, account_ids: Iterable[int]) -> dict[int, str]:
    """Take accounts out of the queues they wait in, so no agent is served them: their
    waiting entries end (a promised callback too) and a queued or called-back account is
    ready again. An entry an agent holds now is left: its call ends as calls do.

    The entries, then the accounts, are held until the transaction ends (the claim's own
    order), so an agent cannot claim an account while it is withdrawn. Returns the
    withdrawn accounts, each with the code of the campaign it left."""
    begin_write(session)
    left: dict[int, str] = {}
    ids = sorted(set(account_ids))
    for first in range(0, len(ids), ENQUEUE_CHUNK):
        chunk = ids[first : first + ENQUEUE_CHUNK]
        entries = session.scalars(
            sa.select(QueueEntry)
            .where(QueueEntry.account_id.in_(chunk), QueueEntry.state == QueueState.WAITING)
            .order_by(QueueEntry.id)
            .with_for_update(of=QueueEntry)
            .execution_options(populate_existing=True)
        ).all()
        held = sa.select(Account).where(Account.id.in_({e.account_id for e in entries}))
        accounts = {a.id: a for a in session.scalars(
            held.with_for_update().execution_options(populate_existing=True))}  # fmt: skip
        for entry in entries:
            entry.state = QueueState.DONE
            account = accounts[entry.account_id]
            if account.status in WITHDRAWN:
                account.status = check_transition(account.status, AccountStatus.READY)
            left[account.id] = entry.campaign.code
    session.flush()
    return left
