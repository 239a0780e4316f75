"""Access control, denying by default.

Every request passes ``check_access``: an endpoint is reachable only if it is marked
``public`` or a role list is declared for it (``roles`` on the view, or ``guard`` on its
blueprint). A route that declares nothing answers 403 to everyone, so a forgotten
declaration fails closed; ``tests/test_authz_matrix.py`` walks the URL map with this same
table. Objects are loaded through ``load_or_404`` with the view's scope check; staff with a
zone on their user are confined to it (``zone_scope`` / ``in_zone``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.extensions import db, login_manager


class Role(enum.StrEnum):
    """What a user may do: each route declares the roles it admits."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    STAFF = "staff"
    ADMIN = "admin"


F = TypeVar("F", bound=Callable[..., Any])

_BLUEPRINT_ROLES: dict[str, frozenset[Role]] = {}
_KEYED_BLUEPRINTS: set[str] = set()
PUBLIC_ENDPOINTS = frozenset({"static"})
SESSION_STARTED = "_started"
# A user whose password an administrator set (``must_change_password``) may open only
# these until they have chosen their own: every other page leads to the first.
CREDENTIAL_CHANGE_ENDPOINT = "users.change_password"
WHILE_CHANGING_CREDENTIALS = frozenset({CREDENTIAL_CHANGE_ENDPOINT, "users.logout"})


def guard(blueprint: Blueprint, *allowed: Role) -> Blueprint:
    """Declare the roles that may use every route of ``blueprint`` (views may narrow it)."""
    _BLUEPRINT_ROLES[blueprint.name] = frozenset(allowed)
    return blueprint


def keyed(blueprint: Blueprint) -> Blueprint:
    """Declare that every route of ``blueprint`` is called by programs with a key, not by
    signed-in people: ``check_access`` leaves it to the blueprint's own check (``app.api``
    answers 401/403 by key and scope, whoever is signed in), and no role opens it."""
    _KEYED_BLUEPRINTS.add(blueprint.name)
    return blueprint


def is_keyed(endpoint: str) -> bool:
    return endpoint.rpartition(".")[0] in _KEYED_BLUEPRINTS


def roles(*allowed: Role) -> Callable[[F], F]:
    """Declare the roles that may use one view; overrides its blueprint's roles."""

    def mark(view: F) -> F:
        view._qualifica_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    """Mark a view reachable without signing in (login page, language switch)."""
    view._qualifica_public = True  # type: ignore[attr-defined]
    return view


def access_for(app: Flask, endpoint: str) -> frozenset[Role] | None:
    """Roles allowed on ``endpoint``; ``None`` means public. Empty means nobody."""
    if endpoint in PUBLIC_ENDPOINTS:
        return None
    view = app.view_functions[endpoint]
    if getattr(view, "_qualifica_public", False):
        return None
    declared = getattr(view, "_qualifica_roles", None)
    if declared is not None:
        return declared
    blueprint = endpoint.rpartition(".")[0]
    return _BLUEPRINT_ROLES.get(blueprint, frozenset())


def session_expired(now: datetime | None = None) -> bool:
    """True when the signed-in session is older than ``SESSION_MAX_HOURS`` (the idle limit
    is the cookie's own lifetime, refreshed on each request)."""
    started = session.get(SESSION_STARTED)
    if started is None:
        return True
    now = now or datetime.now(UTC)
    age = now.timestamp() - float(started)
    return age > current_app.config["SESSION_MAX_HOURS"] * 3600


def check_access() -> Any:
    """``before_request`` hook: sign-in, session age, a password to change, and role for
    every endpoint."""
    if current_user.is_authenticated and session_expired():
        logout_user()
        session.clear()
    if request.endpoint is None:  # 404 and 405 are answered by Flask itself
        return None
    if is_keyed(request.endpoint):
        return None
    allowed = access_for(current_app, request.endpoint)
    if allowed is None:
        return None
    if not current_user.is_authenticated:
        if wants_json():
            # A page's background call (autosave, heartbeat) must learn that the session
            # ended, not follow a redirect to an HTML sign-in page.
            return jsonify(error=_("Your session has ended: sign in again.")), 401
        return login_manager.unauthorized()
    if current_user.must_change_password and request.endpoint not in WHILE_CHANGING_CREDENTIALS:
        if wants_json():
            return jsonify(error=_("Choose your own password first: reload the page.")), 403
        return redirect(url_for(CREDENTIAL_CHANGE_ENDPOINT))
    if current_user.role not in allowed:
        abort(403)
    return None


def wants_json() -> bool:
    """A background call from a page's script rather than a page load."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def load_or_404(
    model: type[Any],
    ident: Any,
    *,
    allowed: Callable[[Any], bool] | None = None,
    lock: bool = False,
):
    """Load one object for the current user: 404 if absent, 403 if outside their scope.
    ``lock`` holds the row for the rest of the transaction (an action about to change it)."""
    obj = db.session.get(model, ident, with_for_update=True if lock else None)
    if obj is None:
        abort(404)
    if allowed is not None and not allowed(obj):
        abort(403)
    return obj


def zone_scope(user: Any) -> int | None:
    """The zone a user's data is confined to: a staff member's zone when one is set on
    their user. Administrators, supervisors and staff without a zone see every zone."""
    if user.role == Role.STAFF and user.zone_id is not None:
        return int(user.zone_id)
    return None


def in_zone(user: Any, zone_id: int | None) -> bool:
    """Whether an object of ``zone_id`` (None: no zone, or several) is in ``user``'s scope:
    zoned staff see only their own zone's objects."""
    scope = zone_scope(user)
    return scope is None or zone_id == scope


def safe_next_url(target: str | None) -> str | None:
    """Only same-site relative paths: an open redirect would help phishing."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target
