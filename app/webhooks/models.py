"""Webhook subscriptions, the deliveries of their events (the outbox) and each attempt."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.columns import Timestamps, UTCDateTime, str_enum, utcnow
from app.extensions import db

# The events a URL can subscribe to, in the order the pages list them.
EVENTS = (
    "import.finished",
    "call.recorded",
    "account.qualified",
    "wave.confirmed",
    "export.finished",
    "result.recorded",
)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # not attempted yet
    FAILED = "failed"  # the last attempt failed; another is scheduled at next_attempt_at
    DELIVERED = "delivered"  # a 2xx answer
    GAVE_UP = "gave_up"  # every retry failed; only a replay sends it again


# Why a subscription an administrator paused is paused (automatic pauses say how many
# attempts failed: ``sending.PAUSED_REASON``).
PAUSED_BY_ADMIN = "paused by an administrator"

# Deliveries a sender may pick up once ``next_attempt_at`` has passed.
SENDABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


class WebhookSubscription(Timestamps, db.Model):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Kept in clear: signing needs it (a hash could not sign). Shown to administrators
    # on request, audited (docs/webhooks.md).
    secret: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    def wants(self, event: str) -> bool:
        return self.active and event in self.events

    @property
    def paused_for_failures(self) -> bool:
        return not self.active and self.paused_reason != PAUSED_BY_ADMIN


class WebhookDelivery(db.Model):
    """One event for one subscription: written in the transaction that caused the event,
    sent after it commits, retried until delivered or given up."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event: Mapped[str] = mapped_column(sa.String(40))
    # The same for every delivery of one event (a replay too): receivers dedupe on it.
    event_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The delivery this one replays, if it is a replay.
    replay_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="SET NULL")
    )

    subscription: Mapped[WebhookSubscription] = relationship()


class WebhookAttempt(db.Model):
    """One try at sending a delivery: the log the delivery page shows."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[int]
