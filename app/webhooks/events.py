"""``emit``: an event recorded for its subscribers in the caller's transaction (an outbox).

The deliveries are rows of the caller's unit of work: if it rolls back, nothing was
emitted and nothing is sent. One ``webhooks.send`` job per transaction is recorded with
them, and the job runner dispatches it only after the commit, so the job always finds the
rows. The job sends every delivery that is due, not only this transaction's.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

from app.columns import utcnow
from app.jobs.runner import JobsUnavailable, start_job
from app.webhooks.models import EVENTS, DeliveryStatus, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

SEND_JOB = "webhooks.send"
_JOB_STARTED = "qualifica_webhooks_job"


def emit(session: Session, event: str, payload: dict[str, Any]) -> None:
    """Record ``event`` with ``payload`` (JSON values: ids, keys, codes, ISO times) for
    every active subscription of it, in ``session``; sent after the commit."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    body = json.loads(json.dumps(payload))  # JSON now, or the caller learns it now
    subscribers = [s for s in active_subscriptions(session) if s.wants(event)]
    if not subscribers:
        return
    event_id, now = str(uuid.uuid4()), utcnow()
    for subscription in subscribers:
        session.add(
            WebhookDelivery(
                subscription_id=subscription.id,
                event=event,
                event_id=event_id,
                payload=body,
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )
    session.flush()
    start_sending(session)


def active_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(sa.select(WebhookSubscription).where(WebhookSubscription.active)))


def start_sending(session: Session, *, user_id: int | None = None) -> None:
    """Record one send job for this transaction, dispatched when it commits. Without a
    reachable queue the deliveries stay due, for the next job or ``flask webhooks send``."""
    if session.info.get(_JOB_STARTED):
        return
    try:
        start_job(session, SEND_JOB, {}, user_id=user_id)
    except JobsUnavailable:
        log.warning("webhooks: job queue unavailable; deliveries wait for the next sender")
        return
    session.info[_JOB_STARTED] = True


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_job(session: Session, transaction: SessionTransaction) -> None:
    # The next transaction of this session records a job of its own.
    if transaction.parent is None:
        session.info.pop(_JOB_STARTED, None)
