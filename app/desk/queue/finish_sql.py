"""The end of a call as set-based SQL: the entry placed, its account moved on and the
call recorded, in one statement on PostgreSQL (``sql`` says why)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus as S
from app.accounts.status import can_transition
from app.campaigns.models import QueueEntry, QueueState
from app.desk.queue.prepared import prepared
from app.desk.queue.sql import (
    AC,
    CA,
    CALLBACK_AGENT_ID,
    ENTRY_ID,
    FINAL_STATUS,
    HOLDER_ID,
    MAX_ATTEMPTS,
    NEXT_CALL_AT,
    NOW,
    QE,
    Finished,
    account_set,
    campaign_closed,
    const,
    expire_rows,
    on_postgres,
)

FINISH_PARAMS = (
    "p_now", "p_entry_id", "p_holder_id", "p_next_call_at", "p_callback_agent_id",
    "p_max_attempts", "p_final_status",
)  # fmt: skip


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
    closed = campaign_closed(QE.c.campaign_id)
    attempts = QE.c.attempts + 1
    done, waiting = const(QueueState.DONE), const(QueueState.WAITING)
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
        (closed, const(S.READY)),
        (state == QueueState.DONE.value, const(S.UNREACHABLE)),
        else_=const(S.CALLBACK if kind == "callback" else S.QUEUED),
    )


def _moved(account_id: Any, status: Any) -> sa.Update:
    return (
        sa.update(AC)
        .where(AC.c.id == account_id, AC.c.status == S.IN_CALL.value)
        .values(account_set(status))
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
    shape = (p.kind, holder_id is not None, set_status, tuple(attempt or ()))
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
    if on_postgres(session):
        ended = _run_on_postgres(session, shape, params)
    else:
        ended = _run_in_parts(session, shape, params)
    if ended is None:
        return None
    account_id, state, closed, status, attempt_id = ended
    expire_rows(session, QueueEntry, [entry_id])
    expire_rows(session, Account, [account_id])
    return Finished(
        entry_id=entry_id,
        account_id=account_id,
        entry_state=QueueState(state),
        account_status=S(status) if status is not None else None,
        attempt_id=attempt_id,
        closed=bool(closed),
    )


# What the end of a call wrote: (account id, entry state, campaign closed, account status,
# attempt id), or None when the entry was not there (or not held by ``holder_id``).
Written = tuple[int, str, Any, str | None, int | None] | None


def _run_on_postgres(session: Session, shape: tuple[Any, ...], params: dict[str, Any]) -> Written:
    """The one statement, prepared once per shape of call."""
    columns = shape[-1]
    statement = prepared(
        ("finish", *shape),
        session,
        lambda: _finish_statements(True, *shape)[0],
        FINISH_PARAMS + tuple(_attempt_params(dict.fromkeys(columns))),
    )
    rows = statement.rows(session, params)
    if not rows:
        return None
    _, account_id, state, closed, status, attempt_id = rows[0]
    return account_id, state, closed, status, attempt_id


def _run_in_parts(session: Session, shape: tuple[Any, ...], params: dict[str, Any]) -> Written:
    """SQLite: the entry first, then its account and the call's row from what it gave."""
    statements = _finish_statements(False, *shape)
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
    return account_id, state, closed, status, attempt_id
