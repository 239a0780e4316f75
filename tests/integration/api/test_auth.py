"""Who may call the API: a key in a header with the scope the endpoint needs, and nothing
else (no cookie, no key in the URL); every refusal a problem in the client's language;
every call with a key audited."""

from __future__ import annotations

import sqlalchemy as sa

from app.api.models import ApiKey
from app.api.services import revoke_key
from app.audit.models import AuditEntry
from tests.conftest import Auth

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, kind: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"] == (f"urn:qualifica:problem:{kind}" if kind else "about:blank")
    return body


def test_no_key_is_a_401_problem_with_a_challenge(client, session):
    response = client.get("/api/v1/accounts")
    assert_problem(response, 401, "missing-key")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_key_is_refused(client, keys):
    _key, token = keys.make()
    wrong = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    for headers in ({"Authorization": f"Bearer {wrong}"}, {"X-API-Key": "qk_nothing"}):
        assert_problem(client.get("/api/v1/accounts", headers=headers), 401, "invalid-key")


def test_bearer_and_x_api_key_both_work(client, keys):
    _key, token = keys.make("accounts:read")
    for headers in ({"Authorization": f"Bearer {token}"}, {"X-API-Key": token}):
        assert client.get("/api/v1/accounts", headers=headers).status_code == 200


def test_a_revoked_key_opens_nothing(client, session, keys, users):
    key, token = keys.make("accounts:read")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/accounts", headers=headers).status_code == 200
    revoke_key(session, key, actor_id=users["admin"].id)
    session.flush()
    assert_problem(client.get("/api/v1/accounts", headers=headers), 401, "invalid-key")


def test_a_missing_scope_is_a_403_naming_it(client, keys):
    _key, token = keys.make("calls:read")
    response = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
    body = assert_problem(response, 403, "missing-scope")
    assert body["scope"] == "accounts:read"
    assert "accounts:read" in body["detail"]


def test_a_signed_in_session_opens_nothing_and_is_not_renewed(client, users):
    Auth(client).login("admin")
    assert client.get("/users/").status_code == 200  # the session works for pages
    response = client.get("/api/v1/accounts")
    assert_problem(response, 401, "missing-key")
    assert "Set-Cookie" not in response.headers


def test_a_key_in_the_url_is_refused_even_when_valid(client, keys):
    _key, token = keys.make("accounts:read")
    for query in (f"api_key={token}", f"token={token}", f"limit=5&x={token}"):
        body = assert_problem(client.get(f"/api/v1/accounts?{query}"), 400, "key-in-url")
        assert "Authorization" in body["detail"]
    headers = {"Authorization": f"Bearer {token}"}
    assert_problem(client.get(f"/api/v1/accounts?key={token}", headers=headers), 400, "key-in-url")


def test_problems_speak_the_clients_language(client, bearer):
    italian = client.get("/api/v1/accounts?limit=0", headers={**bearer, "Accept-Language": "it"})
    english = client.get("/api/v1/accounts?limit=0", headers={**bearer, "Accept-Language": "en"})
    assert assert_problem(italian, 422)["title"] == "Richiesta non valida"
    assert assert_problem(english, 422)["title"] == "Invalid request"
    assert "limit" in english.get_json()["errors"]["query"]
    # No Accept-Language: the application's default, Italian.
    plain = client.get("/api/v1/nothing-here")
    assert assert_problem(plain, 404)["title"] == "Non trovato"


def test_every_error_under_the_api_is_a_problem(client, bearer):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.get("/api/v1/accounts/K-NONE", headers=bearer), 404)
    response = client.delete("/api/v1/accounts", headers=bearer)
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]
    assert_problem(client.get("/api/v1/calls?changed_since=yesterday", headers=bearer), 422)
    assert_problem(
        client.get("/api/v1/waves?cursor=garbage", headers=bearer), 422, "invalid-cursor"
    )


def test_the_sites_pages_keep_their_error_pages(client, users):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_over_the_limit_is_a_429_with_retry_after(app, client, keys, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    _key, token = keys.make("accounts:read")
    _other_key, other = keys.make("accounts:read")
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(2):
        response = client.get("/api/v1/accounts", headers=headers)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "2"
    response = client.get("/api/v1/accounts", headers={**headers, "Accept-Language": "en"})
    body = assert_problem(response, 429)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "Retry-After" in body["detail"]
    # Per key: another key is not held back.
    assert client.get("/api/v1/accounts", headers={"X-API-Key": other}).status_code == 200


def test_every_call_with_a_key_is_audited_and_marks_its_use(client, session, keys):
    key, token = keys.make("calls:read")
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/calls", headers=headers)
    client.get("/api/v1/accounts", headers=headers)  # refused: audited too
    entries = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "api.call", AuditEntry.object_id == str(key.id))
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.details["path"], e.details["status"]) for e in entries] == [
        ("/api/v1/calls", 200),
        ("/api/v1/accounts", 403),
    ]
    assert all(e.object_type == "api_keys" and e.user_id is None for e in entries)
    assert session.get(ApiKey, key.id).last_used_at is not None
    assert token not in str([e.details for e in entries])


def test_unauthenticated_calls_leave_no_audit_entry(client, session):
    before = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    client.get("/api/v1/accounts", headers={"Authorization": "Bearer qk_x"})
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_the_description_and_its_page_are_public_and_local(client, session):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.get_json()["openapi"] == "3.1.0"
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html and "https://" not in html
    with client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200
