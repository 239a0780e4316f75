"""What a supervisor does to an agent from the floor: force a pause, sign them out, send
them a line on their desk. Each is audited (``floor.*``) in the same transaction; the
caller has checked that the supervisor may act on the agent (``scope.manages``). Services
flush and never commit."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.audit.services import record
from app.campaigns.models import QueueEntry, QueueState
from app.columns import utcnow
from app.desk.queue import release_held
from app.users.models import User
from app.users.sessions import end_sessions
from app.workday.machine import AgentState, Moment, StateRefused
from app.workday.messages import TEXT_MAX, send_message
from app.workday.models import FloorMessage, PauseReason, StatePeriod
from app.workday.services import LAPSE, change_state, current_period


class FloorError(ValueError):
    """An action that cannot be done now; the message says why, for the supervisor."""


def working_period(
    session: Session, agent_id: int, now: datetime, lapse: timedelta = LAPSE
) -> StatePeriod | None:
    """The agent's open period if they are signed in now (a desk seen within ``lapse``)."""
    period = current_period(session, agent_id)
    if period is None or period.state == AgentState.SIGNED_OUT or period.seen_at <= now - lapse:
        return None
    return period


def force_pause(
    session: Session, agent: User, reason: PauseReason, *, by: int, now: datetime | None = None
) -> StatePeriod | None:
    """Pause the agent for ``reason`` now: from ready (waiting, or previewing an account,
    whose lease they keep) or from another pause (a new reason). Refused on a call: it
    ends with its outcome, which the supervisor does not cut short."""
    now = now or utcnow()
    period = working_period(session, agent.id, now)
    if period is None:
        raise FloorError(_("%(name)s is not signed in.", name=agent.display_name))
    before = period.state
    try:
        paused = change_state(session, agent.id, Moment.FORCE_PAUSE, at=now,
                              campaign_id=period.campaign_id, reason=reason)  # fmt: skip
    except StateRefused as exc:
        raise FloorError(
            _("%(name)s is on a call: pause them once its outcome is recorded, or send them "
              "a message.", name=agent.display_name)
        ) from exc  # fmt: skip
    record(session, "floor.force_pause", user_id=by, obj=agent, reason=reason.code,
           previous=before.value)  # fmt: skip
    return paused


def held_entries(session: Session, agent_id: int) -> list[QueueEntry]:
    """The queue entries the agent holds under a lease, whatever their campaign."""
    return list(
        session.scalars(
            sa.select(QueueEntry)
            .where(QueueEntry.state == QueueState.LEASED, QueueEntry.lease_holder_id == agent_id)
            .order_by(QueueEntry.id)
        )
    )


def sign_out(session: Session, agent: User, *, by: int) -> int:
    """Sign the agent out: the accounts they hold go back to the queue (their drafts kept,
    for when the account comes back to them), every session of theirs ends and, with them,
    their working day (``revoke``). Returns how many accounts went back."""
    was = current_period(session, agent.id)
    released = [e.id for e in held_entries(session, agent.id)
                if release_held(session, e, by=by) is not None]  # fmt: skip
    end_sessions(session, agent)
    record(session, "floor.sign_out", user_id=by, obj=agent, released=released,
           previous=was.state.value if was is not None else None)  # fmt: skip
    return len(released)


_SPACES = re.compile(r"\s+")


def checked_text(text: str | None) -> str:
    """One line, at most ``TEXT_MAX`` characters, or a ``FloorError`` that says so."""
    line = _SPACES.sub(" ", (text or "").replace("\x00", "")).strip()
    if not line or len(line) > TEXT_MAX:
        raise FloorError(_("Write the message: one line of at most %(max)s characters.",
                           max=TEXT_MAX))  # fmt: skip
    return line


def message(
    session: Session, agent: User, text: str | None, *, by: int, now: datetime | None = None
) -> FloorMessage:
    """A line on the agent's desk, shown at its next heartbeat (30 s at most) until read."""
    line = checked_text(text)
    sent = send_message(session, agent.id, line, by=by, now=now)
    record(session, "floor.message", user_id=by, obj=agent, text=line)
    return sent
