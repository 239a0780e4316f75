"""Deliveries reach a real receiver on loopback: signed, retried after 500s and time-outs,
paused after repeated failures, never sent for a rolled-back transaction, replayable."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.audit.models import AuditEntry
from app.columns import utcnow
from app.extensions import db
from app.webhooks.events import emit
from app.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from app.webhooks.signing import verify
from tests.conftest import Auth, csrf_token
from tests.integration.webhooks.conftest import HANG, run_jobs, subscribe

pytestmark = pytest.mark.usefixtures("webhook_settings")
PAYLOAD = {"call_id": 7, "account_key": "QA-000001", "campaign": "CAMP1", "outcome": "busy"}


def emit_and_commit(app, *events: str, payload=PAYLOAD) -> None:
    with app.app_context():
        for event in events or ("call.recorded",):
            emit(db.session, event, payload)
        db.session.commit()
        db.session.remove()


def deliveries(session) -> list[WebhookDelivery]:
    return list(session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def later(minutes: float):
    return time_machine.travel(utcnow() + timedelta(minutes=minutes), tick=True)


def test_a_delivery_is_signed_and_the_receiver_can_verify_it(app, session, receiver):
    subscription = subscribe(session, receiver, events=["call.recorded", "wave.confirmed"])
    emit_and_commit(app, "call.recorded")
    assert len(session.info["dispatched_jobs"]) == 1
    [result] = run_jobs(app, session)
    assert result == {"delivered": 1, "failed": 0, "paused": []}
    [got] = receiver.requests
    header = got.headers["Qualifica-Signature"]
    assert verify(subscription.secret, header, got.body, now=time.time())
    assert not verify("whsec_other", header, got.body, now=time.time())
    assert not verify(subscription.secret, header, got.body + b" ", now=time.time())
    assert not verify(subscription.secret, header, got.body, now=time.time() + 301)  # replayed late
    [delivery] = deliveries(session)
    assert got.headers["Qualifica-Event"] == "call.recorded"
    assert got.headers["Qualifica-Delivery"] == str(delivery.id)
    assert got.headers["Qualifica-Event-Id"] == delivery.event_id == got.json["id"]
    assert got.json["event"] == "call.recorded" and got.json["data"] == PAYLOAD
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.delivered_at is not None
    assert delivery.duration_ms is not None


def test_only_subscribers_of_the_event_get_it_and_one_job_per_transaction(app, session, receiver):
    subscribe(session, receiver, events=["wave.confirmed"])
    other = subscribe(session, receiver, events=["call.recorded"])
    emit_and_commit(app, "call.recorded", "call.recorded")
    assert [d.subscription_id for d in deliveries(session)] == [other.id, other.id]
    assert len(session.info["dispatched_jobs"]) == 1
    run_jobs(app, session)
    assert [r.json["id"] for r in receiver.requests] == [d.event_id for d in deliveries(session)]


def test_nothing_is_sent_for_a_rolled_back_transaction(app, session, receiver):
    subscribe(session, receiver)
    with app.app_context():
        emit(db.session, "call.recorded", PAYLOAD)
        db.session.rollback()
        db.session.remove()
    assert deliveries(session) == []
    assert session.info["dispatched_jobs"] == []
    emit_and_commit(app, "call.recorded")  # a later transaction: its job sends only its own
    run_jobs(app, session)
    assert len(receiver.requests) == 1


def test_a_500_is_retried_with_backoff_and_then_delivered(app, session, receiver):
    receiver.answers = [500]
    subscribe(session, receiver)
    emit_and_commit(app)
    run_jobs(app, session)
    [delivery] = deliveries(session)
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code == 500
    wait = delivery.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < wait < timedelta(seconds=70)  # 1 minute, +-10% jitter
    emit_and_commit(app, "call.recorded")  # another event now: the failed one is not due yet
    run_jobs(app, session)
    assert len(receiver.requests) == 2
    with later(2):
        emit_and_commit(app, "call.recorded")
        run_jobs(app, session)
    session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    first, *_, again = [r for r in receiver.requests if r.json["id"] == delivery.event_id]
    assert first.body == again.body  # the same event, the same bytes
    codes = session.scalars(sa.select(WebhookAttempt.status_code)
                            .where(WebhookAttempt.delivery_id == delivery.id)
                            .order_by(WebhookAttempt.id)).all()  # fmt: skip
    assert codes == [500, 200]


def test_a_receiver_that_does_not_answer_in_time_is_retried(app, session, receiver):
    receiver.answers = [HANG]
    subscribe(session, receiver)
    emit_and_commit(app)
    started = time.monotonic()
    run_jobs(app, session)
    assert time.monotonic() - started < 5  # the 0.5 s limit, not the receiver's 10 s
    [delivery] = deliveries(session)
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code is None
    assert "no answer within 0.5 s" in delivery.last_error
    with later(2):
        emit_and_commit(app, "call.recorded")
        run_jobs(app, session)
    session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2


def test_repeated_failures_pause_the_subscription_with_a_warning(
    app, session, receiver, client, users
):
    receiver.answers = [500, 503, 500]
    subscription = subscribe(session, receiver)
    emit_and_commit(app, "call.recorded", "call.recorded", "call.recorded", "call.recorded")
    [result] = run_jobs(app, session)
    assert result == {"delivered": 0, "failed": 3, "paused": [subscription.id]}
    assert len(receiver.requests) == 3  # the fourth waits for the subscription to resume
    session.refresh(subscription)
    assert not subscription.active and subscription.consecutive_failures == 3
    assert subscription.paused_reason == "3 failed attempts in a row"
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "webhooks.paused"))
    assert [entry.object_id for entry in audit] == [str(subscription.id)]
    emit_and_commit(app, "call.recorded")  # while paused: not recorded for it
    assert len(deliveries(session)) == 4
    Auth(client).login("admin")
    page = client.get("/webhooks/").get_data(as_text=True)
    assert f'data-testid="paused-{subscription.id}"' in page
    assert "3 tentativi falliti di seguito" in page  # Italian by default
    token = csrf_token(client, f"/webhooks/{subscription.id}")
    assert client.post(f"/webhooks/{subscription.id}/resume",
                       data={"csrf_token": token}).status_code == 302  # fmt: skip
    run_jobs(app, session)  # the resume's job sends the one that waited
    assert len(receiver.requests) == 4
    statuses = [d.status for d in deliveries(session)]
    assert statuses.count(DeliveryStatus.DELIVERED) == 1


def test_replay_sends_the_event_again_with_the_same_event_id(app, session, receiver, client, users):
    subscribe(session, receiver)
    emit_and_commit(app)
    run_jobs(app, session)
    [delivery] = deliveries(session)
    Auth(client).login("admin")
    token = csrf_token(client, f"/webhooks/{delivery.subscription_id}")
    refused = client.post(f"/webhooks/deliveries/{delivery.id}/replay", data={})
    assert refused.status_code == 400  # no CSRF token, no replay
    response = client.post(f"/webhooks/deliveries/{delivery.id}/replay",
                           data={"csrf_token": token})  # fmt: skip
    assert response.status_code == 302
    assert len(session.info["dispatched_jobs"]) == 1
    run_jobs(app, session)
    first, again = receiver.requests
    assert first.json["id"] == again.json["id"] == delivery.event_id
    assert first.body == again.body
    assert first.headers["Qualifica-Delivery"] != again.headers["Qualifica-Delivery"]
    replayed = deliveries(session)[-1]
    assert replayed.replay_of_id == delivery.id and replayed.status == DeliveryStatus.DELIVERED
