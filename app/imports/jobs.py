"""The import's background job: one batch imported in one transaction (``run_batch``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.imports.models import ImportBatch
from app.imports.services import JOB_KIND, run_batch
from app.jobs.registry import Handler
from app.jobs.runner import Progress


def import_batch(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The report, which the batch keeps too; a batch that is not this job's is left alone."""
    report = run_batch(session, params["batch_id"], progress, job_id=progress.run_id)
    if report is None:
        return {"skipped": session.get_one(ImportBatch, params["batch_id"]).status.value}
    return report.as_dict()


JOBS: dict[str, Handler] = {JOB_KIND: import_batch}
