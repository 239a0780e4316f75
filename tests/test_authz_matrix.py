"""Every route x every role, generated from the URL map: a new route cannot escape it.

Expected access comes from the declarations (``guard`` / ``roles`` / ``public``); a route
that declares nothing must refuse everyone. Anonymous users are sent to the sign-in page.
"""

from __future__ import annotations

import pytest

from app.security import access_for
from app.users.models import Role
from tests.conftest import Auth, csrf_token

SAMPLE_ARGS = {"integer": 1, "default": "x", "string": "x", "path": "x", "uuid": "0" * 32}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
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
        if rule.endpoint != "static" and access_for(app, rule.endpoint) == frozenset()
    ]
    assert undeclared == []


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
