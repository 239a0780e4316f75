"""The claim as set-based SQL: abandoned leases go back to the queue, and the agent's next
entry is leased to them, in one statement on PostgreSQL (``sql`` says why)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus as S
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.desk.queue.prepared import prepared
from app.desk.queue.sql import (
    AC,
    AGENT_ID,
    CAMPAIGN_ID,
    CLAIMABLE,
    DNC,
    GRACE_ENDED,
    LEASE_UNTIL,
    NOW,
    PH,
    QE,
    RETURN_BATCH,
    SKIP_ID,
    Claimed,
    account_set,
    campaign_closed,
    const,
    expire_rows,
    on_postgres,
)

# --------------------------------------------------------------------------- returning ---


def _return_abandoned(postgres: bool) -> sa.Update:
    """Entries whose lease expired go back to the queue (ended, if their campaign closed);
    SKIP_ID is an entry the same transaction is finishing."""
    expired = QE.alias("expired")
    batch = (
        sa.select(expired.c.id)
        .where(
            expired.c.state == QueueState.LEASED,
            expired.c.lease_expires_at <= NOW,
            expired.c.id != SKIP_ID,
        )
        .order_by(expired.c.lease_expires_at)
        .limit(RETURN_BATCH)
        .with_for_update(skip_locked=True)
    )
    closed = campaign_closed(QE.c.campaign_id)
    return (
        sa.update(QE)
        # PostgreSQL: = ANY(ARRAY(...)) rather than IN (...), so that even the generic plan
        # reaches the rows by primary key (IN let it hash-join a scan of the whole queue).
        .where(
            QE.c.id == sa.any_(sa.func.array(batch.scalar_subquery()))
            if postgres
            else QE.c.id.in_(batch.scalar_subquery())
        )
        .values(
            state=sa.case((closed, const(QueueState.DONE)), else_=const(QueueState.WAITING)),
            lease_holder_id=sa.null(),
            lease_expires_at=sa.null(),
            updated_at=NOW,
        )
        .returning(QE.c.id, QE.c.account_id, QE.c.state, QE.c.is_callback)
    )


def _status_after_return(state: Any, is_callback: Any) -> sa.Case:
    return sa.case(
        (state == QueueState.DONE.value, const(S.READY)),
        (is_callback, const(S.CALLBACK)),
        else_=const(S.QUEUED),
    )


def _back_to_queue(account_id: Any, state: Any, is_callback: Any) -> sa.Update:
    return (
        sa.update(AC)
        .where(AC.c.id == account_id, AC.c.status == S.IN_CALL.value)
        .values(account_set(_status_after_return(state, is_callback)))
    )


# ------------------------------------------------------------------------------ claim ---


def _listed(account: sa.Alias) -> sa.ColumnElement[bool]:
    """The account is on the do-not-call list even if its flag is not set yet (a number
    it gained after the list was loaded): by id, VAT number or any of its numbers. Each
    test is an index lookup (``dnc_entries`` on each column, phones by account)."""
    phone = PH.alias(f"{account.name}_phone")
    return sa.or_(
        sa.exists().where(DNC.c.account_id == account.c.id),
        sa.exists().where(DNC.c.vat_number == account.c.vat_number),
        sa.exists().where(phone.c.account_id == account.c.id, DNC.c.e164 == phone.c.e164),
    )


def _pick() -> sa.Update:
    """Lease one entry to the agent: the one they already hold, else a due callback (their
    own first, then shared ones and others' past the grace period), else the rest by
    priority, due time and age. Each choice is a subquery that locks its row with SKIP
    LOCKED; ``coalesce`` evaluates them in order and stops at the first that finds one."""
    chosen = sa.func.coalesce(
        _held().scalar_subquery(),
        _due_callback().scalar_subquery(),
        _next_waiting().scalar_subquery(),
    )
    return (
        sa.update(QE)
        .where(QE.c.id == chosen)
        .values(
            state=const(QueueState.LEASED),
            lease_holder_id=AGENT_ID,
            lease_expires_at=LEASE_UNTIL,
            updated_at=NOW,
        )
        .returning(QE.c.id, QE.c.account_id)
    )


def _held() -> sa.Select:
    """The entry the agent already holds: a reloaded desk shows the call in progress."""
    held_q = QE.alias("held")
    return (
        sa.select(held_q.c.id)
        .where(
            held_q.c.campaign_id == CAMPAIGN_ID,
            held_q.c.state == QueueState.LEASED,
            held_q.c.lease_holder_id == AGENT_ID,
            held_q.c.lease_expires_at > NOW,
            held_q.c.id != SKIP_ID,
        )
        .order_by(held_q.c.lease_expires_at.desc())
        .limit(1)
    )


def _candidates(callbacks: bool) -> tuple[sa.Alias, sa.Select]:
    """Waiting entries (callbacks or not) whose account may be called now, locked with
    their account."""
    q = QE.alias("callback" if callbacks else "waiting")
    account = AC.alias(f"{q.name}_account")
    return q, (
        sa.select(q.c.id)
        .join(account, account.c.id == q.c.account_id)
        .where(
            q.c.campaign_id == CAMPAIGN_ID,
            q.c.state == QueueState.WAITING,
            q.c.is_callback.is_(callbacks),
            account.c.do_not_call.is_(False),
            account.c.anonymised_at.is_(None),  # nothing left to call
            account.c.status.in_([s.value for s in CLAIMABLE]),
            sa.not_(_listed(account)),
        )
        .limit(1)
        # Both rows: an account another transaction holds (an import, an external return,
        # a do-not-call load writing it) is passed over, not waited for.
        .with_for_update(of=(q, account), skip_locked=True)
    )


def _due_callback() -> sa.Select:
    """A due callback: the agent's own first, then shared ones and others' past the grace
    period."""
    cb, callbacks = _candidates(True)
    mine = cb.c.callback_agent_id == AGENT_ID
    return callbacks.where(
        cb.c.next_call_at <= NOW,
        sa.or_(mine, cb.c.callback_agent_id.is_(None), cb.c.next_call_at <= GRACE_ENDED),
    ).order_by(sa.case((mine, 0), else_=1), cb.c.next_call_at, cb.c.id)


def _next_waiting() -> sa.Select:
    """Any other due entry, by priority, due time (never set first) and age."""
    w, others = _candidates(False)
    return others.where(sa.or_(w.c.next_call_at.is_(None), w.c.next_call_at <= NOW)).order_by(
        w.c.priority.desc(), w.c.next_call_at.asc().nulls_first(), w.c.created_at, w.c.id
    )


def _into_call(account_id: Any) -> sa.Update:
    return (
        sa.update(AC)
        .where(AC.c.id == account_id, AC.c.status.in_([s.value for s in CLAIMABLE]))
        .values(account_set(const(S.IN_CALL)))
    )


CLAIM_PARAMS = (
    "p_now", "p_campaign_id", "p_agent_id", "p_skip_id", "p_lease_until", "p_grace_ended"
)  # fmt: skip


@cache
def _claim_statements(postgres: bool) -> tuple[Any, ...]:
    """PostgreSQL: one statement (return abandoned leases, lease the next entry, set both
    accounts) that also says whether any lease came back. SQLite: the parts, in order."""
    if not postgres:
        account_id, state, callback = (sa.bindparam(n) for n in ("b_acc", "b_state", "b_cb"))
        return (
            _return_abandoned(False),
            _back_to_queue(account_id, state, callback),
            _pick(),
            _into_call(sa.bindparam("b_acc")),
        )
    back = _return_abandoned(True).cte("back")
    back_accounts = (
        _back_to_queue(back.c.account_id, back.c.state, back.c.is_callback)
        .returning(AC.c.id)
        .cte("back_accounts")
    )
    picked = _pick().cte("picked")
    picked_account = _into_call(picked.c.account_id).returning(AC.c.id).cte("picked_account")
    return (
        sa.select(
            sa.select(picked.c.id).scalar_subquery(),
            sa.select(picked.c.account_id).scalar_subquery(),
            sa.select(sa.func.array_agg(back.c.id)).scalar_subquery(),
            sa.select(sa.func.array_agg(back.c.account_id)).scalar_subquery(),
        ).add_cte(back_accounts, picked_account),
    )


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
    params = {
        "p_now": now,
        "p_campaign_id": campaign.id,
        "p_agent_id": agent_id,
        "p_skip_id": skip or 0,
        "p_lease_until": now + timedelta(minutes=campaign.lease_minutes),
        "p_grace_ended": now - timedelta(minutes=campaign.callback_grace_minutes),
    }
    postgres = on_postgres(session)
    if postgres:
        statement = prepared(("claim",), session, lambda: _claim_statements(True)[0], CLAIM_PARAMS)
        entry_id = account_id = None
        for _ in range(2):
            entry_id, account_id, back_ids, back_accounts = statement.rows(session, params)[0]
            expire_rows(session, QueueEntry, back_ids or ())
            expire_rows(session, Account, back_accounts or ())
            # What came back was still leased in that statement's snapshot: look again.
            if entry_id is not None or not back_ids:
                break
    else:
        statements = _claim_statements(postgres)
        back_rows = session.execute(statements[0], params).all()
        for row in back_rows:
            session.execute(
                statements[1],
                {"p_now": now, "b_acc": row.account_id, "b_state": row.state,
                 "b_cb": row.is_callback},
            )  # fmt: skip
        expire_rows(session, QueueEntry, (r.id for r in back_rows))
        expire_rows(session, Account, (r.account_id for r in back_rows))
        picked = session.execute(statements[2], params).first()
        entry_id, account_id = picked if picked is not None else (None, None)
        if account_id is not None:
            session.execute(statements[3], {"p_now": now, "b_acc": account_id})
    if entry_id is None:
        return None
    expire_rows(session, QueueEntry, [entry_id])
    expire_rows(session, Account, [account_id])
    return Claimed(entry_id, account_id)
