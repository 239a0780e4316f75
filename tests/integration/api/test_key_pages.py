"""The administrator's key pages: administrators only, CSRF on every form, the key shown
once and never stored, revocation audited."""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa

from app.api.models import ApiKey
from app.audit.models import AuditEntry
from tests.conftest import Auth, csrf_token


def test_create_shows_the_key_once_and_keeps_its_hash(client, session, users):
    Auth(client).login("admin")
    token = csrf_token(client, "/api-keys/new")
    form = {"csrf_token": token, "name": "CRM", "scopes": ["calls:read", "accounts:read"]}
    response = client.post("/api-keys/new", data=form)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r"(qk_[0-9a-f]{8}_[A-Za-z0-9_-]{43})", response.get_data(as_text=True))[1]
    key = session.scalars(sa.select(ApiKey)).one()
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key.scopes == ["accounts:read", "calls:read"] and key.created_by_id == users["admin"].id
    listed = client.get("/api-keys/").get_data(as_text=True)
    assert key.prefix in listed and secret not in listed
    created = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "api_key.created"))
    assert [e.details["prefix"] for e in created] == [key.prefix]


def test_the_forms_need_their_csrf_token_and_a_scope(client, session, users):
    Auth(client).login("admin")
    refused = client.post("/api-keys/new", data={"name": "CRM", "scopes": ["calls:read"]})
    assert refused.status_code == 400
    token = csrf_token(client, "/api-keys/new")
    no_scope = client.post("/api-keys/new", data={"csrf_token": token, "name": "CRM"})
    assert no_scope.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 0


def test_revoke_is_audited_and_needs_the_token(client, session, keys, users):
    key, _token = keys.make("calls:read")
    Auth(client).login("admin")
    client.post(f"/api-keys/{key.id}/revoke")  # no token: nothing happens
    assert session.get(ApiKey, key.id).revoked_at is None
    client.post(f"/api-keys/{key.id}/revoke", data={"csrf_token": csrf_token(client, "/api-keys/")})
    assert session.get(ApiKey, key.id).revoked_at is not None
    revoked = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "api_key.revoked"))
    assert [e.user_id for e in revoked] == [users["admin"].id]


def test_only_administrators_open_the_key_pages(client, users):
    Auth(client).login("staff")
    assert client.get("/api-keys/").status_code == 403
    assert client.get("/api-keys/new").status_code == 403
