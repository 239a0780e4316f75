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
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.accounts.models import Account, AccountPhone
from app.accounts.status import AccountStatus as S
from app.accounts.status import can_transition
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.desk.models import CallAttempt
from app.desk.pg_prepared import prepared
from app.donotcall.models import DncEntry

QE = QueueEntry.__table__
AC = Account.__table__
CA = CallAttempt.__table__
CP = Campaign.__table__
DNC = DncEntry.__table__
PH = AccountPhone.__table__

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


# The statements are built once per shape (building one costs far more than running it)
# and take their values as these parameters; a parameter used twice has one value.
def _param(name: str, type_: Any) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=type_)


NOW = _param("p_now", QE.c.updated_at.type)
CAMPAIGN_ID = _param("p_campaign_id", sa.Integer())
AGENT_ID = _param("p_agent_id", sa.Integer())
SKIP_ID = _param("p_skip_id", sa.Integer())  # an entry to leave alone; 0 for none
LEASE_UNTIL = _param("p_lease_until", QE.c.lease_expires_at.type)
GRACE_ENDED = _param("p_grace_ended", QE.c.next_call_at.type)
ENTRY_ID = _param("p_entry_id", sa.Integer())
HOLDER_ID = _param("p_holder_id", sa.Integer())
NEXT_CALL_AT = _param("p_next_call_at", QE.c.next_call_at.type)
CALLBACK_AGENT_ID = _param("p_callback_agent_id", sa.Integer())
MAX_ATTEMPTS = _param("p_max_attempts", sa.Integer())
FINAL_STATUS = _param("p_final_status", sa.String())


def _v(value: str) -> sa.BindParameter[str]:
    """A constant (a state's value) as an anonymous parameter, so that several UPDATEs in
    one statement never clash on their columns' parameter names."""
    return sa.literal(value, sa.String())


def _account_set(status: Any) -> dict[str, Any]:
    """An account's new status, stamped and versioned as an ORM save would do it (the
    version makes a form loaded before the change refuse to overwrite it)."""
    return {"status": status, "updated_at": NOW, "version": AC.c.version + 1}


def _closed(campaign_id: Any) -> sa.ColumnElement[bool]:
    return sa.exists().where(CP.c.id == campaign_id, CP.c.status == CampaignStatus.CLOSED)


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
    closed = _closed(QE.c.campaign_id)
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
            state=sa.case((closed, _v(QueueState.DONE)), else_=_v(QueueState.WAITING)),
            lease_holder_id=sa.null(),
            lease_expires_at=sa.null(),
            updated_at=NOW,
        )
        .returning(QE.c.id, QE.c.account_id, QE.c.state, QE.c.is_callback)
    )


def _status_after_return(state: Any, is_callback: Any) -> sa.Case:
    return sa.case(
        (state == QueueState.DONE.value, _v(S.READY)),
        (is_callback, _v(S.CALLBACK)),
        else_=_v(S.QUEUED),
    )


def _back_to_queue(account_id: Any, state: Any, is_callback: Any) -> sa.Update:
    return (
        sa.update(AC)
        .where(AC.c.id == account_id, AC.c.status == S.IN_CALL.value)
        .values(_account_set(_status_after_return(state, is_callback)))
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
    held_q = QE.alias("held")
    held = (
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

    def candidates(callbacks: bool) -> tuple[sa.Alias, sa.Select]:
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
                account.c.status.in_([s.value for s in CLAIMABLE]),
                sa.not_(_listed(account)),
            )
            .limit(1)
            .with_for_update(of=q, skip_locked=True)
        )

    cb, callbacks = candidates(True)
    mine = cb.c.callback_agent_id == AGENT_ID
    callbacks = callbacks.where(
        cb.c.next_call_at <= NOW,
        sa.or_(mine, cb.c.callback_agent_id.is_(None), cb.c.next_call_at <= GRACE_ENDED),
    ).order_by(sa.case((mine, 0), else_=1), cb.c.next_call_at, cb.c.id)
    w, others = candidates(False)
    others = others.where(sa.or_(w.c.next_call_at.is_(None), w.c.next_call_at <= NOW)).order_by(
        w.c.priority.desc(), w.c.next_call_at.asc().nulls_first(), w.c.created_at, w.c.id
    )
    chosen = sa.func.coalesce(
        held.scalar_subquery(), callbacks.scalar_subquery(), others.scalar_subquery()
    )
    return (
        sa.update(QE)
        .where(QE.c.id == chosen)
        .values(
            state=_v(QueueState.LEASED),
            lease_holder_id=AGENT_ID,
            lease_expires_at=LEASE_UNTIL,
            updated_at=NOW,
        )
        .returning(QE.c.id, QE.c.account_id)
    )


def _into_call(account_id: Any) -> sa.Update:
    return (
        sa.update(AC)
        .where(AC.c.id == account_id, AC.c.status.in_([s.value for s in CLAIMABLE]))
        .values(_account_set(_v(S.IN_CALL)))
    )


CLAIM_PARAMS = (
    "p_now", "p_campaign_id", "p_agent_id", "p_skip_id", "p_lease_until", "p_grace_ended"
)  # fmt: skip
FINISH_PARAMS = (
    "p_now", "p_entry_id", "p_holder_id", "p_next_call_at", "p_callback_agent_id",
    "p_max_attempts", "p_final_status",
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
    postgres = _postgres(session)
    if postgres:
        statement = prepared(("claim",), session, lambda: _claim_statements(True)[0], CLAIM_PARAMS)
        entry_id = account_id = None
        for _ in range(2):
            entry_id, account_id, back_ids, back_accounts = statement.rows(session, params)[0]
            _expire(session, QueueEntry, back_ids or ())
            _expire(session, Account, back_accounts or ())
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
        _expire(session, QueueEntry, (r.id for r in back_rows))
        _expire(session, Account, (r.account_id for r in back_rows))
        picked = session.execute(statements[2], params).first()
        entry_id, account_id = picked if picked is not None else (None, None)
        if account_id is not None:
            session.execute(statements[3], {"p_now": now, "b_acc": account_id})
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

    @property
    def kind(self) -> str:
        if self.final:
            return "final"
        return "callback" if self.callback_at is not None else "retry"


def _end_entry(kind: str, check_holder: bool) -> sa.Update:
    closed = _closed(QE.c.campaign_id)
    attempts = QE.c.attempts + 1
    done, waiting = _v(QueueState.DONE), _v(QueueState.WAITING)
    if kind == "final":
        state: Any = done
    elif kind == "callback":
        state = sa.case((closed, done), else_=waiting)
    else:
        state = sa.case((sa.or_(closed, attempts >= MAX_ATTEMPTS), done), else_=waiting)
    values: dict[str, Any] = {
        "state": state,
        "attempts": attempts,
        "lease_holder_id": sa.null(),
        "lease_expires_at": sa.null(),
        "is_callback": sa.literal(kind == "callback", sa.Boolean()),
        "callback_agent_id": CALLBACK_AGENT_ID if kind == "callback" else sa.null(),
        "updated_at": NOW,
    }
    if kind != "final":
        values["next_call_at"] = NEXT_CALL_AT
    update = sa.update(QE).where(QE.c.id == ENTRY_ID)
    if check_holder:
        update = update.where(QE.c.state == QueueState.LEASED, QE.c.lease_holder_id == HOLDER_ID)
    return update.values(values).returning(
        QE.c.id, QE.c.account_id, QE.c.state, closed.label("closed")
    )


def _status_after(kind: str, state: Any, closed: Any) -> Any:
    """The account's status once its entry is placed."""
    if kind == "final":
        return FINAL_STATUS
    return sa.case(
        (closed, _v(S.READY)),
        (state == QueueState.DONE.value, _v(S.UNREACHABLE)),
        else_=_v(S.CALLBACK if kind == "callback" else S.QUEUED),
    )


def _moved(account_id: Any, status: Any) -> sa.Update:
    return (
        sa.update(AC)
        .where(AC.c.id == account_id, AC.c.status == S.IN_CALL.value)
        .values(_account_set(status))
        .returning(AC.c.status)
    )


def _attempt_params(attempt: Mapping[str, Any]) -> dict[str, Any]:
    return {f"c_{name}": value for name, value in attempt.items()}


def _attempt_value(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(f"c_{name}", type_=CA.c[name].type)


@cache
def _finish_statements(
    postgres: bool, kind: str, check_holder: bool, set_status: bool, columns: tuple[str, ...]
) -> tuple[Any, ...]:
    """PostgreSQL: one statement (the entry, its account, the call's row). SQLite: the
    parts, in order; there the account's and the call's take the entry's results."""
    ended = _end_entry(kind, check_holder)
    if not postgres:
        state, closed = sa.bindparam("e_state"), sa.bindparam("e_closed", type_=sa.Boolean())
        account_id = sa.bindparam("e_acc")
        values = {name: _attempt_value(name) for name in columns}
        return (
            ended,
            _moved(account_id, _status_after(kind, state, closed)) if set_status else None,
            sa.insert(CA).values(**values, account_id=account_id).returning(CA.c.id)
            if columns
            else None,
        )
    entry = ended.cte("ended")
    parts: list[Any] = []
    status: Any = sa.null()
    if set_status:
        moved = _moved(entry.c.account_id, _status_after(kind, entry.c.state, entry.c.closed))
        moved_cte = moved.cte("moved")
        parts.append(moved_cte)
        status = sa.select(moved_cte.c.status).scalar_subquery()
    attempt_id: Any = sa.null()
    if columns:
        source = sa.select(*(_attempt_value(name) for name in columns), entry.c.account_id)
        recorded = (
            sa.insert(CA)
            .from_select([*columns, "account_id"], source)
            .returning(CA.c.id)
            .cte("recorded")
        )
        parts.append(recorded)
        attempt_id = sa.select(recorded.c.id).scalar_subquery()
    select = sa.select(
        entry.c.id, entry.c.account_id, entry.c.state, entry.c.closed, status, attempt_id
    )
    return (select.add_cte(*parts) if parts else select,)


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

    A final outcome leaves the account's status alone when ``final_status`` is None. With
    ``holder_id``, nothing is written and None is returned unless that agent still holds
    the entry (the UPDATE checks it under the row's lock).
    """
    p = placement
    if p.final and p.final_status is not None and not can_transition(S.IN_CALL, p.final_status):
        raise ValueError(f"no call ends with the account {p.final_status.value}")
    set_status = not p.final or p.final_status is not None
    columns = tuple(attempt or ())
    postgres = _postgres(session)
    shape = (p.kind, holder_id is not None, set_status, columns)
    params: dict[str, Any] = {
        "p_now": now,
        "p_entry_id": entry_id,
        "p_holder_id": holder_id,
        "p_next_call_at": p.callback_at or p.retry_at,
        "p_callback_agent_id": p.callback_agent_id,
        "p_max_attempts": p.max_attempts,
        "p_final_status": p.final_status.value if p.final_status else None,
        **_attempt_params(attempt or {}),
    }
    if postgres:
        statement = prepared(
            ("finish", *shape),
            session,
            lambda: _finish_statements(True, *shape)[0],
            FINISH_PARAMS + tuple(_attempt_params(attempt or {})),
        )
        rows = statement.rows(session, params)
        if not rows:
            return None
        _, account_id, state, closed, status, attempt_id = rows[0]
    else:
        statements = _finish_statements(postgres, *shape)
        ended = session.execute(statements[0], params).first()
        if ended is None:
            return None
        _, account_id, state, closed = ended
        more = {"e_acc": account_id, "e_state": state, "e_closed": bool(closed)}
        status = attempt_id = None
        if statements[1] is not None:
            status = session.execute(statements[1], {**params, **more}).scalar()
        if statements[2] is not None:
            attempt_id = session.execute(statements[2], {**params, **more}).scalar_one()
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
