"""The sending job: one message, one attempt, its outcome recorded on the message."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.jobs.registry import Handler
from app.jobs.runner import Progress
from app.mail.models import MailMessage, MailStatus
from app.mail.services import SEND_JOB, attempt


def send(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Deliver one queued message. A delivery error is the message's, not the job's: it
    is recorded on the message (attempts, error, next attempt) and the job finishes."""
    message = session.get(MailMessage, params["message_id"])
    if message is None or message.status != MailStatus.QUEUED:
        return {"skipped": message.status.value if message else "missing"}
    sent = attempt(session, message)
    return {"sent": sent, "attempts": message.attempts}


JOBS: dict[str, Handler] = {SEND_JOB: send}
