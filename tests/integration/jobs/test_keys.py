"""No duplicate enqueue: a job started with a key is refused while another job holding the
key is queued or running, by the check and, in a race, by the database's unique index."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.columns import utcnow
from app.extensions import db
from app.jobs import runner
from app.jobs.models import JobRun, JobStatus
from app.jobs.runner import JobAlreadyRunning, start_job

KEY = "test.count:thing=1"


@pytest.fixture
def ctx(session, test_jobs):
    with test_jobs.app_context():
        yield db.session


def keyed(session) -> list[JobRun]:
    return session.scalars(sa.select(JobRun).where(JobRun.key == KEY)).all()


def test_a_live_key_refuses_a_second_start_and_writes_nothing(ctx):
    first = start_job(ctx, "test.count", {"n": 1, "marker": "a"}, key=KEY)
    with pytest.raises(JobAlreadyRunning) as refused:
        start_job(ctx, "test.count", {"n": 1, "marker": "b"}, key=KEY)
    with force_locale("en"):
        assert "already queued or running" in str(refused.value)
    assert [run.id for run in keyed(ctx)] == [first.id]
    other = start_job(ctx, "test.count", {"n": 1, "marker": "c"}, key="test.count:thing=2")
    ctx.commit()  # the transaction goes on after a refusal
    assert other.key == "test.count:thing=2"


@pytest.mark.parametrize("ended", [JobStatus.FINISHED, JobStatus.FAILED])
def test_an_ended_job_frees_its_key(ctx, ended):
    first = start_job(ctx, "test.count", {"n": 1, "marker": "a"}, key=KEY)
    first.status = ended
    again = start_job(ctx, "test.count", {"n": 1, "marker": "b"}, key=KEY)
    ctx.commit()
    assert {run.id for run in keyed(ctx)} == {first.id, again.id}
    assert again.status == JobStatus.QUEUED


def test_a_dead_holder_is_recorded_failed_and_blocks_nothing(ctx, test_jobs):
    """Without Redis a job still running past the time limit lost its process."""
    limit = test_jobs.config["JOB_TIMEOUT_SECONDS"]
    dead = JobRun(id=str(uuid.uuid4()), kind="test.count", key=KEY, status=JobStatus.RUNNING,
                  started_at=utcnow() - timedelta(seconds=limit + 5))  # fmt: skip
    ctx.add(dead)
    ctx.commit()
    again = start_job(ctx, "test.count", {"n": 1, "marker": "b"}, key=KEY)
    ctx.commit()
    assert dead.status == JobStatus.FAILED and "in time" in dead.message
    assert again.status == JobStatus.QUEUED


def test_a_race_past_the_check_meets_the_unique_index(ctx, monkeypatch):
    """Two starts that both found the key free (one committed just after the other's
    check): the database refuses the second, and it becomes the same refusal."""
    first = start_job(ctx, "test.count", {"n": 1, "marker": "a"}, key=KEY)
    ctx.commit()
    real, asked = runner.live_holder, []

    def not_yet_visible(session, key):  # the check ran before the other start committed
        asked.append(key)
        return None if len(asked) == 1 else real(session, key)

    monkeypatch.setattr(runner, "live_holder", not_yet_visible)
    with pytest.raises(JobAlreadyRunning):
        start_job(ctx, "test.count", {"n": 1, "marker": "b"}, key=KEY)
    assert asked == [KEY, KEY]  # refused by the index, then told apart from other errors
    assert [run.id for run in keyed(ctx)] == [first.id]
    ctx.commit()  # only the savepoint was rolled back


def test_the_unique_index_is_only_on_live_jobs(ctx):
    """Ended jobs keep their key for the record, as many as there were."""
    for status in (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.FAILED, JobStatus.RUNNING):
        ctx.add(JobRun(id=str(uuid.uuid4()), kind="test.count", key=KEY, status=status))
    ctx.flush()
    with pytest.raises(sa.exc.IntegrityError), ctx.begin_nested():
        ctx.add(JobRun(id=str(uuid.uuid4()), kind="test.count", key=KEY))
    assert len(keyed(ctx)) == 4
