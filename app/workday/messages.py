"""The lines a supervisor sends an agent from the floor: written here, shown on the agent's
desk by its heartbeat (every 30 s, and when the tab is visible again) until the agent has
read it. One line at a time: the latest unread, sent within ``SHOWN_FOR``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.columns import UTCDateTime, utcnow
from app.workday.models import FloorMessage

TEXT_MAX = 200
# A line older than this is yesterday's news: the desk no longer shows it.
SHOWN_FOR = timedelta(hours=8)


@dataclass(frozen=True)
class ShownMessage:
    """What the desk shows of a message (the desk names its sender)."""

    id: int
    text: str
    sent_by_id: int
    sent_at: datetime


def send_message(
    session: Session, agent_id: int, text: str, *, by: int, now: datetime | None = None
) -> FloorMessage:
    """Keep ``text`` (already checked: one line, at most ``TEXT_MAX`` characters) for the
    agent's desk. The caller audits it with the floor's action."""
    message = FloorMessage(agent_id=agent_id, sent_by_id=by, text=text, sent_at=now or utcnow())
    session.add(message)
    session.flush()
    return message


def _latest_unread() -> sa.Select:
    """``message_for``'s query, built once: every desk asks every 30 s."""
    m = FloorMessage.__table__.c
    return (
        sa.select(m.id, m.text, m.sent_by_id, m.sent_at)
        .where(
            m.agent_id == sa.bindparam("agent_id"),
            m.read_at.is_(None),
            m.sent_at > sa.bindparam("since", type_=UTCDateTime()),
        )
        .order_by(m.sent_at.desc(), m.id.desc())
        .limit(1)
    )


_LATEST_UNREAD = _latest_unread()


def message_for(
    session: Session, agent_id: int, now: datetime | None = None
) -> ShownMessage | None:
    """The latest unread line for the agent, if sent within ``SHOWN_FOR`` (reads only)."""
    now = now or utcnow()
    row = session.execute(_LATEST_UNREAD, {"agent_id": agent_id, "since": now - SHOWN_FOR}).first()
    return ShownMessage(*row) if row is not None else None


def mark_read(
    session: Session, agent_id: int, message_id: int, now: datetime | None = None
) -> bool:
    """The agent has read the line (and every earlier one); False if it is not theirs."""
    m = FloorMessage
    sent = session.scalar(sa.select(m.sent_at).where(m.id == message_id, m.agent_id == agent_id))
    if sent is None:
        return False
    session.execute(
        sa.update(m)
        .where(m.agent_id == agent_id, m.read_at.is_(None), m.sent_at <= sent)
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return True
