"""The desk's frequent small requests on the call an agent holds: the autosave (every few
seconds), the check of an answer as it is typed (the lease is ``queue.renew_lease``), and
the draft made when the agent is handed an account (``start_call``); and the call an
outcome already recorded under a retried submit's token (``find_recorded``).

Why not ``services.open_call``: that loads the call as ORM objects (the entry with its
campaign, account and script version, and its draft), which these requests do not need.
Before issue 26 it loaded the whole call (nine queries) for each of them, and a draft save
cost five times the sign-in page (``scripts/bench/desk_costs.py``), almost all of it in
SQLAlchemy's ORM. Here the check reads one row with Core (the entry held, its script's
version) and the draft renews the lease (which returns the script's version too) and then
upserts the draft: the lease is written first and guarded by its WHERE clause, so a save
that loses the race with an outcome or a claim writes nothing. The parsed script is kept
per version (``scripting.services.script_by_version``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.columns import UTCDateTime, utcnow
from app.desk.fields import script_fields
from app.desk.models import CallAttempt, CallDraft
from app.desk.queue import renew_lease
from app.desk.services import DeskError, LeaseLostError
from app.extensions import upsert_insert
from app.scripting.models import CallScript
from app.scripting.schema import Script
from app.scripting.services import script_by_version

QE = QueueEntry.__table__
CP = Campaign.__table__
CS = CallScript.__table__
DR = CallDraft.__table__


@dataclass(frozen=True)
class Saved:
    saved_at: datetime
    lease_expires_at: datetime


def _held_script() -> sa.Select:
    """``held_script``'s query, built once (building it cost more Python than running it)."""
    return (
        sa.select(CS.c.id, CS.c.sha256)
        .select_from(QE.join(CP, CP.c.id == QE.c.campaign_id))
        .outerjoin(CS, CS.c.id == CP.c.call_script_id)
        .where(
            QE.c.id == sa.bindparam("entry_id"),
            QE.c.state == QueueState.LEASED,
            QE.c.lease_holder_id == sa.bindparam("agent_id"),
        )
    )


_HELD_SCRIPT = _held_script()


def held_script(session: Session, entry_id: int, agent_id: int) -> Script:
    """The parsed script of the entry the agent holds (one query while the version is
    cached). Raises ``LeaseLostError`` (or ``DeskError`` for a campaign without a script)
    as ``open_call`` does."""
    row = session.execute(_HELD_SCRIPT, {"entry_id": entry_id, "agent_id": agent_id}).first()
    if row is None:
        raise LeaseLostError(_("This account is no longer assigned to you."))
    return _script(session, row.id, row.sha256)


def _script(session: Session, script_id: int | None, sha256: str | None) -> Script:
    if script_id is None or sha256 is None:
        raise DeskError(_("This campaign has no call script yet: tell your supervisor."))
    return script_by_version(session, script_id, sha256)


def keep_draft(
    session: Session,
    entry_id: int,
    agent_id: int,
    fields: Mapping[str, Any],
    notes: str | None,
    now: datetime | None = None,
) -> Saved:
    """Save what the agent typed (the script's fields only) and renew the lease: the
    lease's UPDATE, then the draft's upsert (two statements on PostgreSQL). A call whose
    draft went missing gets one back."""
    now = now or utcnow()
    renewed = renew_lease(session, entry_id, agent_id, now)
    if renewed is None:
        raise LeaseLostError(_("This account is no longer assigned to you."))
    script = _script(session, renewed.script_id, renewed.script_sha256)
    answers = script_fields(script, fields)
    params = {"b_entry": entry_id, "b_agent": agent_id, "b_answers": answers,
              "b_notes": notes or None, "b_now": now}  # fmt: skip
    session.execute(_upsert(session), params)
    _expire_loaded_draft(session, entry_id, agent_id)
    return Saved(now, renewed.expires_at)


_UPSERTS: dict[tuple[str, bool], sa.Insert] = {}


def _upsert(session: Session, *, replace: bool = True) -> sa.Insert:
    """The draft's ``INSERT ... ON CONFLICT`` in the database's dialect (PostgreSQL and
    SQLite both know it), built once per dialect: ``DO UPDATE`` of its answers for a save,
    ``DO NOTHING`` for a call's start (a draft already there keeps its clock)."""
    key = (session.get_bind().dialect.name, replace)
    found = _UPSERTS.get(key)
    if found is None:
        # (bound names differ from the columns': SQLAlchemy keeps those for itself)
        now = sa.bindparam("b_now", type_=UTCDateTime())
        values = {
            "answers": sa.bindparam("b_answers", type_=DR.c.answers.type),
            "notes": sa.bindparam("b_notes", type_=DR.c.notes.type),
            "updated_at": now,
        }
        insert = upsert_insert(session)(DR).values(
            queue_entry_id=sa.bindparam("b_entry"),
            agent_id=sa.bindparam("b_agent"),
            created_at=now,
            **values,
        )
        same = [DR.c.queue_entry_id, DR.c.agent_id]
        found = _UPSERTS[key] = (
            insert.on_conflict_do_update(index_elements=same, set_=values)
            if replace
            else insert.on_conflict_do_nothing(index_elements=same)
        )
    return found


def _expire_loaded_draft(session: Session, entry_id: int, agent_id: int) -> None:
    """A draft this session already loaded reads the saved values next (Core wrote them)."""
    for loaded in CallDraft.loaded(session, entry_id, agent_id):
        session.expire(loaded)


def start_call(session: Session, entry_id: int, agent_id: int, now: datetime | None = None) -> None:
    """The agent was just handed the entry: its draft is made now, which is when the call's
    clock starts (the call screen that follows only reads). One statement: a draft the
    agent already has for the entry (handed back to them) keeps its clock."""
    params = {"b_entry": entry_id, "b_agent": agent_id, "b_answers": {}, "b_notes": None,
              "b_now": now or utcnow()}  # fmt: skip
    session.execute(_upsert(session, replace=False), params)


def find_recorded(
    session: Session, client_token: str, agent_id: int, entry_id: int
) -> CallAttempt | None:
    """The call this agent already recorded for this entry under this token: a retried
    submit must not record two."""
    params = {"token": client_token, "agent_id": agent_id, "entry_id": entry_id}
    return session.scalar(_RECORDED, params)


_RECORDED = (
    sa.select(CallAttempt)
    .join(QueueEntry, QueueEntry.account_id == CallAttempt.account_id)
    .where(
        CallAttempt.client_token == sa.bindparam("token"),
        CallAttempt.agent_id == sa.bindparam("agent_id"),
        CallAttempt.campaign_id == QueueEntry.campaign_id,
        QueueEntry.id == sa.bindparam("entry_id"),
    )
)
