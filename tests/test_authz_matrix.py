"""Every route x every role, generated from the URL map: a new route cannot escape it.

Expected access comes from the declarations (``guard`` / ``roles`` / ``public``); a route
that declares nothing must refuse everyone. Anonymous users are sent to the sign-in page.

Then every route with ids in its path x every signed-in role x (their own object /
someone else's), in a real world (``tests/authz_world.py``): someone else's object is
refused where ``SCOPED`` says so (the desk's entries, jobs, another zone's waves and
exports), leaking nothing of it and changing nothing, and allowed everywhere else the
role is. A parameter name with no factory fails the test.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from app.security import Role, access_for, is_keyed
from tests.authz_world import (
    FACTORIES,
    OTHER,
    SCOPED,
    SECRET,
    SIDES,
    VIEWER_ROLES,
    VIEWERS,
    World,
    snapshot_sql,
)
from tests.conftest import Auth, csrf_token

SAMPLE_ARGS = {"integer": 1, "default": "x", "string": "x", "path": "x", "uuid": "0" * 32}


def routes(app):
    """Every route signed-in people use (the API's, keyed, are tested below and in
    tests/integration/api)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or is_keyed(rule.endpoint):
            continue
        args = {
            name: min(conv.items)  # "any(a, b)": one of its words
            if hasattr(conv, "items")
            else SAMPLE_ARGS.get(type(conv).__name__.removesuffix("Converter").lower(), "x")
            for name, conv in rule._converters.items()
        }
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, args


def request(client, method, url):
    if method == "GET":
        return client.get(url)
    token = csrf_token(client, "/")  # the home page, or sign-in when anonymous
    return client.open(url, method=method, data={"csrf_token": token})


def test_every_route_declares_access(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not is_keyed(rule.endpoint)
        and access_for(app, rule.endpoint) == frozenset()
    ]
    assert undeclared == []


@pytest.mark.parametrize("role", [None, *Role])
def test_keyed_routes_refuse_every_session(app, client, users, role):
    """The API's routes answer a problem (401) to every signed-in role: the session cookie
    is not read there, and no role opens them (docs/api.md)."""
    if role is not None:
        Auth(client).login(role.value)
    keyed = [rule for rule in app.url_map.iter_rules() if is_keyed(rule.endpoint)]
    assert len(keyed) >= 8
    for rule in keyed:
        args = {name: 1 if "int" in type(conv).__name__.lower() else "x"
                for name, conv in rule._converters.items()}  # fmt: skip
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = app.url_map.bind("localhost").build(rule.endpoint, args, method=method)
            response = client.open(url, method=method)
            assert response.status_code == 401, f"{method} {url} as {role}"
            assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("role", [None, *Role])
def test_matrix(app, client, users, role):
    if role is not None:
        Auth(client).login(role.value)
    checked = 0
    for rule, method, args in routes(app):
        url = app.url_map.bind("localhost").build(rule.endpoint, args, method=method)
        allowed = access_for(app, rule.endpoint)
        response = request(client, method, url)
        where = f"{method} {rule.rule} as {role}"
        if allowed is None:  # public (an empty sign-in form is a 400, not a refusal)
            assert response.status_code not in (401, 403) and response.status_code < 500, where
        elif role is None:
            assert response.status_code == 302, where
            assert "/login" in response.headers["Location"], where
        elif role in allowed:
            # Not refused, and no server error: 400/404/409 are the route's own answers to
            # a sample id that does not exist or a body that is not what it expects.
            assert response.status_code not in (401, 403) and response.status_code < 500, where
            if rule.endpoint != "users.logout":  # signing out ends at the sign-in page
                assert "/login" not in response.headers.get("Location", ""), where
        else:
            assert response.status_code == 403, where
            assert "Accesso negato" in response.get_data(as_text=True), where
        checked += 1
        if rule.endpoint == "users.logout" and role is not None:
            Auth(client).login(role.value)  # signing out was the test; sign back in
    assert checked >= 6


# -- own object / someone else's ---------------------------------------------------------


def id_params(rule) -> list[str]:
    """The path parameters naming an object (``any(a, b)`` words are not objects)."""
    return [name for name, conv in rule._converters.items() if not hasattr(conv, "items")]


def object_rules(app):
    return [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint != "static" and not is_keyed(r.endpoint) and id_params(r)
    ]


def test_every_id_parameter_has_a_factory(app):
    """A route with a new kind of id must get a factory (and, if it is scoped, a line in
    ``SCOPED``) in tests/authz_world.py before it can pass."""
    missing = {
        f"{name} ({rule.rule})"
        for rule in object_rules(app)
        for name in id_params(rule)
        if name not in FACTORIES
    }
    assert missing == set(), "add a factory to tests/authz_world.py FACTORIES"
    assert set(SCOPED) <= set(FACTORIES)


# What each route is sent, so that it gets as far as loading its object: a desk call
# checks the body before the entry, and a refusal must come from the entry.
BODIES = {
    "desk.draft": {"json": {"fields": {}, "notes": ""}},
    "desk.check": {"json": {"question": "fleet_size", "value": "12"}},
    "desk.lease": {"json": {}},
    "desk.outcome": {"data": {"client_token": "matrix-token", "outcome": "qualified"}},
}
DESK_REFUSALS = (302, 409)  # back to the desk's home (a page) or a JSON refusal


def send(client, method, url, endpoint, token):
    if method == "GET":
        return client.get(url)
    body = BODIES.get(endpoint, {})
    headers = {"X-CSRFToken": token}
    if "json" in body:
        return client.open(url, method=method, json=body["json"], headers=headers)
    data = {"csrf_token": token, **body.get("data", {})}
    return client.open(url, method=method, data=data, headers=headers)


def refused_here(endpoint: str, response, app) -> bool:
    if response.status_code in (403, 404):
        return True
    if endpoint.startswith("desk.") and response.status_code in DESK_REFUSALS:
        location = response.headers.get("Location", "")
        return response.status_code == 409 or location.endswith("/desk/")
    return False


def snapshot(connection) -> list:
    return [connection.execute(sa.text(sql)).all() for sql in snapshot_sql()]


@pytest.fixture
def export_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    return tmp_path / "exports"


@pytest.mark.parametrize("viewer", VIEWERS)
def test_matrix_with_objects(app, client, session, export_dir, viewer):
    world = World(app, session, viewer)
    role = VIEWER_ROLES[viewer]
    rules = object_rules(app)
    values = {
        side: {name: FACTORIES[name](world, side) for r in rules for name in id_params(r)}
        for side in SIDES
    }
    session.flush()
    connection = session.connection()
    Auth(client).login(world.me.username)
    token = csrf_token(client, "/")
    before = snapshot(connection)
    started, checked, refused = time.monotonic(), 0, 0
    for rule in rules:
        fixed = {n: min(c.items) for n, c in rule._converters.items() if hasattr(c, "items")}
        allowed_roles = access_for(app, rule.endpoint)
        scoped = any(viewer in SCOPED.get(name, ()) for name in id_params(rule))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for side in SIDES:
                args = {**fixed, **{n: values[side][n] for n in id_params(rule)}}
                url = app.url_map.bind("localhost").build(rule.endpoint, args, method=method)
                where = f"{method} {url} ({rule.endpoint}) as {viewer}, {side} object"
                savepoint = connection.begin_nested()
                # Closed after each request: a file download holds its file open till then.
                try:
                    with send(client, method, url, rule.endpoint, token) as response:
                        status = response.status_code
                        body = response.get_data().decode("utf-8", "replace")
                        assert status < 500, where
                        if allowed_roles is not None and role not in allowed_roles:
                            assert status == 403, where
                        elif side == OTHER and scoped:
                            assert refused_here(rule.endpoint, response, app), f"{where}: {status}"
                            assert SECRET not in body, where
                            if status == 302:  # the page it sends to says nothing of it either
                                landed = client.get(response.headers["Location"])
                                assert SECRET not in landed.get_data(as_text=True), where
                            assert snapshot(connection) == before, f"{where} changed something"
                            refused += 1
                        else:
                            assert status not in (401, 403, 404), f"{where}: {status}"
                            assert "/login" not in response.headers.get("Location", ""), where
                finally:
                    savepoint.rollback()
                checked += 1
    assert checked > 50
    if viewer != "admin":  # the administrator sees every object
        assert refused > 0
    assert time.monotonic() - started < 60


def test_undeclared_route_is_refused_to_everyone(tmp_path):
    """Deny by default: a blueprint without ``guard`` and a view without ``roles`` -> 403,
    even for an administrator."""
    from flask import Blueprint

    from app.extensions import db
    from tests import factories
    from tests.conftest import build_app, migrate_to_head

    app = build_app(f"sqlite:///{tmp_path}/x.db")
    bp = Blueprint("forgotten", __name__)

    @bp.route("/forgotten")
    def forgotten():
        return "should never be served"

    app.register_blueprint(bp)
    migrate_to_head(app)
    with app.app_context():
        factories.user(db.session, Role.ADMIN, username="root")
        db.session.commit()
    client = app.test_client()
    assert client.get("/forgotten").status_code == 302  # anonymous: sign in first
    Auth(client).login("root")
    response = client.get("/forgotten")
    assert response.status_code == 403
    assert "should never be served" not in response.get_data(as_text=True)
