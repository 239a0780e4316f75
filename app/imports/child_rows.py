"""The rows an import attaches to the accounts it writes: sources, corrections, phones,
fleet lines and flags, gathered as plain rows and inserted in bulk.

Plain multi-row inserts rather than ORM objects, for the reason ``writing`` gives: the
unit of work cost milliseconds a row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import AccountFlag, AccountPhone, AccountSource, FlagStatus, FleetLine
from app.accounts.normalise.changes import Flag
from app.imports import matching
from app.imports.bulk import insert_rows
from app.imports.combining import short
from app.imports.models import FieldChange, ImportBatch
from app.imports.records import Record

# A correction's row, as a tuple: there are five of them for every source row.
CHANGE_COLUMNS = (
    "account_id", "batch_id", "row_number", "field", "before", "after", "reason", "created_at",
)  # fmt: skip


class ChildRows:
    """Gathers a batch's child rows until ``insert``; ``originals`` and ``fingerprints``
    describe the rows of the chunk being written (by row number)."""

    def __init__(self, session: Session, batch: ImportBatch, report: Any, now: datetime) -> None:
        self.session = session
        self.batch = batch
        self.report = report
        self.now = now
        self.originals: dict[int, dict[str, str]] = {}
        self.fingerprints: dict[int, str] = {}
        self.rows: dict[str, list[Any]] = defaultdict(list)  # table -> rows (dicts, tuples)

    def add(
        self,
        account_id: int,
        records: list[Record],
        used: dict[int, list[str]],
        flags: list[Flag],
        known_phones: set[str],
        known_brands: set[str],
    ) -> None:
        """The rows' sources, corrections, new phones and fleet lines, and the flags, for
        the account they went to; ``known_*``: what the account already has."""
        position = len(known_phones)
        for record in records:
            self.source(account_id, record.row_number, used.get(record.row_number, []))
            for change in record.changes:
                self.rows["changes"].append(
                    (account_id, self.batch.id, record.row_number, change.field,
                     short(change.before), short(change.after), change.reason, self.now)
                )  # fmt: skip
                self.report.fields_corrected += 1
                self.report.corrections_by_reason[change.reason] += 1
            for phone in record.phones:
                if phone.raw in known_phones or (phone.e164 and phone.e164 in known_phones):
                    continue
                known_phones |= {phone.raw, phone.e164} - {None}
                self.rows["phones"].append(
                    {
                        "account_id": account_id,
                        "position": position,
                        "raw": phone.raw[:40],
                        "e164": phone.e164,
                        "kind": phone.kind,
                    }
                )
                position += 1
            brand = str(record.facts.get("brand", "")).strip().upper()
            count = record.facts.get("vehicle_count")
            if brand and isinstance(count, int) and brand not in known_brands:
                known_brands.add(brand)
                self.rows["fleet"].append(
                    {"account_id": account_id, "brand": brand.title()[:60], "vehicle_count": count}
                )
        for flag in flags:
            self.rows["flags"].append(
                {
                    "account_id": account_id,
                    "batch_id": self.batch.id,
                    "field": flag.field,
                    "value": short(flag.value),
                    "reason": flag.reason,
                    "status": FlagStatus.OPEN,
                    "created_at": self.now,
                }
            )
            self.report.flags_raised += 1
            self.report.flags_by_reason[flag.reason] += 1

    def source(self, account_id: int, row_number: int, used: list[str]) -> None:
        self.rows["sources"].append(
            {
                "account_id": account_id,
                "import_batch_id": self.batch.id,
                "source_kind": self.batch.source_kind.value,
                "row_number": row_number,
                "data": self.originals[row_number],
                "fingerprint": self.fingerprints[row_number],
                "used_fields": used,
                "imported_at": self.now,
            }
        )

    def insert(self) -> None:
        """Insert what was gathered, table by table; the session's objects are expired, as
        their children changed behind the ORM's back."""
        models = {"sources": AccountSource, "changes": FieldChange, "phones": AccountPhone,
                  "fleet": FleetLine, "flags": AccountFlag}  # fmt: skip
        wrote = False
        for name, model in models.items():
            rows = self.rows.pop(name, [])
            if name == "fleet":
                for row in rows:
                    row.setdefault("created_at", self.now)
                    row.setdefault("updated_at", self.now)
            columns = CHANGE_COLUMNS if name == "changes" else None
            for part in matching.chunks(rows, 5_000):
                insert_rows(self.session, model.__table__, part, columns)
                wrote = True
        if wrote:
            self.session.expire_all()
