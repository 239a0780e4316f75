"""Who is calling: an API key in a header, never a cookie or the URL.

``authenticate`` runs before every API view: it refuses a key in the query string, finds
the key (``Authorization: Bearer <key>`` or ``X-API-Key``) and checks the scope the view
declares with ``@scope``; a view that declares none is refused to every key (deny by
default). ``audit_call`` records every call made with a key, with its status, after the
response is made."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint as ApiBlueprint

from app.api.keys import allows
from app.api.models import ApiKey
from app.api.problems import Problem
from app.api.services import find_key, mark_used
from app.audit.services import record
from app.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

# Query parameters that would carry a key: refused, so that no key lands in a log line.
KEY_PARAMETERS = frozenset({"api_key", "apikey", "key", "token", "access_token"})
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <key>"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def scope(needed: str) -> Callable[[F], F]:
    """Declare the scope a key needs for this view (shown in the OpenAPI description)."""

    def mark(view: F) -> F:
        documented = ApiBlueprint.doc(security=[{name: [needed]} for name in SECURITY_SCHEMES])
        wrapped = documented(view)
        wrapped._api_scope = needed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return mark


def presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    kind, _, value = header.partition(" ")
    if kind.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("X-API-Key", "").strip() or None


def _key_in_url() -> bool:
    return any(
        name.lower() in KEY_PARAMETERS or any(v.startswith("qk_") for v in values)
        for name, values in request.args.lists()
    )


def _unreadable() -> bool:
    """A NUL in the address: no database stores it, and no real request carries it."""
    return "\x00" in request.path or any("\x00" in v for v in request.args.values())


def authenticate() -> None:
    """``before_request`` of the API blueprint."""
    if _unreadable():
        raise Problem(400)
    if _key_in_url():
        raise Problem(400, _l("API keys are never accepted in the address: send the key in "
                              "the Authorization header, and replace this one, which may "
                              "have been logged."), kind="key-in-url")  # fmt: skip
    token = presented_token()
    challenge = {"WWW-Authenticate": 'Bearer realm="api"'}
    if token is None:
        raise Problem(401, kind="missing-key", headers=challenge)
    key = find_key(db.session, token)
    if key is None:
        raise Problem(401, _l("The API key is unknown or has been revoked."),
                      kind="invalid-key", headers=challenge)  # fmt: skip
    g.api_key_id = key.id
    view = current_app.view_functions.get(request.endpoint or "")
    needed = getattr(view, "_api_scope", None)
    if needed is None or not allows(key.scopes, needed):
        raise Problem(403, _l("This API key lacks the scope %(scope)s.", scope=needed or "?"),
                      kind="missing-scope", scope=needed)  # fmt: skip


def current_key() -> ApiKey:
    """The key of this request (after ``authenticate``)."""
    return db.session.get_one(ApiKey, g.api_key_id)


def audit_call(response: Any) -> Any:
    """``after_request`` of the API blueprint: every call made with a key is recorded,
    with its status; the key's last use is updated (at most once a minute)."""
    key_id = g.pop("api_key_id", None)
    if key_id is None:
        return response
    db.session.rollback()  # what the view left uncommitted is not the audit's to keep
    key = db.session.get_one(ApiKey, key_id)
    mark_used(key, datetime.now(UTC))
    record(db.session, "api.call", obj=key, method=request.method, path=request.path,
           endpoint=request.endpoint, status=response.status_code)  # fmt: skip
    db.session.commit()
    return response
