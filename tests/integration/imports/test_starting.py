"""Starting an import: one job per batch, however often the form is sent; a retry only
after a failure, and audited.

A double click on the mapping form once ran two ``imports.run`` jobs for one batch: the
second found every row already imported and overwrote the report (0 accounts created
while 2 were).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.columns import utcnow
from app.extensions import db
from app.imports import services
from app.imports.models import BatchStatus, ImportBatch
from app.jobs import runner as job_runner
from app.jobs.models import JobRun, JobStatus
from app.jobs.runner import JobAlreadyRunning
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from tests.conftest import csrf_token
from tests.integration.imports.test_views import CSV, upload

UNDER_WAY = "già in importazione"  # the refusal, as the Italian page says it
MAPPING = {"col_0": "company_name", "col_1": "municipality", "col_2": "province",
           "col_3": "phone"}  # fmt: skip


@pytest.fixture
def batch(client, session, users, auth) -> ImportBatch:
    auth.login("staff")
    upload(client, CSV.replace(b"=HYPERLINK(1)", b"Bianchi SNC"))
    return session.scalars(sa.select(ImportBatch)).one()


def post_mapping(client, batch: ImportBatch, token: str, **kwargs):
    data = {"csrf_token": token, **MAPPING}
    return client.post(f"/imports/{batch.id}/mapping", data=data, **kwargs)


def retry(client, batch: ImportBatch, **kwargs):
    token = csrf_token(client, f"/imports/{batch.id}")
    return client.post(f"/imports/{batch.id}/retry", data={"csrf_token": token}, **kwargs)


def import_jobs(session, batch: ImportBatch) -> list[JobRun]:
    runs = session.scalars(sa.select(JobRun).where(JobRun.kind == "imports.run")).all()
    return [run for run in runs if run.params.get("batch_id") == batch.id]


def audited(session, action: str, batch: ImportBatch) -> list[AuditEntry]:
    return session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.object_id == str(batch.id)
        )
    ).all()


def set_status(session, run_id: str, status: JobStatus, message: str | None = None) -> None:
    run = session.get_one(JobRun, run_id)
    run.status, run.message = status, message
    run.started_at = utcnow() if status != JobStatus.QUEUED else None
    session.commit()


def test_posting_the_mapping_twice_starts_one_job(client, session, batch) -> None:
    token = csrf_token(client, f"/imports/{batch.id}/mapping")
    first = post_mapping(client, batch, token)
    assert first.status_code == 302
    second = post_mapping(client, batch, token, follow_redirects=True)
    [run] = import_jobs(session, batch)
    assert session.info["dispatched_jobs"] == [run.id]
    session.refresh(batch)
    assert batch.job_run_id == run.id and batch.status == BatchStatus.MAPPED
    assert len(audited(session, "imports.start", batch)) == 1
    assert second.status_code == 200
    assert UNDER_WAY in second.get_data(as_text=True)


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RUNNING])
def test_a_retry_while_the_job_is_queued_or_running_is_refused(
    client, session, batch, status
) -> None:
    post_mapping(client, batch, csrf_token(client, f"/imports/{batch.id}/mapping"))
    [run] = import_jobs(session, batch)
    set_status(session, run.id, status)
    page = retry(client, batch, follow_redirects=True).get_data(as_text=True)
    assert [r.id for r in import_jobs(session, batch)] == [run.id]
    session.refresh(batch)
    assert batch.job_run_id == run.id
    assert audited(session, "imports.retry", batch) == []
    assert UNDER_WAY in page  # refused, and told why


def test_the_mapping_form_while_the_job_runs_is_refused(client, session, batch) -> None:
    """Another tab still showing the form: sent while the job runs, it starts nothing."""
    token = csrf_token(client, f"/imports/{batch.id}/mapping")
    post_mapping(client, batch, token)
    [run] = import_jobs(session, batch)
    set_status(session, run.id, JobStatus.RUNNING)
    page = post_mapping(client, batch, token, follow_redirects=True).get_data(as_text=True)
    assert len(import_jobs(session, batch)) == 1
    assert UNDER_WAY in page


def test_a_retry_after_a_failure_starts_one_job_and_is_audited(
    client, session, users, batch
) -> None:
    post_mapping(client, batch, csrf_token(client, f"/imports/{batch.id}/mapping"))
    [failed] = import_jobs(session, batch)
    set_status(session, failed.id, JobStatus.FAILED, "OperationalError: server restarted")
    assert retry(client, batch).status_code == 302
    assert retry(client, batch).status_code == 302  # a double click
    runs = import_jobs(session, batch)
    assert len(runs) == 2
    [again] = [r for r in runs if r.id != failed.id]
    assert again.status == JobStatus.QUEUED
    session.refresh(batch)
    assert batch.job_run_id == again.id
    [entry] = audited(session, "imports.retry", batch)
    assert entry.user_id == users["staff"].id
    assert entry.details["job"] == again.id and entry.details["failed_job"] == failed.id


def test_a_dead_job_does_not_block_a_retry(app, client, session, batch) -> None:
    """A job whose process died (no Redis: still 'running' past the time limit) is
    recorded as failed when the import is started again, and the retry goes ahead."""
    post_mapping(client, batch, csrf_token(client, f"/imports/{batch.id}/mapping"))
    [dead] = import_jobs(session, batch)
    limit = app.config["JOB_TIMEOUT_SECONDS"]
    dead.status, dead.started_at = JobStatus.RUNNING, utcnow() - timedelta(seconds=limit + 5)
    session.commit()
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert 'data-testid="import-failed"' in page  # shown failed, not yet recorded
    session.refresh(dead)
    assert dead.status == JobStatus.RUNNING
    assert retry(client, batch).status_code == 302
    session.refresh(dead)
    assert dead.status == JobStatus.FAILED and "in time" in dead.message
    assert len(import_jobs(session, batch)) == 2


def test_start_import_refuses_a_second_start_of_the_same_batch(app, session, users, batch):
    headers = services.headers_of(batch)
    mapping = dict(zip(headers, MAPPING.values(), strict=True))
    with app.test_request_context():
        services.start_import(session, batch.id, mapping, user_id=users["staff"].id)
        with pytest.raises(JobAlreadyRunning) as refused:
            services.start_import(session, batch.id, mapping, user_id=users["staff"].id)
    assert "already being imported" in str(refused.value)
    assert len(import_jobs(session, batch)) == 1


def test_a_second_job_for_an_imported_batch_changes_nothing(app, client, session, batch):
    """A stray job (started twice before this was fixed) finds the batch imported and
    leaves it, and its report, as they are."""
    load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    post_mapping(client, batch, csrf_token(client, f"/imports/{batch.id}/mapping"))
    [first] = import_jobs(session, batch)
    stray = JobRun(id="stray-import-job", kind="imports.run", params={"batch_id": batch.id})
    session.add(stray)
    session.commit()
    for run_id in (first.id, stray.id):
        with app.app_context():
            job_runner.perform(run_id)
            db.session.remove()
    session.expire_all()
    assert batch.status == BatchStatus.DONE and batch.job_run_id == first.id
    assert batch.report["accounts_created"] == 2
    assert session.get_one(JobRun, stray.id).result == {"skipped": "done"}


@pytest.mark.parametrize(
    ("stored", "shown", "hidden"),
    [
        ("FileRefused: La riga 5, colonna 2 contiene una formula.", "La riga 5, colonna 2",
         "FileRefused"),
        ("OperationalError: (psycopg.OperationalError) server closed the connection",
         "Tentate di nuovo", "psycopg"),
        ("The background worker stopped before the job finished.",
         "prima che il lavoro finisse", "worker stopped"),
        ("The job did not finish in time (was the server restarted?).",
         "non è finito in tempo", "in time"),
    ],
)  # fmt: skip
def test_a_failure_reads_in_the_user_s_words(client, session, batch, stored, shown, hidden):
    post_mapping(client, batch, csrf_token(client, f"/imports/{batch.id}/mapping"))
    [failed] = import_jobs(session, batch)
    set_status(session, failed.id, JobStatus.FAILED, stored)
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    found = page[page.index('data-testid="import-failed"') :]
    found = found[: found.index("</section>")]
    assert shown in found and hidden not in found
