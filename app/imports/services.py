"""Import batches: receive a file, map its columns, run it as a job, report.

The uploaded file is checked (``reading.detect``) before anything is stored: a refused file
leaves no batch behind. An accepted file is kept under ``IMPORT_DIR`` by its SHA-256, with
its batch, for audit. The run itself is a background job (``imports.run``) whose one
transaction writes the whole batch, or nothing if it fails.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.audit.services import record as audit
from app.columns import utcnow
from app.imports import mapping as mappings
from app.imports.models import BatchStatus, ImportBatch, ImportMapping, SourceKind
from app.imports.pipeline import Reference, Report, run_import
from app.jobs.models import JobRun
from app.jobs.runner import Progress, job, start_job
from app.spreadsheets.reading import FileFormat, count_rows, detect, preview

PREVIEW_ROWS = 10


class MappingError(ValueError):
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
    file_format = detect(upload, max_bytes=config["IMPORT_MAX_BYTES"])
    headers_and_rows = preview(upload, file_format, rows=PREVIEW_ROWS)
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
            "rows_estimate": count_rows(upload, file_format),
            "preview": headers_and_rows,
        },
    )
    session.add(batch)
    session.flush()
    audit(session, "imports.receive", user_id=user_id, obj=batch, filename=batch.filename)
    return batch


def headers_of(batch: ImportBatch) -> list[str]:
    preview_rows = (batch.report or {}).get("preview") or [[]]
    return mappings.unique_headers(preview_rows[0])


def suggested_mapping(session: Session, batch: ImportBatch) -> dict[str, str]:
    saved = session.scalar(
        sa.select(ImportMapping.mapping).where(ImportMapping.source_kind == batch.source_kind)
    )
    return mappings.suggest(headers_of(batch), saved)


def start(
    session: Session, batch: ImportBatch, mapping: dict[str, str], *, user_id: int | None
) -> JobRun:
    """Save the mapping (for the batch, and as the source kind's default) and start the
    import job. Raises ``MappingError`` when the mapping cannot be used."""
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.MAPPED):
        raise MappingError([_("This file has already been imported.")])
    headers = headers_of(batch)
    cleaned = {header: mapping.get(header, "") for header in headers}
    errors = mappings.check(mapping, headers)
    if errors:
        raise MappingError(errors)
    saved = session.scalar(
        sa.select(ImportMapping).where(ImportMapping.source_kind == batch.source_kind)
    )
    if saved is None:
        saved = ImportMapping(source_kind=batch.source_kind)
        session.add(saved)
    saved.mapping, saved.updated_by_id = cleaned, user_id
    batch.column_mapping = cleaned
    batch.status = BatchStatus.MAPPED
    run = start_job(session, "imports.run", {"batch_id": batch.id}, user_id=user_id)
    batch.job_run_id = run.id
    audit(session, "imports.start", user_id=user_id, obj=batch, mapping=cleaned)
    return run


@job("imports.run")
def _run_job(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    batch = session.get_one(ImportBatch, params["batch_id"])
    batch.status = BatchStatus.RUNNING
    report = run_import(session, batch, progress)
    batch.finished_at = utcnow()
    audit(
        session,
        "imports.done",
        obj=batch,
        rows=report.rows_read,
        created=report.accounts_created,
        updated=report.accounts_updated,
    )
    return report.as_dict()


def import_now(
    session: Session,
    path: Path,
    source_kind: SourceKind,
    *,
    mapping: dict[str, str] | None = None,
    user_id: int | None = None,
    progress: Progress | None = None,
    reference: Reference | None = None,
) -> tuple[ImportBatch, Report]:
    """The whole import in the caller's transaction (the shell command, the tests): the
    suggested mapping unless one is given."""
    batch = receive_file(session, path, path.name, source_kind, user_id=user_id)
    chosen = mapping or suggested_mapping(session, batch)
    errors = mappings.check(chosen, headers_of(batch))
    if errors:
        raise MappingError(errors)
    batch.column_mapping = chosen
    batch.status = BatchStatus.RUNNING
    report = run_import(
        session, batch, progress or (lambda *args, **kwargs: None), reference=reference
    )
    batch.finished_at = utcnow()
    audit(session, "imports.done", user_id=user_id, obj=batch, rows=report.rows_read)
    return batch, report


def file_format(batch: ImportBatch) -> FileFormat:
    return FileFormat(**(batch.report or {})["format"])
