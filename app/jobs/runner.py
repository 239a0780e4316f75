"""One way to run background work, whichever runner is configured.

``start_job`` records a ``JobRun`` and hands it to RQ when ``REDIS_URL`` is set, or to a
small in-process thread pool otherwise (RQ's synchronous mode still needs a Redis server).
The job is dispatched only after the caller's transaction commits, so a fast worker never
looks for a row that is not there yet. Progress is written in its own short transactions,
so a page polling the row sees it move while the job's own work stays uncommitted until it
lands whole; the job's work and its FINISHED status are committed together.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy.orm import Session

from app.columns import utcnow
from app.extensions import WRITE_LOCK, db
from app.jobs.models import JobRun, JobStatus

log = logging.getLogger(__name__)

Handler = Callable[[Session, dict[str, Any], "Progress"], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
# A queued row the queue does not know yet is given this long to be enqueued.
ENQUEUE_GRACE_SECONDS = 60
_executor: ThreadPoolExecutor | None = None


# Lazy: ``str(exc)`` speaks the language of the request that shows it.
JOBS_UNAVAILABLE = _l(
    "Background work is unavailable right now (the job queue does not answer). "
    "Nothing was started; try again in a few minutes or tell an administrator."
)


class JobsUnavailable(RuntimeError):
    """Background work cannot be started now (Redis unreachable); nothing was created."""


def job(kind: str) -> Callable[[Handler], Handler]:
    """Register ``handler(session, params, progress) -> result`` under ``kind``."""

    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register


class Progress:
    """Reports a running job's progress where pollers can see it, at most every 0.5 s.

    On PostgreSQL each report is its own short transaction on a side connection. SQLite
    has one writer at a time, and the job's transaction holds it until the job lands, so
    there reports stay in this process's memory (the in-process runner shares it with the
    web server) and ``live_progress`` overlays them on the row.
    """

    def __init__(self, run_id: str, min_interval: float = 0.5) -> None:
        self.run_id = run_id
        self.min_interval = min_interval
        self.values: dict[str, Any] = {}
        self._last = 0.0
        self._in_memory = db.engine.dialect.name == "sqlite"

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.values["progress"] = done
        if total is not None:
            self.values["total"] = total
        if message is not None:
            self.values["message"] = message
        if self._in_memory:
            _LIVE[self.run_id] = dict(self.values)
            return
        now = time.monotonic()
        if now - self._last < self.min_interval:
            return
        self._last = now
        with Session(db.engine) as side:
            side.execute(sa.update(JobRun).where(JobRun.id == self.run_id).values(**self.values))
            side.commit()


_LIVE: dict[str, dict[str, Any]] = {}


def live_progress(run: JobRun) -> dict[str, Any]:
    """The freshest progress of ``run``: the row, or this process's memory (SQLite)."""
    values = {"progress": run.progress, "total": run.total, "message": run.message}
    if run.status == JobStatus.RUNNING:
        values.update(_LIVE.get(run.id, {}))
    return values


def _redis() -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=3)


def uses_rq(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("REDIS_URL"))


def start_job(
    session: Session,
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    user_id: int | None = None,
) -> JobRun:
    """Record a job and dispatch it once ``session`` commits.

    Raises ``JobsUnavailable`` before writing anything when Redis is configured but down.
    """
    if kind not in HANDLERS:
        raise KeyError(f"no job handler registered for {kind!r}")
    if uses_rq():
        try:
            _redis().ping()
        except RedisError as exc:
            raise JobsUnavailable(JOBS_UNAVAILABLE) from exc
    run = JobRun(id=str(uuid.uuid4()), kind=kind, params=params or {}, created_by_id=user_id)
    session.add(run)
    session.flush()
    _dispatch_after_commit(sa.orm.object_session(run), run.id)
    return run


_PENDING = "qualifica_pending_jobs"


def _dispatch_after_commit(session: Session, run_id: str) -> None:
    """Queue ``run_id`` for dispatch when ``session``'s outermost transaction commits."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session.info.setdefault(_PENDING, []).append((app, run_id))


@sa.event.listens_for(Session, "after_commit")
def _on_commit(session: Session) -> None:
    # Releasing a savepoint also fires after_commit: wait for the real commit.
    if session.in_nested_transaction() or _PENDING not in session.info:
        return
    for app, run_id in session.info.pop(_PENDING):
        _dispatch(app, run_id)


@sa.event.listens_for(Session, "after_transaction_end")
def _on_end(session: Session, transaction: sa.orm.SessionTransaction) -> None:
    # The outermost transaction ended without the commit above: its jobs never existed.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _dispatch(app: Flask, run_id: str) -> None:
    if uses_rq(app):
        with app.app_context():
            queue = Queue(app.config["RQ_QUEUE"], connection=_redis())
            queue.enqueue(
                "app.jobs.runner.perform_rq",
                run_id,
                job_id=run_id,
                job_timeout=app.config["JOB_TIMEOUT_SECONDS"],
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
                description=f"qualifica job {run_id}",
            )
        return
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="qualifica-job")
    _executor.submit(_perform_in_app, app, run_id)


def _perform_in_app(app: Flask, run_id: str) -> None:
    with app.app_context():
        try:
            perform(run_id)
        except Exception:  # already recorded on the row; the thread must not die loudly
            log.exception("job %s failed", run_id)


def perform_rq(run_id: str) -> dict[str, Any] | None:
    """RQ entry point. The work horse is a fork of the worker: it must not reuse the
    parent's pooled database connections, so the pool is dropped (not closed) first."""
    db.engine.dispose(close=False)
    return perform(run_id)


def perform(run_id: str) -> dict[str, Any] | None:
    """Run one recorded job to its end, recording the outcome on its row."""
    session = db.session
    run = session.get(JobRun, run_id)
    if run is None:
        raise LookupError(f"job {run_id} is not recorded")
    if run.status not in ACTIVE:
        log.warning("job %s is %s: not run again", run_id, run.status.value)
        return run.result
    kind, params = run.kind, dict(run.params)
    run.status, run.started_at = JobStatus.RUNNING, utcnow()
    session.commit()
    log.info("job %s (%s) started", run_id, kind)
    progress = Progress(run_id)
    try:
        session.connection(execution_options=WRITE_LOCK)  # the job's one transaction
        result = HANDLERS[kind](session, params, progress)
        run = session.get(JobRun, run_id)
        for name, value in progress.values.items():
            setattr(run, name, value)
        run.status, run.finished_at, run.result = JobStatus.FINISHED, utcnow(), result or {}
        session.commit()  # the job's work and its status land together
    except Exception as exc:
        session.rollback()
        _fail(session, run_id, f"{type(exc).__name__}: {exc}", traceback.format_exc(limit=5))
        log.exception("job %s failed", run_id)
        raise
    finally:
        _LIVE.pop(run_id, None)
    log.info("job %s finished", run_id)
    return result


def _fail(session: Session, run_id: str, message: str, detail: str | None = None) -> None:
    run = session.get(JobRun, run_id)
    run.status, run.finished_at, run.message = JobStatus.FAILED, utcnow(), message
    run.result = {"traceback": detail} if detail else None
    session.commit()


def reconcile(run: JobRun) -> JobRun:
    """Mark failed a job that can no longer finish, so no page waits forever on it:
    one the queue reports dead (worker killed, timed out), or, without Redis, one still
    active past the job time limit (the process running it was restarted)."""
    if run.status not in ACTIVE:
        return run
    if not uses_rq():
        started = run.started_at or run.created_at
        limit = current_app.config["JOB_TIMEOUT_SECONDS"]
        if (utcnow() - started).total_seconds() > limit:
            _fail(db.session, run.id, "The job did not finish in time (was the server restarted?).")
        return run
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.job import JobStatus as RQStatus

    try:
        state = Job.fetch(run.id, connection=_redis()).get_status()
    except NoSuchJobError:
        state = None
    except RedisError:
        return run  # cannot tell now; keep what the row says
    if state is None and run.status == JobStatus.QUEUED:
        # Recorded but not yet on the queue: it is enqueued just after its commit.
        waited = (utcnow() - run.created_at).total_seconds()
        if waited < ENQUEUE_GRACE_SECONDS:
            return run
    if state in (RQStatus.FAILED, RQStatus.STOPPED, RQStatus.CANCELED, None):
        _fail(db.session, run.id, "The background worker stopped before the job finished.")
    return run
