"""What the queue's set-based writes share: the tables, the parameters, the little
expressions both the claim and the end of a call use.

Why not the ORM: a claim and an end of call run for every call of every agent, and loading
rows to change them cost a dozen round trips per call. Each write is an ``UPDATE ...
RETURNING`` that picks and changes its rows in the database; on PostgreSQL the parts of one
write (the queue entry, its account, the call's row) are data-modifying CTEs of a single
statement, one round trip. SQLite has no DML in CTEs, so there the same parts run one after
another, inside the transaction that holds SQLite's write lock (``leases.begin_write``).

Account statuses change only along the state machine (``app.accounts.status``): each update
names the statuses it may start from, and the modules check at import that the machine
allows those moves. Nothing here commits. ORM objects the session already holds for the
rows written are expired, so code that reads them next sees the new values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


def on_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def expire_rows(session: Session, model: type, ids: Iterable[int]) -> None:
    """Mark the ORM copies of rows written here as stale (rows not loaded cost nothing).

    Only their columns: the statements here write no other table's rows, so an account's
    contacts, fleet and phones stay loaded. Expiring those too made the outcome that
    follows load each again (and flush before each load)."""
    columns = _columns(model)
    for row_id in ids:
        obj = session.identity_map.get(identity_key(model, row_id))
        if obj is not None:
            session.expire(obj, columns)


@cache
def _columns(model: type) -> list[str]:
    return [attr.key for attr in sa.inspect(model).column_attrs]


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


def const(value: str) -> sa.BindParameter[str]:
    """A constant (a state's value) as an anonymous parameter, so that several UPDATEs in
    one statement never clash on their columns' parameter names."""
    return sa.literal(value, sa.String())


def account_set(status: Any) -> dict[str, Any]:
    """An account's new status, stamped and versioned as an ORM save would do it (the
    version makes a form loaded before the change refuse to overwrite it)."""
    return {"status": status, "updated_at": NOW, "version": AC.c.version + 1}


def campaign_closed(campaign_id: Any) -> sa.ColumnElement[bool]:
    return sa.exists().where(CP.c.id == campaign_id, CP.c.status == CampaignStatus.CLOSED)
