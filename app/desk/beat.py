"""The desk's heartbeat, as its pages send it (the home's every 30 s, the call screen's
lease renewal): the agent is still there (``workday.services.touch``), has read the
supervisor's line if the body says so, and learns their state (a supervisor may have
paused them) and the supervisor's latest unread line (``workday.messages``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.columns import utcnow
from app.users.models import User
from app.workday.messages import mark_read, message_for
from app.workday.services import touch


def heartbeat(session: Session, agent_id: int, body: Any) -> dict[str, Any]:
    """Touch the agent's state log, note a line read (``{"read_message": id}``), and say
    what the desk shows now: ``state``, ``since``, ``now``, ``message`` (or None)."""
    now = utcnow()
    seen = touch(session, agent_id, now)
    read = body.get("read_message") if isinstance(body, dict) else None
    if isinstance(read, int) and not isinstance(read, bool):
        mark_read(session, agent_id, read, now)
    return {"state": seen.state.value, "since": seen.since.isoformat(), "now": now.isoformat(),
            "message": line_for(session, agent_id)}  # fmt: skip


def line_for(session: Session, agent_id: int) -> dict[str, Any] | None:
    """The supervisor's latest unread line for the agent, as the desk shows it."""
    found = message_for(session, agent_id)
    if found is None:
        return None
    sender = session.get(User, found.sent_by_id)
    return {"id": found.id, "text": found.text, "sent_at": found.sent_at.isoformat(),
            "from": sender.display_name if sender else ""}  # fmt: skip
