"""The data company's file applied in the background (``returning.run_return``): one
transaction, so the file lands whole or not at all."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.columns import utcnow
from app.external.returning import JOB_KIND, run_return
from app.imports.models import BatchStatus, ImportBatch
from app.jobs.registry import FailureHandler, Handler
from app.jobs.runner import Progress


def apply_file(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Counts only: the report, with its rows' values, stays on the batch (a job's result
    is not where personal data is looked for when it must be erased)."""
    report = run_return(session, params, progress, job_id=progress.run_id)
    if report is None:
        return {"skipped": True}
    if "refused" in report:
        return {"refused": len(report["refused"])}
    outcome = report["external"]
    return {"new_rows": report.get("rows_read", 0), "keyed": outcome["rows_keyed"],
            "changed": outcome["changed_by_field"], "closed": len(outcome["closed"]),
            "created": report.get("accounts_created", 0)}  # fmt: skip


def fail_batch(session: Session, params: dict[str, Any], _message: str) -> None:
    """The job failed (its transaction rolled back): its batch is failed with it, so the
    report page says so rather than wait."""
    batch = session.get(ImportBatch, params["batch_id"])
    if batch is not None and batch.status in (BatchStatus.MAPPED, BatchStatus.RUNNING):
        batch.status, batch.finished_at = BatchStatus.FAILED, utcnow()


JOBS: dict[str, Handler] = {JOB_KIND: apply_file}
ON_FAILURE: dict[str, FailureHandler] = {JOB_KIND: fail_batch}
