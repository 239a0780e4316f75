"""An import batch from its file to accounts: read, clean, de-duplicate, write.

Runs inside one transaction (the job's): the batch lands whole or not at all. Rows already
imported (same fingerprint) are skipped, so importing a file twice creates nothing. Rows
are matched against each other and against the accounts already stored; a group of rows
that is one company becomes one account (or enriches the account it matched), keeping
each value's source. What cannot be decided is flagged, and the pairs that may be one
company wait for review. See docs/imports.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.models import AccountSource
from app.accounts.normalise.municipality import MunicipalityIndex, Place
from app.imports import mapping
from app.imports.models import (
    BatchStatus,
    ImportBatch,
    ImportRejection,
)
from app.imports.reading import FileFormat, ImportFileError, read_rows
from app.imports.records import Record, make_record
from app.imports.writing import Writer
from app.territory.models import Municipality, MunicipalityPostcode, Province
from app.territory.municipalities import search_key

CHUNK = 2_000  # rows per progress report and per fingerprint lookup
Progress = Callable[..., None]


@dataclass
class Reference:
    index: MunicipalityIndex
    provinces: dict[str, str]  # folded province name -> code
    reference_date: date | None


def load_reference(session: Session) -> Reference:
    """The municipality reference as stored (staff may have loaded a newer ISTAT file)."""
    postcodes: dict[str, list[str]] = defaultdict(list)
    for belfiore, cap in session.execute(
        sa.select(MunicipalityPostcode.belfiore, MunicipalityPostcode.postcode)
    ):
        postcodes[belfiore].append(cap)
    places = [
        Place(
            belfiore=m.belfiore,
            istat_code=m.istat_code,
            name=m.name,
            province_code=m.province_code,
            postcodes=tuple(sorted(postcodes[m.belfiore])),
            aliases=(m.name_other,) if m.name_other else (),
        )
        for m in session.scalars(sa.select(Municipality))
    ]
    if not places:
        raise ImportFileError(
            _(
                "The municipality reference is empty: load it first "
                "(flask territory load-municipalities)."
            )
        )
    provinces: dict[str, str] = {}
    for code, name in session.execute(sa.select(Province.code, Province.name)):
        for part in name.split("/"):
            provinces[search_key(part)] = code
    dates = session.scalar(sa.select(sa.func.max(Municipality.reference_date)))
    return Reference(MunicipalityIndex(places), provinces, dates)


@dataclass
class Report:
    """What the batch did, as the report page and the CLI show it."""

    rows_read: int = 0
    rows_rejected: int = 0
    rows_unchanged: int = 0  # imported before: skipped
    fields_corrected: int = 0
    accounts_created: int = 0
    accounts_updated: int = 0
    duplicates_merged: int = 0
    duplicates_to_review: int = 0
    flags_raised: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    corrections_by_reason: Counter[str] = field(default_factory=Counter)
    flags_by_reason: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            name: dict(value) if isinstance(value, Counter) else value
            for name, value in self.__dict__.items()
        }


def run_import(
    session: Session,
    batch: ImportBatch,
    progress: Progress,
    *,
    reference: Reference | None = None,
) -> Report:
    """Import ``batch``'s stored file through its column mapping. Nothing commits here."""
    if not batch.stored_path or not batch.column_mapping:
        raise ValueError(f"batch {batch.id} has no stored file or no column mapping")
    file_format = FileFormat(**(batch.report or {})["format"])
    reference = reference or load_reference(session)
    report = Report()
    rows = read_rows(Path(batch.stored_path), file_format)
    headers = mapping.unique_headers(next(rows, []))
    total = (batch.report or {}).get("rows_estimate")
    records: list[Record] = []
    originals: dict[int, dict[str, str]] = {}
    seen_in_file: dict[str, int] = {}
    twins: dict[int, int] = {}  # row -> earlier identical row of the same file
    chunk: list[Record] = []

    def flush_chunk() -> None:
        known = _known_fingerprints(session, [r.fingerprint for r in chunk])
        for record in chunk:
            if record.fingerprint in known:
                report.rows_unchanged += 1
            elif record.fingerprint in seen_in_file:
                twins[record.row_number] = seen_in_file[record.fingerprint]
                report.duplicates_merged += 1
            else:
                seen_in_file[record.fingerprint] = record.row_number
                records.append(record)
        chunk.clear()
        progress(report.rows_read, total, "normalising")

    for row_number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        report.rows_read += 1
        original = {h: (row[i] if i < len(row) else "") for i, h in enumerate(headers)}
        values = mapping.apply(batch.column_mapping, headers, row)
        record = make_record(row_number, values, reference.index, reference.provinces)
        if record.rejected:
            report.rows_rejected += 1
            report.rejected_by_reason[record.rejected] += 1
            session.add(
                ImportRejection(
                    batch_id=batch.id, row_number=row_number, reason=record.rejected, data=original
                )
            )
            continue
        originals[row_number] = original
        chunk.append(record)
        if len(chunk) >= CHUNK:
            flush_chunk()
    flush_chunk()
    if report.rows_read == 0:
        raise ImportFileError(_("The file has a header but no rows."))

    progress(report.rows_read, total, "matching")
    writer = Writer(session, batch, report, originals, reference.reference_date, progress)
    writer.write(records, twins)
    batch.status = BatchStatus.DONE
    batch.rows_read = report.rows_read
    batch.rows_rejected = report.rows_rejected
    batch.report = {**(batch.report or {}), **report.as_dict()}
    progress(report.rows_read, report.rows_read, "done")
    return report


def _known_fingerprints(session: Session, fingerprints: list[str]) -> set[str]:
    if not fingerprints:
        return set()
    return set(
        session.scalars(
            sa.select(AccountSource.fingerprint).where(AccountSource.fingerprint.in_(fingerprints))
        )
    )
