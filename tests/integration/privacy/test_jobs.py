"""The retention job, run for real: in-process, and through RQ as its cron scheduler
starts it. Jobs commit, so these tests clean up after themselves."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue

from app.accounts.models import Account, AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.extensions import db
from app.jobs.models import JobRun, JobStatus
from app.jobs.runner import start_job
from app.privacy.jobs import KIND, build_scheduler, start_retention
from tests.conftest import build_app
from tests.integration.jobs.conftest import InProcessWorker

OLD = datetime(2020, 2, 3, tzinfo=UTC)


def seed(app, n: int = 3) -> list[int]:
    """``n`` old accounts never qualified, committed."""
    with app.app_context():
        accounts = [
            Account(key=f"QPRIV{uuid.uuid4().hex[:6].upper()}", company_name=f"Vecchia {i} SRL",
                    status=AccountStatus.NOT_INTERESTED, updated_at=OLD, created_at=OLD)
            for i in range(n)
        ]  # fmt: skip
        db.session.add_all(accounts)
        db.session.flush()
        for a in accounts:
            db.session.add(
                AccountPhone(account_id=a.id, raw="333 1234567", e164="+393331234567",
                             kind=PhoneKind.MOBILE)
            )  # fmt: skip
        db.session.commit()
        return [a.id for a in accounts]


def cleanup(app, ids: list[int]) -> None:
    with app.app_context():
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.action.like("privacy.%")))
        db.session.execute(sa.delete(JobRun).where(JobRun.kind == KIND))
        db.session.execute(sa.delete(AccountPhone).where(AccountPhone.account_id.in_(ids)))
        db.session.execute(sa.delete(Account).where(Account.id.in_(ids)))
        db.session.commit()


def wait_for(app, run_id: str, timeout: float = 20.0) -> JobRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            run = db.session.get(JobRun, run_id)
            if run is not None and run.status in (JobStatus.FINISHED, JobStatus.FAILED):
                db.session.expunge(run)
                return run
        time.sleep(0.05)
    raise AssertionError(f"job {run_id} did not end within {timeout}s")


def anonymised(app, ids: list[int]) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).where(
            Account.id.in_(ids), Account.anonymised_at.is_not(None)
        )
        return db.session.scalar(query)


@pytest.fixture
def seeded_app(app) -> Iterator[tuple[object, list[int]]]:
    ids = seed(app)
    yield app, ids
    cleanup(app, ids)


def test_in_process_job_anonymises_in_batches(seeded_app, monkeypatch):
    app, ids = seeded_app
    monkeypatch.setattr("app.privacy.retention.BATCH_SIZE", 2)
    with app.app_context():
        dry = start_job(db.session, KIND, {"dry_run": True}).id
        db.session.commit()
    assert wait_for(app, dry).result["due"] == 3
    assert anonymised(app, ids) == 0
    with app.app_context():
        run_id = start_retention(db.session).id
        db.session.commit()
    done = wait_for(app, run_id)
    assert done.status == JobStatus.FINISHED, done.message
    assert done.result["anonymised"] == 3 and done.progress == 3 and done.total == 3
    assert anonymised(app, ids) == 3
    with app.app_context():
        phones = db.session.scalar(
            sa.select(sa.func.count()).where(AccountPhone.account_id.in_(ids))
        )
        assert phones == 0


def test_only_one_retention_job_at_a_time(seeded_app, monkeypatch):
    app, _ids = seeded_app
    monkeypatch.setattr("app.jobs.runner._dispatch", lambda _app, _run_id: None)
    with app.app_context():
        first = start_retention(db.session)
        db.session.commit()
        assert first is not None and start_retention(db.session) is None


@pytest.fixture
def rq_app(app, redis_url) -> Iterator[object]:
    rq = build_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=redis_url,
        RQ_QUEUE=f"test-{uuid.uuid4().hex[:8]}",
    )
    yield rq
    with rq.app_context():
        db.engine.dispose()


def test_rq_cron_schedule_starts_the_job_daily(rq_app, redis_url):
    ids = seed(rq_app)
    try:
        connection = Redis.from_url(redis_url)
        [cron_job] = build_scheduler(rq_app, connection).get_jobs()
        assert cron_job.cron == rq_app.config["RETENTION_CRON"] == "15 3 * * *"
        assert cron_job.queue_name == rq_app.config["RQ_QUEUE"]
        assert cron_job.func_name == "app.privacy.jobs.start_scheduled_retention"
        with rq_app.app_context():
            cron_job.enqueue(connection)  # what the scheduler does when the time comes
            queue = Queue(rq_app.config["RQ_QUEUE"], connection=connection)
            InProcessWorker([queue], connection=connection).work(burst=True)
            run_id = db.session.scalar(sa.select(JobRun.id).where(JobRun.kind == KIND))
        done = wait_for(rq_app, run_id)
        assert done.status == JobStatus.FINISHED and done.result["anonymised"] == 3
        assert anonymised(rq_app, ids) == 3
    finally:
        cleanup(rq_app, ids)
