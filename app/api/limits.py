"""Request limits per API key (Flask-Limiter): Redis when ``REDIS_URL`` is set, so that
every process counts together, memory otherwise. Over the limit: a 429 problem with
``Retry-After``; every response carries ``X-RateLimit-Limit/Remaining/Reset``."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter

from app.api.auth import presented_token


def _limited_by() -> str:
    """The key presented (its SHA-256: the stored hash, for a real key), else the address:
    counted before the key is checked, so a flood of wrong keys is limited too."""
    token = presented_token()
    if token:
        return "key:" + hashlib.sha256(token.encode("utf-8")).hexdigest()
    return f"address:{request.remote_addr}"


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


limiter = Limiter(key_func=_limited_by, headers_enabled=True)


def limit_blueprint(bp: Blueprint) -> None:
    limiter.limit(_limit)(bp)


def init_limits(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
