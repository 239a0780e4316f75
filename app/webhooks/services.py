"""What administrators do to webhook subscriptions, and what the pages read. Every change
is audited; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.audit.services import record
from app.columns import utcnow
from app.webhooks.addresses import AddressRefused, check_url
from app.webhooks.events import start_sending
from app.webhooks.models import (
    EVENTS,
    PAUSED_BY_ADMIN,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from app.webhooks.signing import new_secret

LOG_LENGTH = 100


class WebhookError(ValueError):
    """A change refused, with a message for the administrator (``field``: the form's)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SubscriptionValues:
    name: str
    url: str
    events: list[str]


def _checked(values: SubscriptionValues) -> SubscriptionValues:
    try:
        url = check_url(values.url, allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    except AddressRefused as exc:
        raise WebhookError(str(exc), "url") from exc
    events = [event for event in EVENTS if event in values.events]
    if not events or len(events) != len(set(values.events)):
        raise WebhookError(str(_l("Choose at least one of the listed events.")), "events")
    return SubscriptionValues(values.name, url, events)


def create_subscription(
    session: Session, values: SubscriptionValues, *, actor_id: int | None
) -> WebhookSubscription:
    """A new, active subscription with a new signing secret."""
    checked = _checked(values)
    subscription = WebhookSubscription(name=checked.name, url=checked.url, events=checked.events,
                                       secret=new_secret(), created_by_id=actor_id)  # fmt: skip
    session.add(subscription)
    session.flush()
    record(session, "webhooks.created", user_id=actor_id, obj=subscription, url=checked.url,
           events=checked.events)  # fmt: skip
    return subscription


def update_subscription(
    session: Session, subscription: WebhookSubscription, values: SubscriptionValues, *,
    actor_id: int | None,
) -> bool:  # fmt: skip
    """Change the name, address or events; False when nothing changed."""
    checked = _checked(values)
    before = {"name": subscription.name, "url": subscription.url, "events": subscription.events}
    after = {"name": checked.name, "url": checked.url, "events": checked.events}
    if before == after:
        return False
    subscription.name, subscription.url, subscription.events = (
        checked.name, checked.url, checked.events)  # fmt: skip
    session.flush()
    record(session, "webhooks.updated", user_id=actor_id, obj=subscription, before=before,
           after=after)  # fmt: skip
    return True


def pause(session: Session, subscription: WebhookSubscription, *, actor_id: int | None) -> None:
    """Stop sending: events are no longer recorded for it; its due deliveries wait."""
    if not subscription.active:
        raise WebhookError(str(_l("The subscription is already paused.")))
    subscription.active, subscription.paused_at = False, utcnow()
    subscription.paused_reason = PAUSED_BY_ADMIN
    session.flush()
    record(session, "webhooks.paused", user_id=actor_id, obj=subscription, automatic=False)


def resume(session: Session, subscription: WebhookSubscription, *, actor_id: int | None) -> None:
    """Send again, starting with the deliveries that waited (a job after the commit)."""
    if subscription.active:
        raise WebhookError(str(_l("The subscription is already active.")))
    subscription.active, subscription.consecutive_failures = True, 0
    subscription.paused_at = subscription.paused_reason = None
    session.flush()
    record(session, "webhooks.resumed", user_id=actor_id, obj=subscription)
    start_sending(session, user_id=actor_id)


def delete_subscription(
    session: Session, subscription: WebhookSubscription, *, actor_id: int | None
) -> None:
    """Remove the subscription with its delivery log (the audit log keeps the record)."""
    record(session, "webhooks.deleted", user_id=actor_id, obj=subscription, url=subscription.url)
    session.execute(
        sa.delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    )
    session.delete(subscription)
    session.flush()


def reveal_secret(session: Session, subscription: WebhookSubscription, *, actor_id: int) -> str:
    """The signing secret, for an administrator setting up the receiver; audited."""
    record(session, "webhooks.secret_revealed", user_id=actor_id, obj=subscription)
    return subscription.secret


def replay(session: Session, delivery: WebhookDelivery, *, actor_id: int | None) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery with the same event id and body,
    even to a subscription that no longer lists the event; the original keeps its log."""
    if not delivery.subscription.active:
        raise WebhookError(str(_l("Resume the subscription before replaying its deliveries.")))
    again = WebhookDelivery(subscription_id=delivery.subscription_id, event=delivery.event,
                            event_id=delivery.event_id, payload=delivery.payload,
                            status=DeliveryStatus.PENDING, next_attempt_at=utcnow(),
                            created_at=delivery.created_at, replay_of_id=delivery.id)  # fmt: skip
    session.add(again)
    session.flush()
    record(session, "webhooks.replayed", user_id=actor_id, obj=again, replay_of=delivery.id,
           event_id=delivery.event_id)  # fmt: skip
    start_sending(session, user_id=actor_id)
    return again


def all_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(sa.select(WebhookSubscription).order_by(WebhookSubscription.id)))


def paused_subscriptions(session: Session) -> list[WebhookSubscription]:
    query = sa.select(WebhookSubscription).where(WebhookSubscription.paused_at.is_not(None))
    return list(session.scalars(query.where(~WebhookSubscription.active)))


def recent_deliveries(
    session: Session, subscription: WebhookSubscription, limit: int = LOG_LENGTH
) -> list[WebhookDelivery]:
    """The subscription's latest deliveries, newest first: the log its page shows."""
    return list(
        session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == subscription.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
