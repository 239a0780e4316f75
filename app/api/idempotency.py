"""``Idempotency-Key`` on POST endpoints: a retried request does its work once.

The same key (per API key) with the same body within ``WINDOW`` gets the stored response
again, marked ``Idempotent-Replayed: true``, without running the view; the same key with
another body is a 422 problem. The record is inserted in the view's own transaction, before
its work: if the work rolls back, so does the record; a concurrent twin waits on the unique
index and then finds it (409 while the first one still runs)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Response, g, make_response, request
from flask_babel import lazy_gettext as _l

from app.api.models import IdempotentRequest
from app.api.problems import Problem
from app.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
HEADER = "Idempotency-Key"
WINDOW = timedelta(hours=24)
IN_PROGRESS = 0  # the status stored until the response is known
MAX_KEY_LENGTH = 255


def body_hash() -> str:
    """The body's SHA-256; JSON in a canonical form, so spacing and key order don't count."""
    data = request.get_json(silent=True)
    raw = request.get_data() if data is None else json.dumps(data, sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()


def _stored(api_key_id: int, idempotency_key: str) -> IdempotentRequest | None:
    return db.session.scalar(
        sa.select(IdempotentRequest).where(
            IdempotentRequest.api_key_id == api_key_id,
            IdempotentRequest.idempotency_key == idempotency_key,
        )
    )


def _replay(found: IdempotentRequest, digest: str) -> Response:
    if found.request_hash != digest or found.endpoint != request.endpoint:
        raise Problem(422, _l("This Idempotency-Key was used with another request: use a new "
                              "key for a new request."), kind="idempotency-key-reused")  # fmt: skip
    if found.status == IN_PROGRESS:
        raise Problem(409, _l("A request with this Idempotency-Key is still running: retry "
                              "in a moment."), kind="idempotency-in-progress")  # fmt: skip
    response = Response(json.dumps(found.body), status=found.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: F) -> F:
    """Make a POST view honour ``Idempotency-Key`` (optional: without it, it just runs)."""

    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        idempotency_key = request.headers.get(HEADER)
        if idempotency_key is None:
            return view(*args, **kwargs)
        if not 0 < len(idempotency_key) <= MAX_KEY_LENGTH:
            raise Problem(422, _l("An Idempotency-Key has 1 to 255 characters."),
                          kind="invalid-idempotency-key")  # fmt: skip
        api_key_id, digest = g.api_key_id, body_hash()
        found = _stored(api_key_id, idempotency_key)
        if found is not None and found.created_at < datetime.now(UTC) - WINDOW:
            db.session.delete(found)  # expired: the key may be used afresh
            db.session.flush()
            found = None
        if found is not None:
            return _replay(found, digest)
        kept = IdempotentRequest(api_key_id=api_key_id, idempotency_key=idempotency_key,
                                 endpoint=request.endpoint or "", request_hash=digest,
                                 status=IN_PROGRESS)  # fmt: skip
        db.session.add(kept)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:  # a concurrent twin committed it first
            db.session.rollback()
            return _replay(_stored(api_key_id, idempotency_key), digest)  # type: ignore[arg-type]
        response = make_response(view(*args, **kwargs))
        if response.status_code >= 500 or kept not in db.session:
            return response
        kept.status, kept.body = response.status_code, response.get_json(silent=True)
        db.session.commit()
        return response

    return run  # type: ignore[return-value]
