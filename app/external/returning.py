"""The data company's file back: checked cheaply at upload, then checked whole and
applied whole by a job (``external.return``), in the job's one transaction (any failure
lands nothing).

The upload (``receive_return``) keeps the file with its batch and refuses at once a file
the import's checks refuse or that lacks the KEY or ESITO column; then the job starts. The
job (``run_return``) reads the file three times, a row at a time (memory does not grow
with it): first its keys (a repeated KEY, or a KEY that names no account of the user's
scope refuses the whole file: nothing is written but the refusal, kept on the batch); then
the rows with a KEY, ``CHUNK`` accounts at a time (``applying``); then the rows without
one, the companies the data company found, through the ordinary import path
(``pipeline.import_rows``: cleaning, matching, de-duplication) as rows of the same batch.
Rows are matched by KEY only, never by a fuzzy comparison. See docs/imports.md, "The
external company's file back"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Account
from app.accounts.normalise.changes import squash
from app.accounts.services import of_zone
from app.audit.services import record as audit
from app.columns import utcnow
from app.external import refusals
from app.external.applying import Applier
from app.external.layout import FIELD_OF, IMPORT_MAPPING, KEY, NOTE, VERDICT
from app.external.refusals import ReturnRefused
from app.imports import mapping
from app.imports.cleaning import Items
from app.imports.doubts import reference as load_reference
from app.imports.matching import chunks
from app.imports.models import BatchStatus, ImportBatch, SourceKind
from app.imports.pipeline import Progress, Reference, import_rows
from app.imports.services import file_format, receive_file
from app.jobs.runner import start_job
from app.spreadsheets.reading import Limits, read_rows

CHUNK = 1_000  # keyed rows applied together (their accounts loaded at once)
REQUIRED = (KEY, VERDICT)
JOB_KIND = "external.return"


def job_key(batch_id: int) -> str:
    """One live job per returned file (``runner.start_job``)."""
    return f"{JOB_KIND}:batch={batch_id}"


def receive_return(
    session: Session, upload: Path, filename: str, *, user_id: int | None, zone_id: int | None
) -> ImportBatch:
    """Check ``upload`` as every import file is checked and for the layout's KEY and ESITO
    columns, keep it, and start the job that applies it once the caller commits. Raises
    ``FileRefused`` / ``ReturnRefused`` / ``JobsUnavailable``: the caller rolls back."""
    batch = receive_file(session, upload, filename, SourceKind.EXTERNAL, user_id=user_id)
    first = ((batch.report or {}).get("preview") or [[]])[0]
    headers = mapping.unique_headers([_header(h) for h in first])
    check_columns(headers)
    batch.column_mapping = {h: IMPORT_MAPPING.get(h, "") for h in headers}
    batch.status = BatchStatus.MAPPED
    params = {"batch_id": batch.id, "zone_id": zone_id, "user_id": user_id}
    run = start_job(session, JOB_KIND, params, user_id=user_id, key=job_key(batch.id))
    batch.job_run_id = run.id
    return batch


def run_return(
    session: Session,
    params: dict[str, Any],
    progress: Progress,
    *,
    job_id: str,
    reference: Reference | None = None,
) -> dict[str, Any] | None:
    """The job's work, in its transaction: the batch's file refused (the reasons kept on
    the batch, nothing else written) or applied whole. None, changing nothing, when the
    batch is not this job's (already applied, or another job's)."""
    batch = session.get_one(ImportBatch, params["batch_id"], with_for_update=True,
                            populate_existing=True)  # fmt: skip
    if batch.status != BatchStatus.MAPPED or batch.job_run_id != job_id:
        return None
    user_id, zone_id = params.get("user_id"), params.get("zone_id")
    try:
        count = check_file(session, batch, zone_id, progress)
    except ReturnRefused as refused:
        batch.status, batch.finished_at = BatchStatus.FAILED, utcnow()
        batch.report = {**(batch.report or {}), "refused": refused.reasons}
        audit(session, "external.refused", user_id=user_id, obj=batch, reasons=refused.reasons)
        return {"refused": refused.reasons}
    return apply_return(session, batch, count, user_id=user_id,
                        reference=reference or load_reference(session),
                        progress=progress)  # fmt: skip


def _cell(text: str) -> str:
    """A cell as the company wrote it, without the apostrophe that marks text in a CSV
    (the export's formula guard, kept by some spreadsheets)."""
    return squash(text).removeprefix("'").strip()


def _header(text: str) -> str:
    """A header as the layout writes it: "Ragione sociale" is RAGIONE_SOCIALE."""
    return "_".join(_cell(text).upper().split())


def check_columns(headers: list[str]) -> None:
    """Refuse a file without the layout's KEY or ESITO column."""
    missing = [name for name in REQUIRED if name not in headers]
    if missing:
        raise ReturnRefused([refusals.missing_columns(missing)])


def _rows(batch: ImportBatch) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The file's header (its names as the layout writes them) and its non-blank rows,
    each ``(row number, {header: cell})``."""
    limits = Limits.from_config(current_app.config)
    rows = read_rows(Path(batch.stored_path or ""), file_format(batch), limits=limits)
    first = next(rows, [])
    headers = mapping.unique_headers([_header(h) for h in first])

    def body() -> Iterator[tuple[int, dict[str, str]]]:
        for number, row in enumerate(rows, start=2):
            if any(cell.strip() for cell in row):
                yield number, {h: _cell(row[i]) if i < len(row) else "" for i, h in
                               enumerate(headers)}  # fmt: skip

    return headers, body()


def check_file(
    session: Session, batch: ImportBatch, zone_id: int | None, progress: Progress
) -> int:
    """The file's count of rows, or ``ReturnRefused`` naming every reason it cannot land:
    a missing column, a repeated or unknown KEY (the first ``SHOWN`` of each named)."""
    headers, rows = _rows(batch)
    check_columns(headers)
    estimate = (batch.report or {}).get("rows_estimate")
    seen: dict[str, int] = {}
    repeated: list[refusals.Reason] = []
    count = repeats = 0
    for number, cells in rows:
        count += 1
        if count % CHUNK == 0:
            progress(count, estimate, "checking")
        key = cells[KEY].upper()
        if key and key in seen:
            repeats += 1
            if len(repeated) < refusals.SHOWN:
                repeated.append(refusals.repeated_key(number, key, seen[key]))
        elif key:
            seen[key] = number
    reasons = repeated
    if repeats > len(repeated):
        reasons.append(refusals.more("repeated_key", repeats - len(repeated)))
    unknown = sorted(set(seen) - _known(session, list(seen), zone_id), key=seen.__getitem__)
    reasons += [refusals.unknown_key(seen[key], key) for key in unknown[: refusals.SHOWN]]
    if len(unknown) > refusals.SHOWN:
        reasons.append(refusals.more("unknown_key", len(unknown) - refusals.SHOWN))
    if reasons:
        raise ReturnRefused([*reasons, refusals.BY_KEY_ONLY])
    return count


def _known(session: Session, keys: list[str], zone_id: int | None) -> set[str]:
    """The keys that name an account the user may see."""
    known: set[str] = set()
    for part in chunks(keys):
        query = sa.select(Account.key).where(Account.key.in_(part))
        if zone_id is not None:
            query = query.where(of_zone(zone_id))
        known.update(session.scalars(query))
    return known


def apply_return(
    session: Session,
    batch: ImportBatch,
    count: int,
    *,
    user_id: int | None,
    reference: Reference,
    progress: Progress,
) -> dict[str, Any]:
    """Apply the batch's checked file (``count`` rows): the keyed rows to their accounts,
    the others as new rows. Returns the report (also kept on the batch)."""
    headers, rows = _rows(batch)
    batch.status = BatchStatus.RUNNING
    batch.column_mapping = {h: IMPORT_MAPPING.get(h, "") for h in headers}
    applier = Applier(session, batch, reference, utcnow())
    waiting: list[tuple[int, dict[str, str]]] = []
    for done, (number, cells) in enumerate(rows, start=1):
        if cells[KEY]:
            waiting.append((number, cells))
        if len(waiting) >= CHUNK:
            _apply_chunk(session, applier, waiting)
            waiting = []
        if done % CHUNK == 0:
            progress(done, count, "applying")
    _apply_chunk(session, applier, waiting)
    keyed = applier.outcome.rows_keyed

    def new_rows_done(new: int, _total: object = None, _step: object = None) -> None:
        progress(keyed + new, count, "new_rows")

    report, _stored = import_rows(session, batch, _new_rows(batch), new_rows_done,
                                  reference=reference)  # fmt: skip
    batch.rows_read = count
    batch.finished_at = utcnow()
    outcome = applier.outcome.as_dict()
    batch.report = {**(batch.report or {}), "external": outcome}
    audit(session, "external.returned", user_id=user_id, obj=batch, rows=count,
          keyed=outcome["rows_keyed"], changed=outcome["changed_by_field"],
          refused=outcome["refused_count"], doubts=len(outcome["doubts"]),
          closed=len(outcome["closed"]), withdrawn=outcome["withdrawn"],
          created=report.accounts_created)  # fmt: skip
    progress(count, count, "done")
    return batch.report


def _apply_chunk(
    session: Session, applier: Applier, rows: list[tuple[int, dict[str, str]]]
) -> None:
    if not rows:
        return
    keys = [cells[KEY].upper() for _number, cells in rows]
    # Held from the read (in one order): a desk that moves an account meanwhile waits, so
    # the file never fails on a version changed under it.
    query = (
        sa.select(Account)
        .where(Account.key.in_(keys))
        .order_by(Account.id)
        .with_for_update(of=Account)
        .options(selectinload(Account.phones))
    )
    accounts = {a.key: a for a in session.scalars(query)}
    applier.load_doubts([a.id for a in accounts.values()])
    for number, cells in rows:
        values = {FIELD_OF[h]: v for h, v in cells.items() if h in FIELD_OF}
        values.update({VERDICT: cells.get(VERDICT, ""), NOTE: cells.get(NOTE, "")})
        applier.apply(accounts[cells[KEY].upper()], number, values)
    session.flush()


def _new_rows(batch: ImportBatch) -> Iterator[tuple[Items, dict[int, dict[str, str]]]]:
    """The rows without KEY, as the import reads a file's rows (mapped values to clean,
    and the row as written, kept as the new account's source)."""
    _headers, rows = _rows(batch)
    items: Items = []
    originals: dict[int, dict[str, str]] = {}
    for number, cells in rows:
        if cells[KEY]:
            continue
        originals[number] = {h: v for h, v in cells.items() if h not in (KEY, VERDICT)}
        items.append((number, {IMPORT_MAPPING[h]: v for h, v in cells.items()
                               if IMPORT_MAPPING.get(h)}))  # fmt: skip
        if len(items) >= CHUNK:
            yield items, originals
            items, originals = [], {}
    if items:
        yield items, originals
