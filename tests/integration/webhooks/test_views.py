"""The administrators' pages: add (address checked), edit, pause and resume, reveal the
secret (audited), delete; in Italian and English; CSRF on every change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.webhooks.models import WebhookSubscription
from tests.conftest import Auth, csrf_token


@pytest.fixture
def admin(client, users):
    Auth(client).login("admin")
    return client


def add(client, url, events=("call.recorded",), name="CRM vendite"):
    token = csrf_token(client, "/webhooks/")
    return client.post("/webhooks/", data={"csrf_token": token, "name": name, "url": url,
                                           "events": list(events)})  # fmt: skip


def test_private_addresses_are_refused_unless_the_setting_allows_them(admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    refused = add(admin, "http://127.0.0.1:8080/hooks")
    assert refused.status_code == 400
    assert "rete privata o locale (127.0.0.1)" in refused.get_data(as_text=True)
    assert add(admin, "ftp://crm.example.com/").status_code == 400
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    assert add(admin, "http://127.0.0.1:8080/hooks").status_code == 302


def test_an_administrator_adds_edits_pauses_resumes_and_deletes(admin, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    response = add(admin, "http://127.0.0.1:8080/hooks", events=["call.recorded"])
    subscription = session.scalars(sa.select(WebhookSubscription)).one()
    assert response.headers["Location"].endswith(f"/webhooks/{subscription.id}")
    assert subscription.secret.startswith("whsec_") and subscription.active
    page = admin.get(f"/webhooks/{subscription.id}").get_data(as_text=True)
    assert subscription.secret not in page  # shown on request only
    token = csrf_token(admin, f"/webhooks/{subscription.id}")
    shown = admin.post(f"/webhooks/{subscription.id}/secret", data={"csrf_token": token})
    assert subscription.secret in shown.get_data(as_text=True)
    edited = admin.post(f"/webhooks/{subscription.id}", data={
        "csrf_token": token, "name": "CRM vendite", "url": "http://127.0.0.1:8080/hooks",
        "events": ["account.qualified", "wave.confirmed"]})  # fmt: skip
    assert edited.status_code == 302
    session.refresh(subscription)
    assert subscription.events == ["account.qualified", "wave.confirmed"]
    admin.post(f"/webhooks/{subscription.id}/pause", data={"csrf_token": token})
    session.refresh(subscription)
    assert not subscription.active
    page = admin.get("/webhooks/").get_data(as_text=True)
    assert "messa in pausa da un amministratore" in page
    admin.post(f"/webhooks/{subscription.id}/resume", data={"csrf_token": token})
    session.refresh(subscription)
    assert subscription.active
    assert admin.post(f"/webhooks/{subscription.id}/delete", data={}).status_code == 400
    admin.post(f"/webhooks/{subscription.id}/delete", data={"csrf_token": token})
    assert session.scalars(sa.select(WebhookSubscription)).all() == []
    actions = session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("webhooks.%")).order_by(AuditEntry.id)).all()  # fmt: skip
    assert actions == ["webhooks.created", "webhooks.secret_revealed", "webhooks.updated",
                       "webhooks.paused", "webhooks.resumed", "webhooks.deleted"]  # fmt: skip


def test_the_pages_speak_english_too(admin):
    token = csrf_token(admin, "/webhooks/")
    admin.post("/language", data={"csrf_token": token, "lang": "en", "next": "/webhooks/"})
    page = admin.get("/webhooks/").get_data(as_text=True)
    assert "No subscriptions yet" in page and "New subscription" in page


@pytest.mark.parametrize("role", ["agent", "supervisor", "staff"])
def test_only_administrators_open_them(client, users, role):
    Auth(client).login(role)
    assert client.get("/webhooks/").status_code == 403
