"""Import batches: receive a file, map its columns, run it as a job, report.

The uploaded file is checked (``reading.detect``) before anything is stored: a refused file
leaves no batch behind. An accepted file is kept under ``IMPORT_DIR`` by its SHA-256, with
its batch, for audit. The run itself is a background job (``imports.run``, in ``jobs.py``)
whose one transaction writes the whole batch, or nothing if it fails.

One batch is imported once: ``start_import`` (the mapping form, and the retry after a
failure) holds the batch's row and refuses while its job is queued or running, and
``run_batch`` (the job, and the shell's ``import_now``) imports only a batch that is its
own and not imported yet.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.audit.services import record as audit
from app.columns import utcnow
from app.extensions import begin_write
from app.imports import mapping as mappings
from app.imports.models import (
    BatchStatus,
    DuplicatePair,
    ImportBatch,
    ImportMapping,
    ImportRejection,
    PairStatus,
    SourceKind,
)
from app.imports.pipeline import Reference, Report, run_import
from app.jobs.models import JobRun, JobStatus
from app.jobs.runner import ACTIVE, JobAlreadyRunning, Progress, reconcile, start_job
from app.spreadsheets.bounds import too_many_columns
from app.spreadsheets.reading import FileFormat, Limits, detect, survey
from app.webhooks.events import emit

PREVIEW_ROWS = 10
JOB_KIND = "imports.run"
UNDER_WAY = _l("This file is already being imported: its progress is on this page.")


class ImportRefused(ValueError):
    """The import cannot start now; the message says why."""


class MappingError(ImportRefused):
    """The column mapping cannot be used; ``errors`` lists every reason."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors))
        self.errors = errors


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def receive_file(
    session: Session,
    upload: Path,
    filename: str,
    source_kind: SourceKind,
    *,
    user_id: int | None,
) -> ImportBatch:
    """Check ``upload``, keep a copy and record a batch waiting for its column mapping.

    Raises ``FileRefused`` (nothing stored) when the file cannot be imported.
    """
    config = current_app.config
    limits = Limits.from_config(config)
    file_format = detect(upload, max_bytes=config["IMPORT_MAX_BYTES"], limits=limits)
    read = survey(upload, file_format, limits=limits, preview_rows=PREVIEW_ROWS)
    digest = _sha256(upload)
    folder = Path(config["IMPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{digest}.{file_format.kind}"
    if not stored.exists():
        temporary = stored.with_suffix(".part")
        shutil.copyfile(upload, temporary)
        temporary.replace(stored)  # never a half-copied file under the final name
    batch = ImportBatch(
        source_kind=source_kind,
        filename=Path(filename).name[:255] or "upload",
        file_sha256=digest,
        stored_path=str(stored),
        status=BatchStatus.UPLOADED,
        uploaded_by_id=user_id,
        report={
            "format": file_format.__dict__,
            "rows_estimate": read.rows,
            "preview": read.preview,
        },
    )
    session.add(batch)
    session.flush()
    audit(session, "imports.receive", user_id=user_id, obj=batch, filename=batch.filename)
    return batch


def headers_of(batch: ImportBatch) -> list[str]:
    preview_rows = (batch.report or {}).get("preview") or [[]]
    return mappings.unique_headers(preview_rows[0])


def mapping_headers(batch: ImportBatch) -> list[str]:
    """The headers the mapping form offers, one selector each: refused (``FileRefused``)
    past the column limit, as a batch received before the limits existed may be."""
    headers = headers_of(batch)
    limits = Limits.from_config(current_app.config)
    if len(headers) > limits.columns:
        raise too_many_columns(1, len(headers), limits)
    return headers


def suggested_mapping(session: Session, batch: ImportBatch) -> dict[str, str]:
    saved = session.scalar(
        sa.select(ImportMapping.mapping).where(ImportMapping.source_kind == batch.source_kind)
    )
    return mappings.suggest(headers_of(batch), saved)


def job_key(batch_id: int) -> str:
    """The import job's key: one live job per batch (``runner.start_job``)."""
    return f"{JOB_KIND}:batch={batch_id}"


def _hold(session: Session, batch_id: int) -> ImportBatch | None:
    """The batch, its row held until the transaction ends (``FOR UPDATE`` on PostgreSQL;
    on SQLite the write lock, taken at BEGIN when the transaction opens here); None while
    another transaction holds it: a start being committed, or the job importing it."""
    begin_write(session)
    return session.scalar(
        sa.select(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


def start_import(
    session: Session,
    batch_id: int,
    mapping: dict[str, str] | None = None,
    *,
    user_id: int | None,
    qualified_within_months: int | None = None,
) -> JobRun:
    """Start the import job of a batch, once: with ``mapping`` (the mapping form: saved for
    the batch and as the source kind's default), or without it to run again, with the
    batch's own mapping, after its job failed (the retry). Audited either way.

    Raises ``JobAlreadyRunning`` while the batch's job is queued or running (a double
    click, a second tab; a job that died is recorded as failed and blocks nothing),
    ``ImportRefused``/``MappingError`` when the batch cannot start, ``JobsUnavailable``.
    """
    batch = _hold(session, batch_id)
    if batch is None:
        raise JobAlreadyRunning(UNDER_WAY)
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.MAPPED):
        raise ImportRefused(_("This file has already been imported."))
    earlier = session.get(JobRun, batch.job_run_id) if batch.job_run_id else None
    if earlier is not None and reconcile(session, earlier).status in ACTIVE:
        raise JobAlreadyRunning(UNDER_WAY)
    if mapping is not None:
        _save_mapping(session, batch, mapping, user_id=user_id)
        if qualified_within_months is not None:
            batch.qualified_within_months = qualified_within_months
    elif earlier is None or earlier.status != JobStatus.FAILED:
        raise ImportRefused(_("Only an import that failed can be run again."))
    try:
        params = {"batch_id": batch.id}
        run = start_job(session, JOB_KIND, params, user_id=user_id, key=job_key(batch.id))
    except JobAlreadyRunning as exc:
        raise JobAlreadyRunning(UNDER_WAY) from exc
    batch.job_run_id = run.id
    details = {"mapping": batch.column_mapping} if mapping is not None else {}
    if earlier is not None:
        details["failed_job"] = earlier.id
    action = "imports.start" if mapping is not None else "imports.retry"
    audit(session, action, user_id=user_id, obj=batch, job=run.id, **details)
    return run


def _save_mapping(
    session: Session, batch: ImportBatch, mapping: dict[str, str], *, user_id: int | None
) -> None:
    """Check ``mapping`` and keep it, for the batch and as its source kind's default."""
    headers = headers_of(batch)
    errors = mappings.check(mapping, headers)
    if errors:
        raise MappingError(errors)
    cleaned = {header: mapping.get(header, "") for header in headers}
    saved = session.scalar(
        sa.select(ImportMapping).where(ImportMapping.source_kind == batch.source_kind)
    )
    if saved is None:
        saved = ImportMapping(source_kind=batch.source_kind)
        session.add(saved)
    saved.mapping, saved.updated_by_id = cleaned, user_id
    batch.column_mapping = cleaned
    batch.status = BatchStatus.MAPPED


def run_batch(session: Session, batch_id: int, progress: Progress, *, job_id: str) -> Report | None:
    """The import job's work: import the batch in the job's transaction, holding its row.
    None, changing nothing, when the batch is not this job's to import (already imported,
    or another job's: one started twice before starts were guarded)."""
    batch = session.get_one(ImportBatch, batch_id, with_for_update=True, populate_existing=True)
    if batch.status != BatchStatus.MAPPED or batch.job_run_id != job_id:
        return None
    return _import(session, batch, progress)


def _import(
    session: Session,
    batch: ImportBatch,
    progress: Progress,
    *,
    user_id: int | None = None,
    reference: Reference | None = None,
) -> Report:
    batch.status = BatchStatus.RUNNING
    report = run_import(session, batch, progress, reference=reference)
    batch.finished_at = utcnow()
    audit(
        session,
        "imports.done",
        user_id=user_id,
        obj=batch,
        rows=report.rows_read,
        created=report.accounts_created,
        updated=report.accounts_updated,
    )
    emit(session, "import.finished", {
        "batch_id": batch.id, "source_kind": batch.source_kind.value,
        "rows_read": report.rows_read, "rows_rejected": report.rows_rejected,
        "accounts_created": report.accounts_created, "accounts_updated": report.accounts_updated,
        "duplicates_merged": report.duplicates_merged, "finished_at": batch.finished_at.isoformat(),
    })  # fmt: skip
    return report


def import_now(
    session: Session,
    path: Path,
    source_kind: SourceKind,
    *,
    mapping: dict[str, str] | None = None,
    user_id: int | None = None,
    progress: Progress | None = None,
    reference: Reference | None = None,
    qualified_within_months: int = 12,
) -> tuple[ImportBatch, Report]:
    """The whole import in the caller's transaction (the shell command, the tests): the
    suggested mapping unless one is given."""
    batch = receive_file(session, path, path.name, source_kind, user_id=user_id)
    chosen = mapping or suggested_mapping(session, batch)
    errors = mappings.check(chosen, headers_of(batch))
    if errors:
        raise MappingError(errors)
    batch.column_mapping = chosen
    batch.qualified_within_months = qualified_within_months
    report = _import(
        session,
        batch,
        progress or (lambda *args, **kwargs: None),
        user_id=user_id,
        reference=reference,
    )
    return batch, report


def file_format(batch: ImportBatch) -> FileFormat:
    return FileFormat(**(batch.report or {})["format"])


def recent_batches(session: Session, limit: int = 50) -> list[ImportBatch]:
    """The latest batches, newest first."""
    return list(
        session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit))
    )


def pairs_waiting(session: Session) -> int:
    """How many possible duplicates wait for a person."""
    query = sa.select(sa.func.count(DuplicatePair.id))
    return session.scalar(query.where(DuplicatePair.status == PairStatus.PENDING)) or 0


def rejections(
    session: Session, batch: ImportBatch, limit: int | None = None
) -> list[ImportRejection]:
    """The batch's rejected rows in file order; the first ``limit`` when given."""
    query = (
        sa.select(ImportRejection)
        .where(ImportRejection.batch_id == batch.id)
        .order_by(ImportRejection.row_number)
        .limit(limit)
    )
    return list(session.scalars(query))
