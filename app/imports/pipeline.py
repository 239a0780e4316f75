"""An import batch from its file to accounts: read, clean, de-duplicate, write.

Runs inside one transaction (the job's): the batch lands whole or not at all. Rows already
imported (same fingerprint) are skipped, so importing a file twice creates nothing. The
file is read a chunk of ``CHUNK`` cleaned rows at a time; each chunk is matched against
itself, the accounts stored before the batch and the accounts its earlier chunks wrote,
then written, so memory does not grow with the file. A group of rows that is one company
becomes one account (or enriches the account it matched), keeping each value's source.
What cannot be decided is flagged, and the pairs that may be one company wait for review.
See docs/imports.md."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.models import AccountSource
from app.accounts.normalise.municipality import MunicipalityIndex, Place
from app.columns import ROME, utcnow
from app.donotcall.services import apply_to_batch
from app.imports import cleaning, mapping
from app.imports.fellegi_sunter import Model
from app.imports.matching import chunks
from app.imports.models import (
    BatchStatus,
    ImportBatch,
    ImportRejection,
)
from app.imports.qualified_elsewhere import mark_qualified_elsewhere
from app.imports.records import Record
from app.imports.writing import Writer
from app.spreadsheets.reading import FileFormat, FileRefused, Limits, read_rows
from app.territory.models import Municipality, MunicipalityPostcode, Province
from app.territory.municipalities import search_key

# Cleaned rows matched and written together: rows of one chunk are compared all at once;
# a row of a later chunk meets them as the accounts they became (see ``matching``).
CHUNK = 20_000
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
        raise FileRefused(
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
    sites_added: int = 0  # an address of a known company beside its first (docs/imports.md)
    duplicates_merged: int = 0
    duplicates_to_review: int = 0
    flags_raised: int = 0
    qualified_elsewhere: int = 0  # accounts its earlier qualification results qualified
    taken_out_of_queues: int = 0  # of which waiting in a campaign's queue: they left it
    # "apart": estimated, u counted on rows with different VAT numbers; "random": estimated,
    # u counted on random pairs of rows; "default": the defaults (see ``fitting.fit``)
    duplicate_weights: str = "default"
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    corrections_by_reason: Counter[str] = field(default_factory=Counter)
    flags_by_reason: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            name: dict(value) if isinstance(value, Counter) else value
            for name, value in self.__dict__.items()
        }


SQLITE_CACHE_KIB = 128 * 1024  # an import on SQLite: see ``_page_cache``


def run_import(
    session: Session,
    batch: ImportBatch,
    progress: Progress,
    *,
    reference: Reference | None = None,
) -> Report:
    """Import ``batch``'s stored file through its column mapping, ``CHUNK`` rows at a time,
    each chunk matched and written before the next is read. Nothing commits here."""
    if not batch.stored_path or not batch.column_mapping:
        raise ValueError(f"batch {batch.id} has no stored file or no column mapping")
    file_format = FileFormat(**(batch.report or {})["format"])
    limits = Limits.from_config(current_app.config)
    rows = read_rows(Path(batch.stored_path), file_format, limits=limits)
    headers = mapping.unique_headers(next(rows, []))
    total = (batch.report or {}).get("rows_estimate")
    raw = _raw_chunks(rows, headers, batch.column_mapping, CHUNK)
    report, _stored = import_rows(session, batch, raw, progress, reference=reference, total=total)
    if report.rows_read == 0:
        raise FileRefused(_("The file has a header but no rows."))
    return report


RawChunk = tuple[cleaning.Items, dict[int, dict[str, str]]]  # mapped values, rows as given


def import_rows(
    session: Session,
    batch: ImportBatch,
    raw_chunks: Iterable[RawChunk],
    progress: Progress,
    *,
    reference: Reference | None = None,
    total: int | None = None,
    report: Report | None = None,
    pinned: Mapping[int, int] | None = None,
    cleaned: Callable[[list[Record]], None] | None = None,
) -> tuple[Report, int]:
    """Clean, match and write ``raw_chunks`` as ``batch``'s rows: a file's (``run_import``)
    or an integration's records (``intake``). ``pinned``: row -> the stored account it
    updates whatever matching would say; ``cleaned`` sees each chunk's records. Returns the
    report and the last account id stored before the batch (greater ids are its own)."""
    reference = reference or load_reference(session)
    report = report or Report()
    writer = Writer(session, batch, report, reference.reference_date)

    def write_chunk(records: list[Record], originals: dict[int, dict[str, str]]) -> None:
        progress(report.rows_read, total, "matching")
        if cleaned is not None:
            cleaned(records)
        kept = _set_rejected_aside(session, batch, report, records, originals)
        fresh, twins, twin_accounts = _repeats_left_out(session, batch, report, kept, originals)
        writer.write(fresh, originals, twins, twin_accounts, pinned)

    def tick(done: int) -> None:
        progress(done, total, "normalising")

    # While chunk N is matched and written here, chunk N+1 is being cleaned (in a second
    # process for a large file): one chunk is always in flight.
    with (
        _page_cache(session),
        cleaning.cleaner(reference.index, reference.provinces, rows=total, tick=tick) as clean,
    ):
        waiting: tuple[Future[list[Record]], dict[int, dict[str, str]]] | None = None
        for items, originals in raw_chunks:
            first = report.rows_read
            report.rows_read += len(items)
            submitted = clean.submit(items, first)
            if waiting is not None:
                write_chunk(waiting[0].result(), waiting[1])
            waiting = (submitted, originals)
        if waiting is not None:
            write_chunk(waiting[0].result(), waiting[1])
    # Accounts created or updated here that the do-not-call list names: flagged at once.
    apply_to_batch(session, batch.id)
    # Then the accounts its earlier qualification results qualified (after the list: a
    # do-not-call account is never moved).
    today = utcnow().astimezone(ROME).date()
    marked = mark_qualified_elsewhere(session, batch, today)
    report.qualified_elsewhere = marked.accounts
    report.taken_out_of_queues = marked.taken_out_of_queues

    _close(batch, report, writer.model)
    progress(report.rows_read, report.rows_read, "done")
    return report, writer.stored_max_id


def _set_rejected_aside(
    session: Session,
    batch: ImportBatch,
    report: Report,
    records: list[Record],
    originals: dict[int, dict[str, str]],
) -> list[Record]:
    """The chunk's rows that cleaning accepted; each other one is kept as a rejection,
    with the row as the file wrote it."""
    kept: list[Record] = []
    for record in records:
        if record.rejected:
            report.rows_rejected += 1
            report.rejected_by_reason[record.rejected] += 1
            session.add(
                ImportRejection(
                    batch_id=batch.id,
                    row_number=record.row_number,
                    reason=record.rejected,
                    data=originals.pop(record.row_number),
                )
            )
        else:
            kept.append(record)
    return kept


def _repeats_left_out(
    session: Session,
    batch: ImportBatch,
    report: Report,
    chunk: list[Record],
    originals: dict[int, dict[str, str]],
) -> tuple[list[Record], dict[int, int], dict[int, tuple[int, str]]]:
    """The rows to match, and the repeats that only add a source: ``twins`` (row -> an
    identical earlier row of this chunk) and ``twin_accounts`` (row -> the account an
    identical row of an earlier chunk went to, with its fingerprint). A row imported by
    an earlier batch is skipped."""
    seen = _seen_fingerprints(session, batch.id, [r.fingerprint for r in chunk])
    fresh: list[Record] = []
    first_in_chunk: dict[str, int] = {}
    twins: dict[int, int] = {}
    twin_accounts: dict[int, tuple[int, str]] = {}
    for record in chunk:
        fingerprint = record.fingerprint
        if fingerprint in seen.before:
            report.rows_unchanged += 1
            del originals[record.row_number]
        elif fingerprint in seen.this_batch:
            twin_accounts[record.row_number] = (seen.this_batch[fingerprint], fingerprint)
            report.duplicates_merged += 1
        elif fingerprint in first_in_chunk:
            twins[record.row_number] = first_in_chunk[fingerprint]
            report.duplicates_merged += 1
        else:
            first_in_chunk[fingerprint] = record.row_number
            fresh.append(record)
    return fresh, twins, twin_accounts


def _close(batch: ImportBatch, report: Report, model: Model | None) -> None:
    """The batch done, with its report and the duplicate weights it used."""
    batch.status = BatchStatus.DONE
    batch.rows_read = report.rows_read
    batch.rows_rejected = report.rows_rejected
    if model is not None:
        report.duplicate_weights = model.u_from if model.estimated else "default"
        batch.report = {**(batch.report or {}), "duplicate_model": model.as_dict()}
    batch.report = {**(batch.report or {}), **report.as_dict()}


@contextmanager
def _page_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache of ``SQLITE_CACHE_KIB`` for the import's connection, its
    default back after. Why: the rows' random keys (account keys, fingerprints, VAT
    numbers, phones) land all over their indexes; with SQLite's default 2 MiB the pages
    are read again and again, and the transaction's changed pages spill to disk before
    it commits. PostgreSQL sizes its own buffers."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.execute(sa.text("PRAGMA cache_size")).scalar()
    session.execute(sa.text(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(sa.text(f"PRAGMA cache_size={int(before)}"))


def _raw_chunks(
    rows: Iterator[list[str]], headers: list[str], column_mapping: dict[str, str], size: int
) -> Iterator[tuple[cleaning.Items, dict[int, dict[str, str]]]]:
    """The file's non-blank rows, ``size`` at a time: each as its mapped values (to clean)
    and as the file wrote it (kept as the account's source)."""
    items: cleaning.Items = []
    originals: dict[int, dict[str, str]] = {}
    for row_number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        originals[row_number] = {h: (row[i] if i < len(row) else "") for i, h in enumerate(headers)}
        items.append((row_number, mapping.apply(column_mapping, headers, row)))
        if len(items) >= size:
            yield items, originals
            items, originals = [], {}
    if items:
        yield items, originals


@dataclass
class Seen:
    before: set[str]  # fingerprints of rows imported by earlier batches
    this_batch: dict[str, int]  # fingerprint -> account, rows of this batch's earlier chunks


def _seen_fingerprints(session: Session, batch_id: int, fingerprints: list[str]) -> Seen:
    seen = Seen(set(), {})
    for part in chunks(fingerprints):
        query = sa.select(
            AccountSource.fingerprint, AccountSource.account_id, AccountSource.import_batch_id
        ).where(AccountSource.fingerprint.in_(part))
        for fingerprint, account_id, source_batch in session.execute(query):
            if source_batch == batch_id:
                seen.this_batch[fingerprint] = account_id
            else:
                seen.before.add(fingerprint)
    return seen
