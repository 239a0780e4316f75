from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from redis import Redis
from rq import Queue

from app.extensions import db
from app.jobs import runner
from app.jobs.models import JobRun, JobStatus
from app.jobs.registry import register
from app.jobs.runner import JobsUnavailable, start_job
from tests.conftest import build_app
from tests.integration.jobs.conftest import TEST_JOBS, InProcessWorker, markers, wait_for


def test_in_process_job_runs_after_commit(committed):
    marker = uuid.uuid4().hex
    with committed.app_context():
        run = start_job(db.session, "test.count", {"n": 5, "marker": marker})
        run_id = run.id
        assert run.status == JobStatus.QUEUED
        db.session.commit()
    done = wait_for(committed, run_id)
    assert done.status == JobStatus.FINISHED
    assert done.result == {"counted": 5}
    assert done.progress == 5 and done.total == 5 and done.percent == 100
    assert done.started_at <= done.finished_at
    assert markers(committed, marker) == 1


def test_failed_job_leaves_nothing_half_written(committed):
    marker = uuid.uuid4().hex
    with committed.app_context():
        run_id = start_job(db.session, "test.count", {"n": 3, "marker": marker, "fail": True}).id
        db.session.commit()
    done = wait_for(committed, run_id)
    assert done.status == JobStatus.FAILED
    assert "ValueError: planned failure" in done.message
    assert markers(committed, marker) == 0  # its write was rolled back with it


def test_not_dispatched_when_the_transaction_rolls_back(committed, monkeypatch):
    dispatched: list[str] = []
    monkeypatch.setattr(runner, "_dispatch", lambda app, run_id: dispatched.append(run_id))
    with committed.app_context():
        run_id = start_job(db.session, "test.count", {"n": 1, "marker": "x"}).id
        db.session.rollback()
        db.session.commit()
        assert db.session.get(JobRun, run_id) is None
    assert dispatched == []


def test_savepoints_do_not_dispatch_early_nor_lose_jobs(committed, monkeypatch):
    dispatched: list[str] = []
    monkeypatch.setattr(runner, "_dispatch", lambda app, run_id: dispatched.append(run_id))
    with committed.app_context():
        with db.session.begin_nested():
            early = start_job(db.session, "test.count", {"n": 1, "marker": "a"}).id
        assert dispatched == []  # a released savepoint is not the commit
        kept = start_job(db.session, "test.count", {"n": 1, "marker": "b"}).id
        try:
            with db.session.begin_nested():
                db.session.add(JobRun(id=kept, kind="test.count"))  # duplicate key
                db.session.flush()
        except sa.exc.IntegrityError:
            pass  # the savepoint rolled back; the outer transaction goes on
        db.session.commit()
    assert dispatched == [early, kept]
    with committed.app_context():
        dropped = start_job(db.session, "test.count", {"n": 1, "marker": "c"}).id
        db.session.rollback()
        db.session.commit()
    assert dropped not in dispatched


def test_in_process_job_past_the_time_limit_is_marked_failed(committed):
    from datetime import timedelta

    from app.columns import utcnow

    with committed.app_context():
        run = JobRun(
            id=str(uuid.uuid4()),
            kind="test.count",
            status=JobStatus.RUNNING,
            started_at=utcnow() - timedelta(seconds=committed.config["JOB_TIMEOUT_SECONDS"] + 5),
        )
        fresh = JobRun(
            id=str(uuid.uuid4()), kind="test.count", status=JobStatus.RUNNING, started_at=utcnow()
        )
        db.session.add_all([run, fresh])
        db.session.commit()
        shown = runner.state_of(run)  # what a page shows: derived, nothing written
        assert shown.status == JobStatus.FAILED and "did not finish in time" in shown.message
        assert run.status == JobStatus.RUNNING and not db.session.dirty
        assert runner.state_of(fresh).status == JobStatus.RUNNING
        runner.reconcile(db.session, run)  # a write path records it
        runner.reconcile(db.session, fresh)
        db.session.commit()
        assert run.status == JobStatus.FAILED and "did not finish in time" in run.message
        assert fresh.status == JobStatus.RUNNING


def test_unknown_kind_is_a_programming_error(committed):
    with committed.app_context(), pytest.raises(KeyError, match="no job handler"):
        start_job(db.session, "no.such.job")


def test_redis_down_refuses_clearly_and_creates_nothing(app, committed):
    down = build_app(app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL="redis://127.0.0.1:1/0")
    register(down, TEST_JOBS)
    with down.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(JobRun))
        with pytest.raises(JobsUnavailable) as refused:
            start_job(db.session, "test.count", {"n": 1, "marker": "x"})
        with force_locale("en"):
            assert str(refused.value).startswith("Background work is unavailable")
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == before
        db.session.remove()  # gives its connection back, so that dispose() closes it
        db.engine.dispose()


def test_rq_worker_runs_the_job(rq_app, redis_url):
    marker = uuid.uuid4().hex
    with rq_app.app_context():
        run_id = start_job(db.session, "test.count", {"n": 4, "marker": marker}).id
        db.session.commit()
        queue = Queue(rq_app.config["RQ_QUEUE"], connection=Redis.from_url(redis_url))
        assert queue.job_ids == [run_id]  # the RQ job id is the JobRun id
        InProcessWorker([queue], connection=queue.connection).work(burst=True)
    done = wait_for(rq_app, run_id, timeout=5)
    assert done.status == JobStatus.FINISHED and done.result == {"counted": 4}
    assert markers(rq_app, marker) == 1


def test_rq_failure_is_recorded(rq_app, redis_url):
    marker = uuid.uuid4().hex
    with rq_app.app_context():
        run_id = start_job(db.session, "test.count", {"n": 2, "marker": marker, "fail": True}).id
        db.session.commit()
        queue = Queue(rq_app.config["RQ_QUEUE"], connection=Redis.from_url(redis_url))
        InProcessWorker([queue], connection=queue.connection).work(burst=True)
        assert queue.failed_job_registry.get_job_ids() == [run_id]
    done = wait_for(rq_app, run_id, timeout=5)
    assert done.status == JobStatus.FAILED and "planned failure" in done.message
    assert markers(rq_app, marker) == 0


def test_job_lost_by_the_queue_shows_failed_and_is_recorded_by_a_write(rq_app, redis_url):
    """A worker killed mid-job leaves the row 'running': a poll shows it failed without
    writing; reconciling (a write path) records it."""
    with rq_app.app_context():
        run = JobRun(id=str(uuid.uuid4()), kind="test.count", status=JobStatus.RUNNING)
        db.session.add(run)
        db.session.commit()
        shown = runner.state_of(run)
        assert shown.status == JobStatus.FAILED and "worker stopped" in shown.message
        assert run.status == JobStatus.RUNNING
        runner.reconcile(db.session, run)
        db.session.commit()
        assert run.status == JobStatus.FAILED
        assert "worker stopped" in run.message


def test_a_queued_job_not_yet_enqueued_is_given_time(rq_app, redis_url):
    """Recorded, committed, not on the queue yet (it is enqueued right after the commit):
    a poll in that moment must not fail it; after the grace period it is failed."""
    with rq_app.app_context():
        run = JobRun(id=str(uuid.uuid4()), kind="test.count", status=JobStatus.QUEUED)
        db.session.add(run)
        db.session.commit()
        assert runner.state_of(runner.reconcile(db.session, run)).status == JobStatus.QUEUED
        run.created_at -= timedelta(seconds=runner.ENQUEUE_GRACE_SECONDS + 1)
        db.session.commit()
        assert runner.state_of(run).status == JobStatus.FAILED
        runner.reconcile(db.session, run)
        assert run.status == JobStatus.FAILED


def test_progress_is_visible_while_the_job_runs(committed):
    """The page's progress bar: the JSON shows the job half-way, then finished."""
    from tests import factories
    from tests.conftest import Auth
    from tests.integration.jobs.conftest import RELEASE

    RELEASE.clear()
    with committed.app_context():
        owner = factories.user(db.session, username=f"u{uuid.uuid4().hex[:8]}")
        db.session.commit()
        owner_id, username = owner.id, owner.username
    client = committed.test_client()
    # Sign in first: on SQLite a running job holds the only write lock until it lands.
    Auth(client).login(username)
    with committed.app_context():
        run_id = start_job(db.session, "test.wait", user_id=owner_id).id
        db.session.commit()
    try:
        for _ in range(200):
            data = client.get(f"/jobs/{run_id}").get_json()
            if data["status"] == "running" and data["progress"] == 1:
                break
            time.sleep(0.05)
        assert data == {
            "id": run_id,
            "kind": "test.wait",
            "status": "running",
            "progress": 1,
            "total": 4,
            "percent": 25,
            "message": "first quarter",
            "result": None,
        }
    finally:
        RELEASE.set()
    done = wait_for(committed, run_id)
    assert done.status == JobStatus.FINISHED and done.progress == 4
    final = client.get(f"/jobs/{run_id}").get_json()
    assert final["percent"] == 100 and final["result"] == {"waited": True}
