"""The data company's file back: checked whole, then applied whole, in the caller's one
transaction (the view commits once; any failure lands nothing).

The file is read three times, a row at a time (memory does not grow with it): first its
structure and its keys (a missing column, a repeated KEY, or a KEY that names no account of
the user's scope refuses the whole file: nothing is written); then the rows with a KEY,
``CHUNK`` accounts at a time (``applying``); then the rows without one, the companies the
data company found, through the ordinary import path (``pipeline.import_rows``: cleaning,
matching, de-duplication) as rows of the same batch. Rows are matched by KEY only, never by
a fuzzy comparison. See docs/imports.md, "The external company's file back"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Account
from app.accounts.normalise.changes import squash
from app.accounts.services import of_zone
from app.audit.services import record as audit
from app.columns import utcnow
from app.external.applying import Applier
from app.external.layout import FIELD_OF, IMPORT_MAPPING, KEY, NOTE, VERDICT
from app.imports import mapping
from app.imports.cleaning import Items
from app.imports.matching import chunks
from app.imports.models import BatchStatus, ImportBatch, SourceKind
from app.imports.pipeline import Reference, import_rows
from app.imports.services import file_format, receive_file
from app.spreadsheets.reading import FileRefused, Limits, read_rows

CHUNK = 1_000  # keyed rows applied together (their accounts loaded at once)
REQUIRED = (KEY, VERDICT)
SHOWN = 10  # unknown keys named in the refusal


class ReturnRefused(FileRefused):
    """The file cannot land; ``errors`` says why, each a sentence. Nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors))
        self.errors = errors


def receive_return(
    session: Session,
    upload: Path,
    filename: str,
    *,
    user_id: int | None,
    zone_id: int | None,
    reference: Reference,
) -> ImportBatch:
    """Check ``upload`` as every import file is checked, keep it, and apply it whole.
    Raises ``FileRefused`` / ``ReturnRefused``: the caller rolls back."""
    batch = receive_file(session, upload, filename, SourceKind.EXTERNAL, user_id=user_id)
    apply_return(session, batch, user_id=user_id, zone_id=zone_id, reference=reference)
    return batch


def _cell(text: str) -> str:
    """A cell as the company wrote it, without the apostrophe that marks text in a CSV
    (the export's formula guard, kept by some spreadsheets)."""
    return squash(text).removeprefix("'").strip()


def _rows(batch: ImportBatch) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The file's header (its names as the layout writes them) and its non-blank rows,
    each ``(row number, {header: cell})``."""
    limits = Limits.from_config(current_app.config)
    rows = read_rows(Path(batch.stored_path or ""), file_format(batch), limits=limits)
    first = next(rows, [])
    headers = mapping.unique_headers(["_".join(_cell(h).upper().split()) for h in first])

    def body() -> Iterator[tuple[int, dict[str, str]]]:
        for number, row in enumerate(rows, start=2):
            if any(cell.strip() for cell in row):
                yield number, {h: _cell(row[i]) if i < len(row) else "" for i, h in
                               enumerate(headers)}  # fmt: skip

    return headers, body()


def check_file(session: Session, batch: ImportBatch, zone_id: int | None) -> tuple[list[str], int]:
    """The file's header and its count of rows, or ``ReturnRefused`` naming every reason
    it cannot land: a missing column, a repeated or unknown KEY."""
    headers, rows = _rows(batch)
    missing = [name for name in REQUIRED if name not in headers]
    if missing:
        message = _("The file lacks the column(s) %(names)s of the data company's layout: "
                    "nothing was imported.", names=", ".join(missing))  # fmt: skip
        raise ReturnRefused([message])
    seen: dict[str, int] = {}
    errors: list[str] = []
    count = 0
    for number, cells in rows:
        count += 1
        key = cells[KEY].upper()
        if key and key in seen:
            errors.append(_("Row %(row)d repeats the KEY %(key)s of row %(first)d.",
                            row=number, key=key, first=seen[key]))  # fmt: skip
        elif key:
            seen[key] = number
    unknown = sorted(set(seen) - _known(session, list(seen), zone_id), key=seen.__getitem__)
    for key in unknown[:SHOWN]:
        errors.append(_("Row %(row)d: the KEY %(key)s names no account.", row=seen[key], key=key))
    if len(unknown) > SHOWN:
        errors.append(_("And %(count)d more unknown keys.", count=len(unknown) - SHOWN))
    if errors:
        errors.append(_("Rows are matched by KEY only: nothing was imported."))
        raise ReturnRefused(errors)
    return headers, count


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
    *,
    user_id: int | None,
    zone_id: int | None,
    reference: Reference,
) -> dict[str, object]:
    """Apply the batch's file: the keyed rows to their accounts, the others as new rows.
    Returns the report (also kept on the batch)."""
    headers, count = check_file(session, batch, zone_id)
    batch.status = BatchStatus.RUNNING
    batch.column_mapping = {h: IMPORT_MAPPING.get(h, "") for h in headers}
    applier = Applier(session, batch, reference, utcnow())
    _, rows = _rows(batch)
    waiting: list[tuple[int, dict[str, str]]] = []
    for number, cells in rows:
        if cells[KEY]:
            waiting.append((number, cells))
        if len(waiting) >= CHUNK:
            _apply_chunk(session, applier, waiting)
            waiting = []
    _apply_chunk(session, applier, waiting)
    report, _stored = import_rows(session, batch, _new_rows(batch), lambda *a, **k: None,
                                  reference=reference)  # fmt: skip
    batch.rows_read = count
    batch.finished_at = utcnow()
    outcome = applier.outcome.as_dict()
    batch.report = {**(batch.report or {}), "external": outcome}
    audit(session, "external.returned", user_id=user_id, obj=batch, rows=count,
          keyed=outcome["rows_keyed"], changed=outcome["changed_by_field"],
          refused=outcome["refused_count"], doubts=len(outcome["doubts"]),
          closed=len(outcome["closed"]), created=report.accounts_created)  # fmt: skip
    return batch.report


def _apply_chunk(
    session: Session, applier: Applier, rows: list[tuple[int, dict[str, str]]]
) -> None:
    if not rows:
        return
    keys = [cells[KEY].upper() for _number, cells in rows]
    query = sa.select(Account).where(Account.key.in_(keys)).options(selectinload(Account.phones))
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
