"""One computation shared by every open board: figures a few seconds old, computed once.

Why: fifty supervisors with the board open, each refreshing every few seconds, must not
each re-run the grouped queries over a campaign's calls. The first request after the
figures expire recomputes them; while it does, the others get the previous copy at once
(a board a few seconds late is fine; fifty requests queueing behind one query is not).
Only when there is no copy at all do they wait for it. With ``REDIS_URL`` set the copy
lives in Redis (shared by every web process, one lock so that only one process
recomputes); without it, or while Redis is down, in this process's memory.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError

from app.extensions import db

PREFIX = "qualifica:board:"
STALE_FOR = 60  # seconds a copy may still be served while a fresher one is computed
WAIT_STEPS = 1200  # 0.05 s each: how long a request waits for a first computation (60 s)
_local: dict[str, tuple[float, Any]] = {}  # key -> (fresh until, value)
_local_lock = threading.Lock()
_computing: dict[str, threading.Lock] = {}


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
    with _local_lock:
        stored = _local.get(key)
        computing = _computing.setdefault(key, threading.Lock())
    if stored is not None and stored[0] > time.monotonic():
        return stored[1]
    if stored is not None and not computing.acquire(blocking=False):
        return stored[1]  # another thread is computing: the previous copy meanwhile
    if stored is None and not computing.acquire(blocking=False):
        # Nothing to show yet: wait for the thread computing it, without holding a
        # database connection meanwhile.
        db.session.rollback()
        computing.acquire()
        with _local_lock:
            stored = _local.get(key)
        if stored is not None and stored[0] > time.monotonic():
            computing.release()
            return stored[1]
    try:
        value = _plain(compute())
        with _local_lock:
            _local[key] = (time.monotonic() + seconds, value)
        return value
    finally:
        computing.release()


def _from_redis(redis: Redis, key: str, seconds: float, compute: Callable[[], Any]) -> Any:
    name = PREFIX + key
    waited = False
    for _ in range(WAIT_STEPS):
        stored, fresh = redis.mget(name, name + ":fresh")
        if stored is not None and fresh is not None:
            return json.loads(stored)
        if redis.set(name + ":lock", "1", nx=True, ex=30):
            try:
                value = _plain(compute())
                pipe = redis.pipeline()
                pipe.set(name, json.dumps(value), ex=int(seconds) + STALE_FOR)
                pipe.set(name + ":fresh", "1", px=int(seconds * 1000))
                pipe.execute()
                return value
            finally:
                redis.delete(name + ":lock")
        if stored is not None:
            return json.loads(stored)  # another process is computing: the previous copy
        if not waited:  # nothing to show yet: wait for it without holding a connection
            db.session.rollback()
            waited = True
        time.sleep(0.05)
    return _plain(compute())  # that process died or is very slow


def forget() -> None:
    """Drop this process's copies (tests)."""
    with _local_lock:
        _local.clear()
