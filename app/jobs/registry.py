"""Which jobs an application runs: registered once, by ``create_app``, never on import.

Each feature's ``jobs.py`` exposes ``JOBS`` (kind -> handler) and, where a failed job must
fail something of its own with it, ``ON_FAILURE`` (kind -> failure handler); the app
factory's ``register_jobs`` step hands them to ``register``. The RQ worker
(``flask jobs worker``) and the in-process runner both build the application, so both
find every handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from app.jobs.runner import Progress

Handler = Callable[[Session, dict[str, Any], "Progress"], dict[str, Any] | None]
# Called with the job's params and error in the transaction that records a job's failure
# (its own, rolled back, or found dead): the job's rows (an export run) fail with it.
FailureHandler = Callable[[Session, dict[str, Any], str], None]
_KEY = "qualifica.jobs"


@dataclass
class Registry:
    handlers: dict[str, Handler] = field(default_factory=dict)
    on_failure: dict[str, FailureHandler] = field(default_factory=dict)


def register(
    app: Flask,
    handlers: Mapping[str, Handler],
    on_failure: Mapping[str, FailureHandler] | None = None,
) -> None:
    """Make ``handlers`` (kind -> ``handler(session, params, progress) -> result``) jobs
    that ``app`` runs, with the failure handlers of some of them. A kind has one handler."""
    registry = app.extensions.setdefault(_KEY, Registry())
    for kind, handler in handlers.items():
        if registry.handlers.setdefault(kind, handler) is not handler:
            raise ValueError(f"job kind {kind!r} is registered twice")
    for kind, failed in (on_failure or {}).items():
        if kind not in handlers:
            raise ValueError(f"failure handler for {kind!r}, which is not among its jobs")
        registry.on_failure[kind] = failed


def registered(app: Flask | None = None) -> Registry:
    """The jobs ``app`` (default: the current application) runs."""
    return (app or current_app).extensions.get(_KEY) or Registry()
