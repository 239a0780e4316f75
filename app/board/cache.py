"""One computation shared by every open board: figures a few seconds old, computed once.

Why: fifty supervisors with the board open, each refreshing every few seconds, must not
each re-run the grouped queries over a campaign's calls. The first request after the
figures expire computes them; the others get the stored copy. With ``REDIS_URL`` set the
copy lives in Redis (shared by every web process, and one lock so that only one process
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

PREFIX = "qualifica:board:"
_local: dict[str, tuple[float, Any]] = {}
_local_lock = threading.Lock()


def shared(key: str, seconds: float, compute: Callable[[], Any]) -> Any:
    """``compute()``'s value (JSON-able), at most ``seconds`` old."""
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            return _from_redis(Redis.from_url(url, socket_timeout=2), key, seconds, compute)
        except RedisError:
            current_app.logger.warning("board cache: Redis unavailable, using process memory")
    return _from_memory(key, seconds, compute)


def _from_memory(key: str, seconds: float, compute: Callable[[], Any]) -> Any:
    with _local_lock:  # one thread computes; the others wait for its result
        stored = _local.get(key)
        if stored is not None and stored[0] > time.monotonic():
            return stored[1]
        value = json.loads(json.dumps(compute()))  # the same shapes as through Redis
        _local[key] = (time.monotonic() + seconds, value)
        return value


def _from_redis(redis: Redis, key: str, seconds: float, compute: Callable[[], Any]) -> Any:
    name = PREFIX + key
    for _ in range(20):
        stored = redis.get(name)
        if stored is not None:
            return json.loads(stored)
        if redis.set(name + ":lock", "1", nx=True, ex=30):
            try:
                value = compute()
                redis.set(name, json.dumps(value), px=int(seconds * 1000))
                return json.loads(json.dumps(value))
            finally:
                redis.delete(name + ":lock")
        time.sleep(0.05)  # another process is computing: its result comes shortly
    return json.loads(json.dumps(compute()))  # that process died or is slow


def forget() -> None:
    """Drop this process's copies (tests)."""
    with _local_lock:
        _local.clear()
