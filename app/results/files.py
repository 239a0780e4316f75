"""Results loaded from a file: the salesperson's XLSX from their pack with its result
columns filled, or a CRM extract (CSV/XLSX) mapped like an import.

The file is checked by the import's reader before anything is kept (size, kind, formulas,
limits: ``app.spreadsheets.reading``), kept under its content's hash, mapped
(``mapping``), then loaded whole or not at all: every row is recorded through
``services.record_result`` in a savepoint, and one refused row rolls the savepoint back,
so the report lists every refusal and nothing lands until the file is right. A row is named
by its content (``row_reference``): loading the same file again, or a later extract that
repeats yesterday's rows, records nothing twice.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.normalise.identifiers import clean_vat
from app.distribution.models import Wave, WaveAccount
from app.imports.mapping import apply, unique_headers
from app.results import parsing
from app.results.parsing import CellRefused
from app.results.services import HANDED_OFF, ResultRefused, by_reference, record_result
from app.spreadsheets.reading import FileFormat, Limits, detect, read_rows, survey

SOURCES = ("salesperson_file", "crm_extract")
_UPLOAD = re.compile(r"^[0-9a-f]{64}\.(csv|xlsx|ods)$")
PREVIEW_ROWS = 5


@dataclass(frozen=True)
class Upload:
    """A file received and kept, waiting for its mapping."""

    name: str  # "<sha256>.<kind>": the page carries it from step to step
    headers: list[str]
    preview: list[list[str]]
    rows: int


@dataclass(frozen=True)
class RowNote:
    row: int  # the file's row number, the header being row 1
    account_key: str
    outcome: str | None
    messages: tuple[str, ...] = ()


@dataclass
class LoadReport:
    recorded: list[RowNote] = field(default_factory=list)
    refused: list[RowNote] = field(default_factory=list)
    already: list[RowNote] = field(default_factory=list)  # recorded before: left alone
    blank: int = 0  # rows with no result given

    @property
    def landed(self) -> bool:
        return not self.refused


def _folder() -> Path:
    return Path(current_app.config["IMPORT_DIR"]) / "results"


def receive(upload: Path) -> Upload:
    """Check ``upload`` as an import checks its files and keep a copy under its hash;
    ``FileRefused`` (nothing kept) when it cannot be read."""
    config = current_app.config
    limits = Limits.from_config(config)
    kind = detect(upload, max_bytes=config["IMPORT_MAX_BYTES"], limits=limits)
    read = survey(upload, kind, limits=limits, preview_rows=PREVIEW_ROWS)
    digest = hashlib.sha256(upload.read_bytes()).hexdigest()
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{digest}.{kind.kind}"
    if not stored.exists():
        partial = stored.with_suffix(".part")
        shutil.copyfile(upload, partial)
        partial.replace(stored)
    headers = unique_headers(read.preview[0]) if read.preview else []
    return Upload(stored.name, headers, read.preview[1:], read.rows)


def reopen(name: str) -> Upload | None:
    """A kept file by the name the page carried; None when the name is not one of ours."""
    if not _UPLOAD.match(name) or not (_folder() / name).is_file():
        return None
    path = _folder() / name
    limits = Limits.from_config(current_app.config)
    read = survey(path, _format(path), limits=limits, preview_rows=PREVIEW_ROWS)
    headers = unique_headers(read.preview[0]) if read.preview else []
    return Upload(name, headers, read.preview[1:], read.rows)


def _format(path: Path) -> FileFormat:
    config = current_app.config
    return detect(path, max_bytes=config["IMPORT_MAX_BYTES"], limits=Limits.from_config(config))


def _rows(name: str) -> Iterator[list[str]]:
    path = _folder() / name
    yield from read_rows(path, _format(path), limits=Limits.from_config(current_app.config))


def row_reference(account_id: int, values: Mapping[str, object]) -> str:
    """A result's name from what it says: the same row in any file is the same result."""
    parts = [str(account_id)] + [
        str(values.get(k) or "")
        for k in ("outcome", "occurred_on", "vehicles", "value", "reason", "notes")
    ]
    return "row:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:48]


def load(
    session: Session,
    name: str,
    mapping: Mapping[str, str],
    *,
    source: str,
    actor: int | None,
    zone_id: int | None = None,
) -> LoadReport:
    """Record every result of the kept file ``name`` through ``mapping``, or none.
    ``zone_id``: a zoned staff member's zone; accounts of other zones are refused."""
    report = LoadReport()
    rows = _rows(name)
    headers = unique_headers(next(rows, []))
    seen: set[str] = set()
    savepoint = session.begin_nested()
    for number, row in enumerate(rows, start=2):
        cells = apply(mapping, headers, row)
        if not any(
            cells.get(f, "").strip()
            for f in ("outcome", "occurred_on", "vehicles", "value", "reason", "notes")
        ):
            report.blank += 1
            continue
        _load_row(session, number, cells, report, seen, source=source, actor=actor, zone_id=zone_id)
    if report.refused:
        savepoint.rollback()
        report.recorded.clear()
    else:
        savepoint.commit()
    return report


def _load_row(
    session: Session,
    number: int,
    cells: Mapping[str, str],
    report: LoadReport,
    seen: set[str],
    *,
    source: str,
    actor: int | None,
    zone_id: int | None,
) -> None:
    key = (cells.get("account_key") or cells.get("vat_number") or "").strip()
    try:
        account = match(session, cells.get("account_key", ""), cells.get("vat_number", ""))
        values = _values(cells)
    except (CellRefused, ResultRefused) as error:
        messages = error.errors if isinstance(error, ResultRefused) else [str(error)]
        report.refused.append(RowNote(number, key, cells.get("outcome"), tuple(messages)))
        return
    note = RowNote(number, account.key, values["outcome"])
    if zone_id is not None and account.zone_id != zone_id:
        refusal = _("Account %(key)s is not in your zone.", key=account.key)
        report.refused.append(RowNote(number, account.key, values["outcome"], (refusal,)))
        return
    ref = row_reference(account.id, values)
    if ref in seen or by_reference(session, [ref]):
        report.already.append(note)
        return
    seen.add(ref)
    try:
        record_result(session, account, source=source, actor=actor, external_ref=ref, **values)
    except ResultRefused as error:
        report.refused.append(RowNote(number, account.key, values["outcome"], tuple(error.errors)))
        return
    report.recorded.append(note)


def _values(cells: Mapping[str, str]) -> dict:
    outcome = parsing.outcome(cells.get("outcome", ""))
    if outcome is None:
        raise CellRefused(_("The row has no result: choose one from the list, or clear the row."))
    reason, words = parsing.reason(cells.get("reason", ""))
    notes = " · ".join(p for p in (words, cells.get("notes", "").strip()) if p) or None
    return {
        "outcome": outcome,
        "occurred_on": parsing.day(cells.get("occurred_on", "")),
        "vehicles": parsing.count(cells.get("vehicles", "")),
        "value": parsing.amount(cells.get("value", "")),
        "reason": reason,
        "notes": notes,
    }


def match(session: Session, key: str, vat: str) -> Account:
    """The account a row names: by its key, else by its VAT number (the one a confirmed wave
    handed out, when several accounts share it); ``ResultRefused`` when none or unclear."""
    key = key.strip().upper()
    if key:
        account = session.scalar(sa.select(Account).where(Account.key == key))
        if account is None:
            raise ResultRefused([_("No account has the key %(key)s.", key=key[:40])])
        return account
    written = re.sub(r"[\s.\-/]", "", vat).upper().removeprefix("IT")
    if not written:
        raise ResultRefused([_("The row names no account: give its key or VAT number.")])
    compact = clean_vat(written).values["vat_number"] or written
    wanted = {compact, written}  # as the import stored it, or as it was written
    found = list(session.scalars(sa.select(Account).where(Account.vat_number.in_(wanted))))
    if len(found) > 1:
        handed = set(
            session.scalars(
                sa.select(WaveAccount.account_id)
                .join(Wave, Wave.id == WaveAccount.wave_id)
                .where(
                    WaveAccount.account_id.in_([a.id for a in found]), Wave.status.in_(HANDED_OFF)
                )
            )
        )
        found = [a for a in found if a.id in handed] or found
    if not found:
        raise ResultRefused([_("No account has the VAT number %(vat)s.", vat=compact)])
    if len(found) > 1:
        raise ResultRefused(
            [
                _(
                    "Several accounts have the VAT number %(vat)s: give the account key instead.",
                    vat=compact,
                )
            ]
        )
    return found[0]
