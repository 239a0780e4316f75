"""``Idempotency-Key`` on a POST, proved on a test-only endpoint registered the way a real
one is (``app.api.setup.add_blueprint``), on an application of its own (a blueprint
cannot join an application that has served requests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from marshmallow import Schema, fields

from app.api.auth import scope
from app.api.blueprint import make_blueprint
from app.api.idempotency import idempotent
from app.api.services import create_key
from app.api.setup import add_blueprint
from app.audit.models import AuditEntry
from app.audit.services import record
from app.extensions import db
from tests.conftest import build_app, migrate_to_head


class Thing(Schema):
    name = fields.String(required=True)


class Made(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


things = make_blueprint("api_test_things", __name__, url_prefix="/api/v1/test")


@things.route("/things", methods=["POST"])
@idempotent
@things.arguments(Thing)
@things.response(201, Made)
@scope("accounts:write")
def make_thing(body):
    entry = record(db.session, "test.thing_made", name=body["name"])
    db.session.commit()
    return {"id": entry.id, "name": body["name"]}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('idem')}/idem.db")
    add_blueprint(app.extensions["qualifica-api"], things)
    migrate_to_head(app)
    with app.app_context():
        tokens = [create_key(db.session, name=f"k{n}", scopes=["accounts:write"],
                             actor_id=None)[1] for n in range(2)]  # fmt: skip
        db.session.commit()
    yield app, tokens
    with app.app_context():
        db.engine.dispose()


def made(app) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).where(AuditEntry.action == "test.thing_made")
        return db.session.scalar(query)


def post(app, token, body, key=None, raw=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    if raw is not None:
        return app.test_client().post("/api/v1/test/things", data=raw, headers=headers,
                                      content_type="application/json")  # fmt: skip
    return app.test_client().post("/api/v1/test/things", json=body, headers=headers)


def test_a_retry_returns_the_stored_response_without_running_again(world):
    app, (token, _other) = world
    before = made(app)
    first = post(app, token, {"name": "uno"}, key="retry-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = post(app, token, None, key="retry-1", raw=b'{ "name" :  "uno" }')  # same JSON
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert made(app) == before + 1


def test_the_same_key_with_another_body_is_a_422_problem(world):
    app, (token, _other) = world
    post(app, token, {"name": "due"}, key="retry-2")
    before = made(app)
    response = post(app, token, {"name": "tre"}, key="retry-2")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("idempotency-key-reused")
    assert made(app) == before


def test_keys_are_per_api_key_and_optional(world):
    app, (token, other) = world
    before = made(app)
    post(app, token, {"name": "x"}, key="shared")
    post(app, other, {"name": "x"}, key="shared")  # another integration's key space
    post(app, token, {"name": "x"})
    post(app, token, {"name": "x"})  # no header: each request runs
    assert made(app) == before + 4


def test_a_refused_request_keeps_nothing_and_the_key_stays_free(world):
    app, (token, _other) = world
    refused = post(app, token, {"nome": "sbagliato"}, key="fix-and-retry")
    assert refused.status_code == 422
    before = made(app)
    fixed = post(app, token, {"name": "giusto"}, key="fix-and-retry")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    assert made(app) == before + 1


def test_after_a_day_the_key_may_be_used_afresh(world):
    app, (token, _other) = world
    post(app, token, {"name": "ieri"}, key="daily")
    before = made(app)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=25)):
        response = post(app, token, {"name": "oggi"}, key="daily")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert made(app) == before + 1


def test_an_overlong_key_is_refused(world):
    app, (token, _other) = world
    response = post(app, token, {"name": "x"}, key="k" * 256)
    assert response.status_code == 422
    assert response.get_json()["type"].endswith("invalid-idempotency-key")
