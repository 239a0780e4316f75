"""The desk's frequent small requests on the call an agent holds: the autosave (every few
seconds), the lease (every 30 s) and the check of an answer as it is typed.

Why not ``services.open_call``: that loads the whole call (entry, campaign, script, draft,
history, account, contacts, fleet, opportunities: nine queries through the ORM) and these
requests need one piece of it. Measured with ``scripts/bench/desk_costs.py``, a draft save
cost five times the sign-in page, almost all of it in SQLAlchemy's ORM. Here each is one
row read with Core (the lease held, the campaign's lease length, the script's version)
and, for the draft, two writes, the lease's (``queue.extend_lease``) first: each is guarded
by the lease in its WHERE clause, so a request that loses the race with an outcome or a
claim writes nothing. The parsed script is kept per version
(``scripting.services.script_by_version``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.columns import utcnow
from app.desk.fields import script_fields
from app.desk.models import CallDraft
from app.desk.queue import extend_lease
from app.desk.services import DeskError, LeaseLostError
from app.scripting.models import CallScript
from app.scripting.schema import Script
from app.scripting.services import script_by_version

QE = QueueEntry.__table__
CP = Campaign.__table__
CS = CallScript.__table__
DR = CallDraft.__table__


@dataclass(frozen=True)
class Held:
    """What a small request needs of the call in hand."""

    lease_minutes: int
    script: Script


@dataclass(frozen=True)
class Saved:
    saved_at: datetime
    lease_expires_at: datetime


def _held_row(session: Session, entry_id: int, agent_id: int) -> sa.Row:
    row = session.execute(
        sa.select(CP.c.lease_minutes, CS.c.id, CS.c.sha256)
        .select_from(QE.join(CP, CP.c.id == QE.c.campaign_id))
        .outerjoin(CS, CS.c.id == CP.c.call_script_id)
        .where(
            QE.c.id == entry_id,
            QE.c.state == QueueState.LEASED,
            QE.c.lease_holder_id == agent_id,
        )
    ).first()
    if row is None:
        raise LeaseLostError(_("This account is no longer assigned to you."))
    if row.id is None:
        raise DeskError(_("This campaign has no call script yet: tell your supervisor."))
    return row


def held(session: Session, entry_id: int, agent_id: int) -> Held:
    """The lease length and the parsed script of the entry the agent holds (one query while
    the script's version is cached). Raises ``LeaseLostError`` (or ``DeskError`` for a
    campaign without a script) as ``open_call`` does."""
    row = _held_row(session, entry_id, agent_id)
    return Held(row.lease_minutes, script_by_version(session, row.id, row.sha256))


def keep_draft(
    session: Session,
    entry_id: int,
    agent_id: int,
    fields: Mapping[str, Any],
    notes: str | None,
    now: datetime | None = None,
) -> Saved:
    """Save what the agent typed (the script's fields only) and renew the lease: the held
    row, the lease's UPDATE, the draft's upsert (three statements). The lease is written
    first, so an outcome or a claim that took the entry meanwhile (its row locked) makes
    this request write nothing; a call whose draft went missing gets one back."""
    now = now or utcnow()
    call = held(session, entry_id, agent_id)
    expires = extend_lease(session, entry_id, agent_id, call.lease_minutes, now)
    if expires is None:
        raise LeaseLostError(_("This account is no longer assigned to you."))
    values = {"answers": script_fields(call.script, fields), "notes": notes or None,
              "updated_at": now}  # fmt: skip
    insert = _insert(session)(DR).values(queue_entry_id=entry_id, agent_id=agent_id,
                                         created_at=now, **values)  # fmt: skip
    keys = [DR.c.queue_entry_id, DR.c.agent_id]
    session.execute(insert.on_conflict_do_update(index_elements=keys, set_=values))
    _expire_loaded_draft(session, entry_id, agent_id)
    return Saved(now, expires)


def _expire_loaded_draft(session: Session, entry_id: int, agent_id: int) -> None:
    """A draft this session already loaded reads the saved values next (Core wrote them)."""
    for loaded in list(session.identity_map.values()):
        mine = isinstance(loaded, CallDraft) and loaded.agent_id == agent_id
        if mine and loaded.queue_entry_id == entry_id:
            session.expire(loaded)


def _insert(session: Session):
    """The dialect's INSERT, which knows ``ON CONFLICT`` (PostgreSQL and SQLite alike)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
