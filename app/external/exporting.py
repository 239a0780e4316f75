"""The file for an outside data company: one row per account of a segment, with its key,
the values to check and two empty columns the company fills (ESITO, NOTE).

It carries personal data out of Qualifica (company data, phones, e-mail), so each export is
audited with what left: how many accounts, their keys, the segment, the format and who
(docs/exports.md, "The file for an external data company")."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Account
from app.accounts.phones import format_national
from app.accounts.segments import Segment
from app.audit.services import record as audit
from app.campaigns.queueing import segment_for_audit
from app.columns import utcnow
from app.external.layout import COLUMNS, HEADER, PHONE_COLUMNS
from app.spreadsheets.downloads import XLSX, csv_bytes, xlsx_bytes

FORMATS = ("csv", "xlsx")
CHUNK = 1_000  # accounts loaded with their phones at a time


@dataclass(frozen=True)
class ExportedFile:
    filename: str
    mimetype: str
    body: bytes
    accounts: int


def phone_cells(account: Account) -> dict[str, str]:
    """The account's first two numbers as Italians write them (``02 1234 5678``: no leading
    "+" a spreadsheet would take for a formula); a number that never parsed, as given."""
    phones = list(account.phones)[: len(PHONE_COLUMNS)]
    return {name: format_national(p.e164) if p.e164 else p.raw
            for name, p in zip(PHONE_COLUMNS, phones, strict=False)}  # fmt: skip


def account_row(account: Account) -> list[str]:
    """One row of the layout: the account's values, the company's columns left empty."""
    phones = phone_cells(account)
    row: list[str] = []
    for column in COLUMNS:
        if column.field is None:
            row.append("")
        elif column.field in PHONE_COLUMNS:
            row.append(phones.get(column.field, ""))
        else:
            row.append(getattr(account, column.field) or "")
    return row


def _accounts(session: Session, segment: Segment) -> Iterator[Account]:
    """The segment's accounts (never one on the do-not-call list nor an anonymised one),
    oldest first, ``CHUNK`` at a time with their phones."""
    ids = list(session.scalars(
        sa.select(Account.id).where(*segment.conditions()).order_by(Account.id)
    ))  # fmt: skip
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        query = (
            sa.select(Account)
            .where(Account.id.in_(part))
            .order_by(Account.id)
            .options(selectinload(Account.phones))
        )
        yield from session.scalars(query)


def table(session: Session, segment: Segment) -> tuple[list[list[Any]], list[str]]:
    """The header and one row per account, and the keys that leave."""
    rows: list[list[Any]] = [list(HEADER)]
    keys: list[str] = []
    for account in _accounts(session, segment):
        rows.append(account_row(account))
        keys.append(account.key)
    return rows, keys


def export_segment(
    session: Session, segment: Segment, file_format: str, *, user_id: int | None
) -> ExportedFile:
    """The segment's file in ``file_format`` ("csv": ``;``, UTF-8 with BOM, formula-safe
    cells; "xlsx": string cells), with its audit entry."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}")
    rows, keys = table(session, segment)
    stamp = utcnow()
    name = f"normalizzazione-{stamp:%Y%m%d-%H%M}.{file_format}"
    if file_format == "csv":
        exported = ExportedFile(name, "text/csv; charset=utf-8", csv_bytes(rows), len(keys))
    else:
        exported = ExportedFile(name, XLSX, xlsx_bytes(rows, "Normalizzazione"), len(keys))
    audit(session, "external.exported", user_id=user_id, object_type="accounts",
          accounts=len(keys), format=file_format, filename=name,
          segment=segment_for_audit(segment), keys=keys)  # fmt: skip
    return exported
