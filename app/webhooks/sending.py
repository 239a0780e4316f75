"""Sending due deliveries: claim one, post it signed, record the attempt, schedule a retry.

Each delivery is claimed in a short committed transaction (``next_attempt_at`` moved past
the request's time limit, on the condition that nobody moved it first), so two senders
never post the same delivery at once, and no transaction stays open while a receiver takes
its time. A sender that dies mid-post leaves the claim to expire: the delivery is sent
again (at least once; receivers dedupe on the event id).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.services import record
from app.columns import utcnow
from app.extensions import begin_write
from app.webhooks.addresses import AddressRefused, check_url
from app.webhooks.models import (
    SENDABLE,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from app.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

log = logging.getLogger(__name__)

# The waits after the 1st, 2nd, ... failed attempt; after the last, the delivery gives up
# (7 attempts over about 39 hours). Each wait is stretched or shrunk by up to JITTER.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
    timedelta(hours=24),
)
JITTER = 0.1
CLAIM_MARGIN = timedelta(seconds=60)
ERROR_MAX = 500
# Stored in English, as written; the pages show it as it is (docs/webhooks.md).
PAUSED_REASON = "{n} failed attempts in a row"
_jitter = random.SystemRandom()


@dataclass(frozen=True)
class Settings:
    timeout: float
    pause_after: int
    allow_private: bool


@dataclass
class SendReport:
    delivered: int = 0
    failed: int = 0
    paused: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"delivered": self.delivered, "failed": self.failed, "paused": self.paused}


@dataclass(frozen=True)
class Request:
    """What one attempt sends, read from the rows before their transaction ends."""

    delivery_id: int
    url: str
    body: bytes
    secret: str
    event: str
    event_id: str


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the same bytes for every attempt at one delivery."""
    envelope = {
        "id": delivery.event_id,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed attempts; None: give up."""
    if attempts > len(RETRY_DELAYS):
        return None
    wait = RETRY_DELAYS[attempts - 1].total_seconds()
    return now + timedelta(seconds=wait * _jitter.uniform(1 - JITTER, 1 + JITTER))


def send_due(
    session: Session,
    settings: Settings,
    *,
    commit: Callable[[], None],
    limit: int = 500,
) -> SendReport:
    """Send the due deliveries of active subscriptions, oldest event first, committing
    after each claim and each attempt. At most ``limit``: the rest wait for the next run."""
    report = SendReport()
    for _ in range(limit):
        request = _claim_next(session, settings)
        commit()
        if request is None:
            break
        answer = post(request, settings)  # no transaction open meanwhile
        _record(session, request.delivery_id, answer, settings, report)
        commit()
    return report


def _claim_next(session: Session, settings: Settings) -> Request | None:
    begin_write(session)
    now = utcnow()
    due = session.execute(
        sa.select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
        .join(WebhookSubscription)
        .where(
            WebhookSubscription.active,
            WebhookDelivery.status.in_(SENDABLE),
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.id)
        .limit(20)
    ).all()
    lease = now + timedelta(seconds=settings.timeout) + CLAIM_MARGIN
    for delivery_id, seen in due:
        claimed = session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.next_attempt_at == seen)
            .values(next_attempt_at=lease)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            delivery = session.get_one(WebhookDelivery, delivery_id, populate_existing=True)
            subscription = delivery.subscription
            return Request(delivery.id, subscription.url, body_of(delivery),
                           subscription.secret, delivery.event, delivery.event_id)  # fmt: skip
    return None


def post(request: Request, settings: Settings) -> Answer:
    """One signed POST; any answer but a 2xx, and any error, is a failure."""
    started = time.monotonic()

    def answer(code: int | None, error: str | None) -> Answer:
        return Answer(code, error, round((time.monotonic() - started) * 1000))

    try:
        check_url(request.url, allow_private=settings.allow_private)
    except AddressRefused as exc:
        return answer(None, str(exc))
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Qualifica-Webhooks/1",
        SIGNATURE_HEADER: signature_header(request.secret, timestamp, request.body),
        EVENT_HEADER: request.event,
        EVENT_ID_HEADER: request.event_id,
        DELIVERY_HEADER: str(request.delivery_id),
    }
    try:
        with (
            requests.Session() as http,
            http.post(
                request.url,
                data=request.body,
                headers=headers,
                timeout=settings.timeout,
                allow_redirects=False,
                stream=True,
            ) as response,  # fmt: skip
        ):
            code = response.status_code
    except requests.Timeout:
        return answer(None, f"no answer within {settings.timeout:g} s")
    except requests.RequestException as exc:
        return answer(None, f"{type(exc).__name__}: {exc}"[:ERROR_MAX])
    return answer(code, None if 200 <= code < 300 else f"HTTP {code}")


def _record(
    session: Session, delivery_id: int, answer: Answer, settings: Settings, report: SendReport
) -> None:
    begin_write(session)
    now = utcnow()
    delivery = session.get_one(WebhookDelivery, delivery_id, populate_existing=True)
    subscription = delivery.subscription
    session.add(WebhookAttempt(delivery_id=delivery.id, at=now, status_code=answer.status_code,
                               error=answer.error, duration_ms=answer.duration_ms))  # fmt: skip
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = answer.status_code, answer.error
    delivery.duration_ms = answer.duration_ms
    log.info("webhook delivery %s (%s) attempt %s: %s", delivery.id, delivery.event,
             delivery.attempts, answer.status_code or answer.error)  # fmt: skip
    if answer.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED, now, None)  # fmt: skip
        subscription.consecutive_failures = 0
        report.delivered += 1
    else:
        delivery.next_attempt_at = retry_at(delivery.attempts, now)
        delivery.status = (
            DeliveryStatus.FAILED if delivery.next_attempt_at else DeliveryStatus.GAVE_UP
        )
        subscription.consecutive_failures += 1
        report.failed += 1
        if subscription.active and subscription.consecutive_failures >= settings.pause_after:
            pause_failing(session, subscription, now)
            report.paused.append(subscription.id)
    session.flush()


def pause_failing(session: Session, subscription: WebhookSubscription, now: datetime) -> None:
    """Stop sending to a receiver that keeps failing, and say so (audit, the pages)."""
    subscription.active, subscription.paused_at = False, now
    subscription.paused_reason = PAUSED_REASON.format(n=subscription.consecutive_failures)
    record(session, "webhooks.paused", obj=subscription, url=subscription.url,
           failures=subscription.consecutive_failures, automatic=True)  # fmt: skip
