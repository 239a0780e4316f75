"""Jobs commit for real (a worker sees only committed rows), so these tests use the
session-wide database without the rolled-back transaction and clean up after themselves."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from rq import SimpleWorker

from app.audit.models import AuditEntry
from app.audit.services import record
from app.extensions import db
from app.jobs.models import JobRun, JobStatus
from app.jobs.registry import register
from app.users.models import User
from app.workday.models import StatePeriod
from tests.conftest import build_app


def count_job(session, params, progress):
    """A job that does real, checkable work: counts, reports progress, writes a row."""
    n = params["n"]
    for i in range(n):
        progress(i + 1, n, f"step {i + 1}")
    record(session, "test.job", marker=params["marker"], n=n)
    if params.get("fail"):
        raise ValueError("planned failure")
    return {"counted": n}


@pytest.fixture
def test_jobs(app):
    """The test application, also running this file's jobs."""
    register(app, TEST_JOBS)
    return app


@pytest.fixture
def committed(test_jobs):
    """The test app, committing for real; job rows and their writes removed afterwards."""
    app = test_jobs
    yield app
    with app.app_context():
        db.session.execute(sa.delete(AuditEntry))
        db.session.execute(sa.delete(JobRun))
        db.session.execute(sa.delete(StatePeriod))  # an agent's sign-in opens one
        db.session.execute(sa.delete(User))
        db.session.commit()


@pytest.fixture
def rq_app(app, redis_url):
    """The same database, with jobs going through RQ on a queue of this test's own."""
    rq = build_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=redis_url,
        RQ_QUEUE=f"test-{uuid.uuid4().hex[:8]}",
    )
    register(rq, TEST_JOBS)
    yield rq
    with rq.app_context():
        db.session.execute(sa.delete(AuditEntry))
        db.session.execute(sa.delete(JobRun))
        db.session.commit()
        db.engine.dispose()


class InProcessWorker(SimpleWorker):
    """RQ's SimpleWorker: it runs each job here, in this process, inside the caller's
    application context, instead of in a forked work horse.

    ``perform_rq`` is written for the work horse: it drops the database pool it inherited
    without closing it, since those connections belong to the parent. Here the pool is
    this process's own and dropping it would leak its connections, so they are closed
    first, as if the job had been forked from a worker that held none.
    """

    def execute_job(self, job, queue):
        db.session.remove()
        db.engine.dispose()
        return super().execute_job(job, queue)


def wait_for(app, run_id: str, timeout: float = 15.0) -> JobRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            run = db.session.get(JobRun, run_id)
            if run is not None and run.status in (JobStatus.FINISHED, JobStatus.FAILED):
                db.session.expunge(run)
                return run
        time.sleep(0.05)
    raise AssertionError(f"job {run_id} did not end within {timeout}s")


def markers(app, marker: str) -> int:
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "test.job"))
        return sum(1 for row in rows if row.details.get("marker") == marker)


RELEASE = threading.Event()


def waiting_job(session, params, progress):
    """Stops half-way until the test releases it, so the test can poll a running job."""
    progress(1, 4, "first quarter")
    if not RELEASE.wait(timeout=20):
        raise TimeoutError("test never released the job")
    progress(4, 4, "done")
    return {"waited": True}


TEST_JOBS = {"test.count": count_job, "test.wait": waiting_job}
