"""One way to run background work, whichever runner is configured.

``start_job`` records a ``JobRun`` and hands it to RQ when ``REDIS_URL`` is set, or to a
small in-process thread pool otherwise (RQ's synchronous mode still needs a Redis server).
The job is dispatched only after the caller's transaction commits, so a fast worker never
looks for a row that is not there yet. Progress is written in its own short transactions,
so a page polling the row sees it move while the job's own work stays uncommitted until it
lands whole; the job's work and its FINISHED status are committed together.

A job started with a ``key`` ("imports.run:batch=12") is refused while another job with
that key is queued or running. Pages read a job through ``state_of``, which writes
nothing; a dead job's failure is recorded by ``reconcile``, in write paths only.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy.orm import Session

from app.columns import utcnow
from app.extensions import WRITE_LOCK, begin_write, db
from app.jobs.models import JobRun, JobStatus, percent
from app.jobs.registry import registered

log = logging.getLogger(__name__)

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
# A queued row the queue does not know yet is given this long to be enqueued.
ENQUEUE_GRACE_SECONDS = 60
_executor: ThreadPoolExecutor | None = None


# Lazy: ``str(exc)`` speaks the language of the request that shows it.
JOBS_UNAVAILABLE = _l(
    "Background work is unavailable right now (the job queue does not answer). "
    "Nothing was started; try again in a few minutes or tell an administrator."
)
ALREADY_RUNNING = _l(
    "The same work is already queued or running: wait for it to end before starting it again."
)


class JobsUnavailable(RuntimeError):
    """Background work cannot be started now (Redis unreachable); nothing was created."""


class JobAlreadyRunning(RuntimeError):
    """A job with the same key is queued or running; nothing was started."""


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
    key: str | None = None,
) -> JobRun:
    """Record a job and dispatch it once ``session`` commits.

    ``key`` names the work ("imports.run:batch=12"): while a job holding the same key is
    queued or running, ``JobAlreadyRunning`` is raised and nothing is written; a holder
    whose worker died is recorded as failed first, so it blocks nothing. Raises
    ``JobsUnavailable`` before writing anything when Redis is configured but down.
    """
    if kind not in registered().handlers:
        raise KeyError(f"no job handler registered for {kind!r}")
    if uses_rq():
        try:
            _redis().ping()
        except RedisError as exc:
            raise JobsUnavailable(JOBS_UNAVAILABLE) from exc
    run = JobRun(
        id=str(uuid.uuid4()), kind=kind, params=params or {}, created_by_id=user_id, key=key
    )
    if key is None:
        session.add(run)
        session.flush()
    else:
        _add_keyed(session, run)
    _dispatch_after_commit(sa.orm.object_session(run), run.id)
    return run


def _add_keyed(session: Session, run: JobRun) -> None:
    """Add ``run`` unless a live job holds its key. A concurrent start that passed the same
    check meets the partial unique index instead (on PostgreSQL it waits for the other
    transaction to end); inside a savepoint, that becomes the same refusal."""
    begin_write(session)
    holder = live_holder(session, run.key)
    if holder is not None and reconcile(session, holder).status in ACTIVE:
        raise JobAlreadyRunning(ALREADY_RUNNING)
    try:
        with session.begin_nested():
            session.add(run)
    except sa.exc.IntegrityError as exc:
        if live_holder(session, run.key) is None:
            raise  # another constraint: a real error
        raise JobAlreadyRunning(ALREADY_RUNNING) from exc


def live_holder(session: Session, key: str | None) -> JobRun | None:
    """The queued or running job holding ``key``, if any."""
    return session.scalar(
        sa.select(JobRun).where(JobRun.key == key, JobRun.status.in_(ACTIVE)).limit(1)
    )


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
        result = registered().handlers[kind](session, params, progress)
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
    """Record the failure of a job whose own transaction rolled back, and commit it."""
    run = session.get_one(JobRun, run_id)
    _mark_failed(session, run, message)
    run.result = {"traceback": detail} if detail else None
    session.commit()


def _mark_failed(session: Session, run: JobRun, message: str) -> None:
    run.status, run.finished_at, run.message = JobStatus.FAILED, utcnow(), message
    failed = registered().on_failure.get(run.kind)
    if failed is not None:
        failed(session, dict(run.params), message)
    session.flush()


# Stored in English, as written (tests and logs read them); pages show them translated
# (``app.jobs.labels``).
WORKER_STOPPED = "The background worker stopped before the job finished."
TIMED_OUT = "The job did not finish in time (was the server restarted?)."


def record_killed(run_id: str) -> None:
    """The RQ worker saw the work horse running ``run_id`` die (killed, out of memory):
    record the job failed at once, with its failure handler, so no page waits on it."""
    session = db.session
    try:
        run = session.get(JobRun, run_id)
        if run is not None and run.status in ACTIVE:
            _mark_failed(session, run, WORKER_STOPPED)
            session.commit()
    finally:
        session.remove()


def why_dead(run: JobRun) -> str | None:
    """Why an active job can no longer finish, or None: the queue reports it dead (worker
    killed, timed out), or, without Redis, it is still active past the job time limit (the
    process running it was restarted). Reads only."""
    if run.status not in ACTIVE:
        return None
    if not uses_rq():
        started = run.started_at or run.created_at
        if (utcnow() - started).total_seconds() > current_app.config["JOB_TIMEOUT_SECONDS"]:
            return TIMED_OUT
        return None
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.job import JobStatus as RQStatus

    try:
        state = Job.fetch(run.id, connection=_redis()).get_status()
    except NoSuchJobError:
        state = None
    except RedisError:
        return None  # cannot tell now; keep what the row says
    waited = (utcnow() - run.created_at).total_seconds()
    if state is None and run.status == JobStatus.QUEUED and waited < ENQUEUE_GRACE_SECONDS:
        return None  # recorded, not yet on the queue: it is enqueued just after its commit
    if state in (RQStatus.FAILED, RQStatus.STOPPED, RQStatus.CANCELED, None):
        return WORKER_STOPPED
    return None


def reconcile(session: Session, run: JobRun) -> JobRun:
    """Record as failed a job that can no longer finish (``why_dead``), with its failure
    handler, so that it holds up no new start. A write path: flushed, the caller commits."""
    reason = why_dead(run)
    if reason is not None:
        _mark_failed(session, run, reason)
    return run


@dataclass(frozen=True)
class JobState:
    """A job as a page shows it: its freshest progress, and failed if it can no longer
    finish. Derived from the row without writing it: a GET changes nothing."""

    id: str
    kind: str
    status: JobStatus
    progress: int
    total: int | None
    message: str | None
    params: dict[str, Any]
    result: dict[str, Any] | None

    @property
    def percent(self) -> int:
        return percent(self.status, self.progress, self.total)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def state_of(run: JobRun) -> JobState:
    """What ``run`` looks like now (see ``JobState``)."""
    live = live_progress(run)
    status, message = run.status, live["message"]
    reason = why_dead(run)
    if reason is not None:
        status, message = JobStatus.FAILED, reason
    return JobState(
        run.id, run.kind, status, live["progress"], live["total"], message, run.params, run.result
    )
