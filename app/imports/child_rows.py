"""The rows an import attaches to the accounts it writes: sites, sources, corrections,
phones, fleet lines and flags, gathered as plain rows and inserted in bulk.

Plain multi-row inserts rather than ORM objects, for the reason ``writing`` gives: the
unit of work cost milliseconds a row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import (
    AccountFlag,
    AccountPhone,
    AccountSite,
    AccountSource,
    FlagStatus,
    FleetLine,
)
from app.accounts.normalise.changes import Flag
from app.accounts.sites import ADDRESS_FIELDS, Place
from app.imports import matching
from app.imports.bulk import insert_rows
from app.imports.combining import SitePlan, short
from app.imports.models import FieldChange, ImportBatch
from app.imports.qualified_rows import AnswerRows
from app.imports.records import Record

# A site as phones and sources point at it before its id is known: a stored site's id, or
# (account id, position) of one being inserted.
SiteRef = int | tuple[int, int] | None

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
        self.answers = AnswerRows(session, batch, report, now)  # earlier qualification results

    def add(
        self,
        account_id: int,
        records: list[Record],
        used: dict[int, list[str]],
        flags: list[Flag],
        known_phones: set[str],
        known_brands: set[str],
        sites: Sequence[SitePlan] = (),
        site_of_row: Mapping[int, SitePlan] | None = None,
    ) -> dict[int, SiteRef]:
        """The rows' sources, corrections, new phones and fleet lines, the account's new
        sites and the flags, for the account they went to; ``known_*``: what the account
        already has. Returns the site of each row (``site_of_row``), as sources point at it."""
        self._sites(account_id, sites)
        refs = {
            number: plan.id if plan.id is not None else (account_id, plan.position)
            for number, plan in (site_of_row or {}).items()
        }
        position = len(known_phones)
        self.answers.add(account_id, records)
        for record in records:
            site = refs.get(record.row_number)
            self.source(account_id, record.row_number, used.get(record.row_number, []), site)
            for change in record.changes:
                self.rows["changes"].append(
                    (account_id, self.batch.id, record.row_number, change.field,
                     short(change.before), short(change.after), change.reason, self.now)
                )  # fmt: skip
                self.report.fields_corrected += 1
            # By reason, the rows: a form taken out of the name changes two fields.
            self.report.corrections_by_reason.update({c.reason for c in record.changes})
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
                        "site_id": site,
                    }
                )
                position += 1
            self._fleet_line(account_id, record, known_brands)
        self._flags(account_id, flags)
        return refs

    def _fleet_line(self, account_id: int, record: Record, known_brands: set[str]) -> None:
        """The row's brand and count as a fleet line, when the account lacks the brand; a
        row with qualification answers lands its whole fleet with them (``qualified_rows``)."""
        if record.answers is not None:
            return
        brand = str(record.facts.get("brand", "")).strip().upper()
        count = record.facts.get("vehicle_count")
        if brand and isinstance(count, int) and brand not in known_brands:
            known_brands.add(brand)
            self.rows["fleet"].append(
                {
                    "account_id": account_id,
                    "brand": brand.title()[:60],
                    "vehicle_count": count,
                    "import_batch_id": self.batch.id,
                }
            )

    def _flags(self, account_id: int, flags: list[Flag]) -> None:
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

    def _sites(self, account_id: int, sites: Sequence[SitePlan]) -> None:
        """The account's new sites; a site beyond its first is counted in the report."""
        for plan in sites:
            if plan.id is not None:
                continue
            self.rows["sites"].append(
                {
                    "account_id": account_id,
                    "position": plan.position,
                    "head_office": plan.head_office,
                    **plan.place.values(),
                    "created_at": self.now,
                }
            )
            self.report.sites_added += plan.position > 0

    def source(
        self, account_id: int, row_number: int, used: list[str], site: SiteRef = None
    ) -> None:
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
                "site_id": site,
            }
        )

    def insert(self) -> None:
        """Insert what was gathered, table by table; the session's objects are expired, as
        their children changed behind the ORM's back."""
        models = {"sites": AccountSite, "sources": AccountSource, "changes": FieldChange,
                  "phones": AccountPhone, "fleet": FleetLine, "flags": AccountFlag}  # fmt: skip
        wrote = False
        for name, model in models.items():
            if name == "sources":  # the sites are in: their ids are known
                self._point_at_sites()
            rows = self.rows.pop(name, [])
            if name == "fleet":
                for row in rows:
                    row.setdefault("created_at", self.now)
                    row.setdefault("updated_at", self.now)
            columns = CHANGE_COLUMNS if name == "changes" else None
            for part in matching.chunks(rows, 5_000):
                insert_rows(self.session, model.__table__, part, columns)
                wrote = True
        wrote = self.answers.land() or wrote  # after the fleet lines the other rows gave
        if wrote:
            self.session.expire_all()

    def _point_at_sites(self) -> None:
        """Replace the (account, position) of the sites just inserted by their ids."""
        rows = [r for name in ("sources", "phones") for r in self.rows.get(name, ())]
        pending = {row["site_id"] for row in rows if isinstance(row["site_id"], tuple)}
        if not pending:
            return
        ids: dict[tuple[int, int], int] = {}
        site = AccountSite.__table__.c
        for part in matching.chunks(sorted({account for account, _ in pending})):
            query = sa.select(site.account_id, site.position, site.id).where(
                site.account_id.in_(part)
            )
            ids |= {(account, position): n for account, position, n in self.session.execute(query)}
        for row in rows:
            if isinstance(row["site_id"], tuple):
                row["site_id"] = ids[row["site_id"]]


def stored_sites(session: Session, account_ids: list[int]) -> dict[int, list[SitePlan]]:
    """The stored sites of ``account_ids``, in their order (plain rows, not ORM objects)."""
    table = AccountSite.__table__
    found: dict[int, list[SitePlan]] = defaultdict(list)
    query = table.select().where(table.c.account_id.in_(account_ids))
    for row in session.execute(query.order_by(table.c.account_id, table.c.position)):
        place = Place(**{name: row._mapping[name] for name in ADDRESS_FIELDS})
        found[row.account_id].append(
            SitePlan(place, row.position, row.head_office, row.id, stored=place)
        )
    return found
