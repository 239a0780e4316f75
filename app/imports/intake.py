"""Accounts sent by an integration: the import itself, on records instead of a file's rows.

Why the import and not a service of its own: an account that comes in by the API must be
cleaned, matched to its ISTAT code, de-duplicated and written exactly as one that comes in
a file, or the base would hold two kinds of accounts. So a request is an import batch of
kind ``api`` named after the integration (``api:hubspot``), its records the rows,
``pipeline.import_rows`` the work, and the staff see it among the imports with its
report. What only a record can get wrong is checked first (``intake_checks``).

Upsert: a record whose ``external_id`` the same integration sent before updates that
account (``account_sources.external_id``), whatever it now says; any other record is
matched as a file's row is (a stored valid VAT number finds its account), and updates,
joins, creates or waits for review accordingly. A value the account has is never
overwritten (docs/imports.md, "Matching stored accounts").
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.models import Account, AccountSource
from app.accounts.status import AccountStatus
from app.audit.services import record as audit
from app.columns import utcnow
from app.imports.intake_checks import (
    AS_FIELD,
    SENT,
    SENT_FIELDS,
    Checked,
    Message,
    check_record,
    repeated,
)
from app.imports.intake_report import IntakeReport, RecordResult, outcomes
from app.imports.matching import chunks
from app.imports.models import (
    BatchStatus,
    ImportBatch,
    ImportRejection,
    SourceKind,
)
from app.imports.pipeline import Reference, Report, import_rows
from app.imports.records import Record

# Records in one call. A call runs inline, in the caller's request and transaction:
# cleaning takes ~0.25 ms a record and matching and writing a few ms more, so 5,000 records
# take seconds (docs/imports.md, "Accounts sent by an integration"). More is a file's job.
MAX_RECORDS = 5_000
MAX_SOURCE_CHARS = 100
__all__ = ["MAX_RECORDS", "IntakeRefused", "IntakeReport", "Message", "RecordResult",
           "upsert_accounts"]  # fmt: skip


class IntakeRefused(ValueError):
    """The whole call is refused, nothing stored; the message says why."""


def upsert_accounts(
    session: Session,
    records: Sequence[Mapping[str, Any]],
    *,
    source: str,
    actor: int | None = None,
    reference: Reference | None = None,
    kind: SourceKind = SourceKind.API,
) -> IntakeReport:
    """Import ``records`` (JSON objects with the import's field names and ``external_id``)
    sent by the integration ``source``, as one batch in the caller's transaction; ``actor``:
    the user the batch and the audit entry name; ``kind``: the batch's source kind (an
    integration's, or a validated paper card's, ``app.cards``), which prefixes its name
    (``api:hubspot``, ``card:12``). Flushes, never commits.

    Raises ``IntakeRefused`` (nothing stored) for a ``source`` without a name, records that
    are not a list, or more than ``MAX_RECORDS`` of them.
    """
    name = _source_name(source)
    checked = _check_all(records)
    batch = ImportBatch(
        source_kind=kind,
        filename=f"{kind.value}:{name}",
        status=BatchStatus.RUNNING,
        uploaded_by_id=actor,
        column_mapping={sent: AS_FIELD.get(sent, sent) for sent in SENT_FIELDS},
        report={"preview": [[*SENT_FIELDS, SENT]]},  # the rejections' download's columns
    )
    session.add(batch)
    session.flush()
    report = Report()
    good = _set_aside(session, batch, report, checked, records)
    pinned = _known_accounts(session, batch, good)
    items = [(row, {AS_FIELD.get(k, k): v for k, v in c.values.items()}) for row, c in good.items()]
    originals = {row: dict(c.values) for row, c in good.items()}
    cleaned: dict[int, Record] = {}
    _report, stored_max_id = import_rows(
        session,
        batch,
        [(items, originals)] if items else [],
        lambda *args, **kwargs: None,
        reference=reference,
        total=len(items),
        report=report,
        pinned=pinned,
        cleaned=lambda chunk: cleaned.update(_own_fingerprints(chunk, batch.filename)),
    )
    _keep_external_ids(session, batch.id, good)
    batch.finished_at = utcnow()
    results = outcomes(session, batch.id, checked, cleaned, pinned, stored_max_id)
    outcome = IntakeReport(batch.id, name, results)
    audit(session, "imports.intake", user_id=actor, obj=batch, source=name, **outcome.totals)
    return outcome


def _set_aside(
    session: Session,
    batch: ImportBatch,
    report: Report,
    checked: list[Checked],
    records: Sequence[Any],
) -> dict[int, Checked]:
    """The records to import, by row (their place from 1); each refused one is kept as the
    import keeps a rejected row, with its reason and what could be read of it."""
    good: dict[int, Checked] = {}
    for index, (item, original) in enumerate(zip(checked, records, strict=True)):
        if item.reason is None:
            good[index + 1] = item
            continue
        report.rows_read += 1
        report.rows_rejected += 1
        report.rejected_by_reason[item.reason] += 1
        data = item.kept(original)
        session.add(
            ImportRejection(batch_id=batch.id, row_number=index + 1, reason=item.reason, data=data)
        )
    return good


def _own_fingerprints(records: list[Record], batch_name: str) -> dict[int, Record]:
    """The records by row, each fingerprinted with its integration's name: a record counts
    as received before (and is skipped) only when this integration sent it, so that the
    same company sent by two integrations keeps each one's external id."""
    for record in records:
        if not record.rejected:
            seed = f"{batch_name}\n{record.fingerprint}".encode()
            record.fingerprint = hashlib.sha256(seed).hexdigest()[:32]
    return {record.row_number: record for record in records}


def _source_name(source: str) -> str:
    name = " ".join(str(source or "").split())
    if not name or len(name) > MAX_SOURCE_CHARS:
        raise IntakeRefused(
            _(
                "Name the integration sending the records (at most %(n)s characters).",
                n=MAX_SOURCE_CHARS,
            )
        )
    return name


def _check_all(records: Any) -> list[Checked]:
    """Each record checked; a list too long, or no list, refuses the call."""
    if not isinstance(records, Sequence) or isinstance(records, str | bytes):
        raise IntakeRefused(_("Send the records as a list of JSON objects."))
    if not records:
        raise IntakeRefused(_("Send at least one record."))
    if len(records) > MAX_RECORDS:
        raise IntakeRefused(
            _(
                "At most %(limit)s records per request (%(count)s sent): send them in parts.",
                limit=format_number(MAX_RECORDS),
                count=format_number(len(records)),
            )
        )
    checked = [check_record(record) for record in records]
    seen: set[str] = set()
    for position, item in enumerate(checked):
        if item.external_id is None:
            continue
        if item.external_id in seen:
            checked[position] = repeated(item)
        seen.add(item.external_id)
    return checked


def _known_accounts(
    session: Session, batch: ImportBatch, good: Mapping[int, Checked]
) -> dict[int, int]:
    """Row -> the account the integration's record of that external id went to before:
    the latest, live one (not merged away, not erased, not a practice account)."""
    row_of = {c.external_id: row for row, c in good.items() if c.external_id}
    found: dict[int, int] = {}
    for part in chunks(sorted(row_of)):
        query = (
            sa.select(AccountSource.external_id, AccountSource.account_id)
            .join(ImportBatch, ImportBatch.id == AccountSource.import_batch_id)
            .join(Account, Account.id == AccountSource.account_id)
            .where(
                AccountSource.external_id.in_(part),
                ImportBatch.source_kind == batch.source_kind,
                ImportBatch.filename == batch.filename,
                Account.status != AccountStatus.MERGED,
                Account.anonymised_at.is_(None),
                Account.practice.is_(False),
            )
            .order_by(AccountSource.id)
        )
        for external_id, account_id in session.execute(query):
            found[row_of[external_id]] = account_id
    return found


def _keep_external_ids(session: Session, batch_id: int, good: Mapping[int, Checked]) -> None:
    """Each source row of the batch keeps its record's external id (the next call's key),
    written by the rows' ids: by row number, each update scanned the batch's rows."""
    table = AccountSource.__table__
    query = sa.select(table.c.id, table.c.row_number).where(table.c.import_batch_id == batch_id)
    rows = [
        {"source": source_id, "ext": good[row].external_id}
        for source_id, row in session.execute(query)
        if good[row].external_id
    ]
    if rows:
        session.execute(
            table.update()
            .where(table.c.id == sa.bindparam("source"))
            .values(external_id=sa.bindparam("ext")),
            rows,
        )
