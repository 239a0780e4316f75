"""The queue's two hot writes, a claim and a finished call, as set-based SQL.

Why not the ORM: these run for every call of every agent, and loading rows to change them
cost a dozen round trips per call. Here each write is an ``UPDATE ... RETURNING`` that picks
and changes its rows in the database. On PostgreSQL the parts of one write (the queue entry,
its account, the call's row) are data-modifying CTEs of a single statement: one round trip.
SQLite has no DML in CTEs, so there the same parts run one after another, inside the
transaction that holds SQLite's write lock (``begin_write``).

Account statuses change only along the state machine (``app.accounts.status``): each update
names the statuses it may start from, and the module checks at import that the machine
allows those moves. Nothing here commits. ORM objects the session already holds for the
rows written are expired, so code that reads them next sees the new values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.accounts.models import Account
from app.accounts.status import AccountStatus as S
from app.accounts.status import can_transition
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.desk.models import CallAttempt

QE = QueueEntry.__table__
AC = Account.__table__
CA = CallAttempt.__table__
CP = Campaign.__table__

# Expired leases returned to the queue by one claim; the next claims take the rest.
RETURN_BATCH = 100
# Statuses an account may be claimed from: those the machine lets go to IN_CALL.
CLAIMABLE = tuple(s for s in S if can_transition(s, S.IN_CALL))
# Where a call that ends without a final outcome leaves its account.
AFTER_CALL = (S.QUEUED, S.CALLBACK, S.READY, S.UNREACHABLE)
for _target in AFTER_CALL:
    if not can_transition(S.IN_CALL, _target):  # pragma: no cover - a broken machine
        raise RuntimeError(f"the status machine no longer allows in_call -> {_target}")


@dataclass(frozen=True)
class Claimed:
    """The entry an agent now holds, and its account."""

    entry_id: int
    account_id: int


@dataclass(frozen=True)
class Finished:
    """A call's end as written: the entry's new state and the account's status."""

    entry_id: int
    account_id: int
    entry_state: QueueState
    account_status: S | None  # None: the account was not in call, so it was left alone
    attempt_id: int | None
    closed: bool  # the campaign was closed: a callback or retry ended the entry instead


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _expire(session: Session, model: type, ids: Iterable[int]) -> None:
    """Mark the ORM copies of rows written here as stale (rows not loaded cost nothing)."""
    for row_id in ids:
        obj = session.identity_map.get(identity_key(model, row_id))
        if obj is not None:
            session.expire(obj)


def _set(table: sa.Table, **values: Any) -> dict[str, Any]:
    """UPDATE values as SQL expressions with anonymous parameters: several UPDATEs in one
    statement (PostgreSQL's CTEs) would otherwise clash on the columns' parameter names."""
    return {
        name: value
        if isinstance(value, sa.ClauseElement)
        else sa.null()
        if value is None
        else sa.literal(value, table.c[name].type)
        for name, value in values.items()
    }


def _account_set(status: Any, now: datetime) -> dict[str, Any]:
    """An account's new status, stamped and versioned as an ORM save would do it (the
    version makes a form loaded before the change refuse to overwrite it)."""
    return _set(AC, status=status, updated_at=now, version=AC.c.version + 1)


def _closed(campaign_id: Any) -> sa.ColumnElement[bool]:
    return sa.exists().where(CP.c.id == campaign_id, CP.c.status == CampaignStatus.CLOSED)


# --------------------------------------------------------------------------- returning ---


def _return_abandoned(now: datetime, keep: int | None) -> sa.Update:
    """Entries whose lease expired go back to the queue (ended, if their campaign closed).

    ``keep`` is an entry the same statement finishes, so that it is not touched twice.
    """
    expired = QE.alias("expired")
    batch = (
        sa.select(expired.c.id)
        .where(expired.c.state == QueueState.LEASED, expired.c.lease_expires_at <= now)
        .order_by(expired.c.lease_expires_at)
        .limit(RETURN_BATCH)
        .with_for_update(skip_locked=True)
    )
    if keep is not None:
        batch = batch.where(expired.c.id != keep)
    closed = _closed(QE.c.campaign_id)
    return (
        sa.update(QE)
        .where(QE.c.id.in_(batch.scalar_subquery()))
        .values(
            _set(
                QE,
                state=sa.case((closed, QueueState.DONE.value), else_=QueueState.WAITING.value),
                lease_holder_id=None,
                lease_expires_at=None,
                updated_at=now,
            )
        )
        .returning(QE.c.id, QE.c.account_id, QE.c.state, QE.c.is_callback)
    )


def _status_after_return(state: Any, is_callback: Any) -> sa.Case:
    return sa.case(
        (state == QueueState.DONE.value, S.READY.value),
        (is_callback, S.CALLBACK.value),
        else_=S.QUEUED.value,
    )


# ------------------------------------------------------------------------------ claim ---


def _pick(campaign: Campaign, agent_id: int, now: datetime, skip: int | None) -> sa.Update:
    """Lease one entry to the agent: the one they already hold, else a due callback (their
    own first, then shared ones and others' past the grace period), else the rest by
    priority, due time and age. Each choice is a subquery that locks its row with SKIP
    LOCKED; ``coalesce`` evaluates them in order and stops at the first that finds one."""
    held_q = QE.alias("held")
    held = (
        sa.select(held_q.c.id)
        .where(
            held_q.c.campaign_id == campaign.id,
            held_q.c.state == QueueState.LEASED,
            held_q.c.lease_holder_id == agent_id,
            held_q.c.lease_expires_at > now,
        )
        .order_by(held_q.c.lease_expires_at.desc())
        .limit(1)
    )
    if skip is not None:
        held = held.where(held_q.c.id != skip)

    def candidates(callbacks: bool) -> tuple[sa.Alias, sa.Select]:
        q = QE.alias("callback" if callbacks else "waiting")
        account = AC.alias(f"{q.name}_account")
        return q, (
            sa.select(q.c.id)
            .join(account, account.c.id == q.c.account_id)
            .where(
                q.c.campaign_id == campaign.id,
                q.c.state == QueueState.WAITING,
                q.c.is_callback.is_(callbacks),
                account.c.do_not_call.is_(False),
                account.c.status.in_([s.value for s in CLAIMABLE]),
            )
            .limit(1)
            .with_for_update(of=q, skip_locked=True)
        )

    cb, callbacks = candidates(True)
    grace_ended = now - timedelta(minutes=campaign.callback_grace_minutes)
    mine = cb.c.callback_agent_id == agent_id
    callbacks = callbacks.where(
        cb.c.next_call_at <= now,
        sa.or_(mine, cb.c.callback_agent_id.is_(None), cb.c.next_call_at <= grace_ended),
    ).order_by(sa.case((mine, 0), else_=1), cb.c.next_call_at, cb.c.id)
    w, others = candidates(False)
    others = others.where(sa.or_(w.c.next_call_at.is_(None), w.c.next_call_at <= now)).order_by(
        w.c.priority.desc(), w.c.next_call_at.asc().nulls_first(), w.c.created_at, w.c.id
    )
    chosen = sa.func.coalesce(
        held.scalar_subquery(), callbacks.scalar_subquery(), others.scalar_subquery()
    )
    return (
        sa.update(QE)
        .where(QE.c.id == chosen)
        .values(
            _set(
                QE,
                state=QueueState.LEASED.value,
                lease_holder_id=agent_id,
                lease_expires_at=now + timedelta(minutes=campaign.lease_minutes),
                updated_at=now,
            )
        )
        .returning(QE.c.id, QE.c.account_id)
    )


def _into_call(account_id: Any, now: datetime) -> sa.Update:
    return (
        sa.update(AC)
        .where(AC.c.id == account_id, AC.c.status.in_([s.value for s in CLAIMABLE]))
        .values(_account_set(S.IN_CALL.value, now))
    )


def _claim_in_one(
    session: Session, campaign: Campaign, agent_id: int, now: datetime, skip: int | None
) -> tuple[int | None, int | None, bool]:
    """PostgreSQL: return abandoned leases and lease the next entry in one statement;
    also says whether any lease came back."""
    back = _return_abandoned(now, skip).cte("back")
    back_accounts = (
        sa.update(AC)
        .where(AC.c.id == back.c.account_id, AC.c.status == S.IN_CALL.value)
        .values(_account_set(_status_after_return(back.c.state, back.c.is_callback), now))
        .returning(AC.c.id)
        .cte("back_accounts")
    )
    picked = _pick(campaign, agent_id, now, skip).cte("picked")
    picked_account = _into_call(picked.c.account_id, now).returning(AC.c.id).cte("picked_account")
    row = session.execute(
        sa.select(
            sa.select(picked.c.id).scalar_subquery(),
            sa.select(picked.c.account_id).scalar_subquery(),
            sa.select(sa.func.array_agg(back.c.id)).scalar_subquery(),
            sa.select(sa.func.array_agg(back.c.account_id)).scalar_subquery(),
        ).add_cte(back_accounts, picked_account)
    ).one()
    entry_id, account_id, back_ids, back_account_ids = row
    _expire(session, QueueEntry, back_ids or ())
    _expire(session, Account, back_account_ids or ())
    return entry_id, account_id, bool(back_ids)


def claim(
    session: Session,
    campaign: Campaign,
    agent_id: int,
    now: datetime,
    *,
    skip: int | None = None,
) -> Claimed | None:
    """Return abandoned leases to the queue, then lease the agent's next entry; None if
    there is none. The caller checks the campaign's status and calling hours."""
    if _postgres(session):
        entry_id, account_id, returned = _claim_in_one(session, campaign, agent_id, now, skip)
        if entry_id is None and returned:
            # What came back was still leased in that statement's snapshot: look again.
            entry_id, account_id, _ = _claim_in_one(session, campaign, agent_id, now, skip)
    else:
        back_rows = session.execute(_return_abandoned(now, skip)).all()
        for back_row in back_rows:
            session.execute(
                sa.update(AC)
                .where(AC.c.id == back_row.account_id, AC.c.status == S.IN_CALL.value)
                .values(
                    _account_set(
                        _status_after_return(
                            sa.literal(back_row.state), sa.literal(back_row.is_callback)
                        ),
                        now,
                    )
                )
            )
        _expire(session, QueueEntry, (r.id for r in back_rows))
        _expire(session, Account, (r.account_id for r in back_rows))
        picked_row = session.execute(_pick(campaign, agent_id, now, skip)).first()
        entry_id, account_id = picked_row if picked_row is not None else (None, None)
        if account_id is not None:
            session.execute(_into_call(account_id, now))
    if entry_id is None:
        return None
    _expire(session, QueueEntry, [entry_id])
    _expire(session, Account, [account_id])
    return Claimed(entry_id, account_id)


# ----------------------------------------------------------------------------- finish ---


@dataclass(frozen=True)
class Placement:
    """Where a call's outcome sends its entry: ended (``final``), a callback, or a retry
    at ``retry_at`` (already moved into calling hours by the caller)."""

    final: bool = False
    final_status: S | None = None  # the account's status after a final outcome
    callback_at: datetime | None = None
    callback_agent_id: int | None = None
    retry_at: datetime | None = None
    max_attempts: int = 0  # a retry past this many attempts ends the entry


def _end_entry(entry_id: int, holder_id: int | None, now: datetime, p: Placement) -> sa.Update:
    closed = _closed(QE.c.campaign_id)
    attempts = QE.c.attempts + 1
    if p.final:
        state: Any = QueueState.DONE.value
    elif p.callback_at is not None:
        state = sa.case((closed, QueueState.DONE.value), else_=QueueState.WAITING.value)
    else:
        state = sa.case(
            (sa.or_(closed, attempts >= p.max_attempts), QueueState.DONE.value),
            else_=QueueState.WAITING.value,
        )
    values: dict[str, Any] = {
        "state": state,
        "attempts": attempts,
        "lease_holder_id": None,
        "lease_expires_at": None,
        "is_callback": p.callback_at is not None and not p.final,
        "callback_agent_id": None if p.final else p.callback_agent_id,
        "updated_at": now,
    }
    if not p.final:
        values["next_call_at"] = p.callback_at or p.retry_at
    update = sa.update(QE).where(QE.c.id == entry_id)
    if holder_id is not None:
        update = update.where(QE.c.state == QueueState.LEASED, QE.c.lease_holder_id == holder_id)
    return update.values(_set(QE, **values)).returning(
        QE.c.id, QE.c.account_id, QE.c.state, closed.label("closed")
    )


def _status_after(p: Placement, state: Any, closed: Any) -> Any:
    """The account's status once its entry is placed (None: leave it to the caller)."""
    if p.final:
        return p.final_status.value if p.final_status else None
    return sa.case(
        (closed, S.READY.value),
        (state == QueueState.DONE.value, S.UNREACHABLE.value),
        else_=(S.CALLBACK if p.callback_at is not None else S.QUEUED).value,
    )


def finish(
    session: Session,
    entry_id: int,
    *,
    holder_id: int | None,
    now: datetime,
    placement: Placement,
    attempt: Mapping[str, Any] | None = None,
) -> Finished | None:
    """End the call on ``entry_id``: place its entry, move its account on and, with
    ``attempt`` (column values of ``call_attempts`` but the account), record the call.

    With ``holder_id``, nothing is written and None is returned unless that agent still
    holds the entry (the UPDATE checks it under the row's lock).
    """
    status = placement.final_status
    if placement.final and status is not None and not can_transition(S.IN_CALL, status):
        raise ValueError(f"no call ends with the account {status.value}")
    ended = _end_entry(entry_id, holder_id, now, placement)
    if _postgres(session):
        entry = ended.cte("ended")
        target = _status_after(placement, entry.c.state, entry.c.closed)
        parts = []
        account_status: Any = sa.null()
        if target is not None:
            moved = (
                sa.update(AC)
                .where(AC.c.id == entry.c.account_id, AC.c.status == S.IN_CALL.value)
                .values(_account_set(target, now))
                .returning(AC.c.status)
                .cte("moved")
            )
            parts.append(moved)
            account_status = sa.select(moved.c.status).scalar_subquery()
        attempt_id: Any = sa.null()
        if attempt is not None:
            names = [*attempt, "account_id"]
            source = sa.select(
                *(sa.literal(v, CA.c[k].type) for k, v in attempt.items()), entry.c.account_id
            )
            recorded = sa.insert(CA).from_select(names, source).returning(CA.c.id).cte("recorded")
            parts.append(recorded)
            attempt_id = sa.select(recorded.c.id).scalar_subquery()
        row = session.execute(
            sa.select(
                entry.c.id,
                entry.c.account_id,
                entry.c.state,
                entry.c.closed,
                account_status,
                attempt_id,
            ).add_cte(*parts)
        ).first()
        if row is None:
            return None
        _, account_id, state, closed, status, attempt_id = row
    else:
        ended_row = session.execute(ended).first()
        if ended_row is None:
            return None
        _, account_id, state, closed = ended_row
        target = _status_after(placement, sa.literal(state), sa.literal(bool(closed)))
        status = None
        if target is not None:
            status = session.execute(
                sa.update(AC)
                .where(AC.c.id == account_id, AC.c.status == S.IN_CALL.value)
                .values(_account_set(target, now))
                .returning(AC.c.status)
            ).scalar()
        attempt_id = None
        if attempt is not None:
            attempt_id = session.execute(
                sa.insert(CA).values(**attempt, account_id=account_id).returning(CA.c.id)
            ).scalar_one()
    _expire(session, QueueEntry, [entry_id])
    _expire(session, Account, [account_id])
    return Finished(
        entry_id=entry_id,
        account_id=account_id,
        entry_state=QueueState(state),
        account_status=S(status) if status is not None else None,
        attempt_id=attempt_id,
        closed=bool(closed),
    )
