"""One computation shared by every open board: figures a few seconds old, computed once.

Why: fifty supervisors with the board open, each refreshing every few seconds, must not
each recompute and re-render a campaign's figures. The first request after the figures
expire gets the previous copy at once, like every other, and recomputes them once its
response is sent (``_after_response``): no board request waits for a computation,
unless there is no copy at all yet. With ``REDIS_URL`` set the copy lives in Redis
(shared by every web process, one lock so that only one process recomputes); without
it, or while Redis is down, in this process's memory.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import (
    Response,
    after_this_request,
    copy_current_request_context,
    current_app,
    has_request_context,
)
from redis import Redis
from redis.exceptions import RedisError

from app.extensions import db

PREFIX = "qualifica:board:"
STALE_FOR = 60  # seconds a copy may still be served while a fresher one is computed
WAIT_STEPS = 1200  # 0.05 s each: how long a request waits for a first computation (60 s)
_local: dict[str, tuple[float, Any]] = {}  # key -> (fresh until, value)
_local_lock = threading.Lock()
_computing: dict[str, float] = {}  # key -> until when a thread computes it
LEASE = 30  # seconds a computation may take before another one starts
_deferred = threading.local()  # .running: this thread recomputes after a response


def shared(key: str, seconds: float, compute: Callable[[], Any]) -> Any:
    """``compute()``'s value (JSON-able), at most ``seconds`` old unless another request
    is computing a fresher one."""
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            return _from_redis(Redis.from_url(url, socket_timeout=2), key, seconds, compute)
        except RedisError:
            current_app.logger.warning("board cache: Redis unavailable, using process memory")
    return _from_memory(key, seconds, compute)


def _plain(value: Any) -> Any:
    """The value as it comes back from Redis: the same shapes either way."""
    return json.loads(json.dumps(value))


def _from_memory(key: str, seconds: float, compute: Callable[[], Any]) -> Any:
    waited = False
    for _ in range(WAIT_STEPS):
        now = time.monotonic()
        with _local_lock:
            stored = _local.get(key)
            if stored is not None and stored[0] > now:
                return stored[1]
            mine = _computing.get(key, 0.0) < now  # nobody computing, or they died
            if mine:
                _computing[key] = now + LEASE
        if mine:

            def release() -> None:
                with _local_lock:
                    _computing.pop(key, None)

            work = lambda: _memory_store(key, seconds, compute)  # noqa: E731
            if stored is not None and _after_response(work, release=release):
                return stored[1]  # expired: recomputed once this response is sent
            try:
                return work()
            finally:
                release()
        if stored is not None:
            return stored[1]  # another thread is computing: the previous copy meanwhile
        if not waited:  # nothing to show yet: wait for it without holding a connection
            db.session.rollback()
            waited = True
        time.sleep(0.05)
    return _plain(compute())  # that thread is very slow


def _memory_store(key: str, seconds: float, compute: Callable[[], Any]) -> Any:
    value = _plain(compute())
    with _local_lock:
        _local[key] = (time.monotonic() + seconds, value)
    return value


def _after_response(work: Callable[[], Any], release: Callable[[], Any]) -> bool:
    """Run ``work`` in this request's context once its response has gone out, then
    ``release``; False (nothing scheduled) outside a request."""
    if not has_request_context() or getattr(_deferred, "running", False):
        return False  # (a computation run after a response computes what it needs now)

    @copy_current_request_context
    def later() -> None:
        _deferred.running = True
        try:
            work()
        except Exception:  # the stale copy stays; the next request tries again
            current_app.logger.exception("board cache: recomputing after the response failed")
        finally:
            _deferred.running = False
            release()

    @after_this_request
    def schedule(response: Response) -> Response:
        response.call_on_close(later)
        return response

    return True


def _from_redis(redis: Redis, key: str, seconds: float, compute: Callable[[], Any]) -> Any:
    name = PREFIX + key
    waited = False
    for _ in range(WAIT_STEPS):
        stored, fresh = redis.mget(name, name + ":fresh")
        if stored is not None and fresh is not None:
            return json.loads(stored)
        if redis.set(name + ":lock", "1", nx=True, ex=30):
            unlock = lambda: redis.delete(name + ":lock")  # noqa: E731
            store = lambda: _redis_store(redis, name, seconds, compute)  # noqa: E731
            if stored is not None and _after_response(store, release=unlock):
                return json.loads(stored)  # expired: recomputed once this response is sent
            try:
                return store()
            finally:
                unlock()
        if stored is not None:
            return json.loads(stored)  # another process is computing: the previous copy
        if not waited:  # nothing to show yet: wait for it without holding a connection
            db.session.rollback()
            waited = True
        time.sleep(0.05)
    return _plain(compute())  # that process died or is very slow


def _redis_store(redis: Redis, name: str, seconds: float, compute: Callable[[], Any]) -> Any:
    value = _plain(compute())
    pipe = redis.pipeline()
    pipe.set(name, json.dumps(value), ex=int(seconds) + STALE_FOR)
    pipe.set(name + ":fresh", "1", px=int(seconds * 1000))
    pipe.execute()
    return value


def forget() -> None:
    """Drop this process's copies (tests)."""
    with _local_lock:
        _local.clear()
        _computing.clear()
