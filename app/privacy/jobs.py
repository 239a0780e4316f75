"""The retention job, and how it is started every day.

With Redis, RQ's own cron scheduler (``flask privacy cron``, RQ's ``CronScheduler``)
enqueues ``start_scheduled_retention`` at ``RETENTION_CRON``; a worker runs it, which
records a ``privacy.retention`` job that the runner queues like any other. Without Redis,
a cron entry or a systemd timer runs ``flask privacy retention`` (docs/privacy.md).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq.cron import CronScheduler
from sqlalchemy.orm import Session

from app.columns import utcnow
from app.extensions import WRITE_LOCK, db
from app.jobs.models import JobRun
from app.jobs.registry import Handler
from app.jobs.runner import JobAlreadyRunning, Progress, start_job
from app.privacy.retention import run_retention

KIND = "privacy.retention"
CRON_NAME = "qualifica.privacy.retention"


def retention_job(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Anonymise the accounts past retention, one committed batch at a time."""

    def commit() -> None:
        session.commit()
        # The next batch reads then writes: on SQLite it takes the write lock at BEGIN.
        session.connection(execution_options=WRITE_LOCK)

    return run_retention(
        session,
        months=current_app.config["RETENTION_MONTHS"],
        now=utcnow(),
        progress=progress,
        commit=commit,
        dry_run=bool(params.get("dry_run")),
        via="job",
    )


def start_retention(session: Session, *, user_id: int | None = None) -> JobRun | None:
    """Record a retention job unless one is already queued or running (``None`` then)."""
    try:
        return start_job(session, KIND, {}, user_id=user_id, key=KIND)
    except JobAlreadyRunning:
        return None


def start_scheduled_retention() -> str | None:
    """What the cron scheduler enqueues; runs in an RQ work horse (a fork of the worker,
    which must not reuse the parent's connections), inside the worker's application."""
    db.engine.dispose(close=False)
    run = start_retention(db.session)
    db.session.commit()  # the runner queues the job once this commits
    return run.id if run is not None else None


def build_scheduler(app: Flask, connection: Redis) -> CronScheduler:
    """RQ's cron scheduler with the daily retention registered on Qualifica's queue."""
    scheduler = CronScheduler(connection=connection)
    scheduler.register(
        start_scheduled_retention,
        queue_name=app.config["RQ_QUEUE"],
        cron=app.config["RETENTION_CRON"],
        job_timeout=300,
        name=CRON_NAME,
    )
    return scheduler


JOBS: dict[str, Handler] = {KIND: retention_job}
