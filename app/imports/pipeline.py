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
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.keys import new_account_key
from app.accounts.models import Account, AccountPhone, AccountSource, FleetLine
from app.accounts.normalise.changes import Flag
from app.accounts.normalise.municipality import MunicipalityIndex, Place
from app.accounts.status import AccountStatus, can_transition
from app.imports import dedupe, mapping
from app.imports.models import (
    AccountFlag,
    BatchStatus,
    DuplicatePair,
    FieldChange,
    FlagStatus,
    ImportBatch,
    ImportRejection,
    PairStatus,
)
from app.imports.reading import FileFormat, ImportFileError, read_rows
from app.imports.records import Record, make_record
from app.territory.models import Municipality, MunicipalityPostcode, Province
from app.territory.municipalities import search_key

# The account columns an import fills, in the order a merged value is chosen.
ACCOUNT_FIELDS = (
    "company_name", "legal_form", "street", "house_number", "postcode", "municipality",
    "province", "istat_code", "vat_number", "tax_code", "email", "tonnage_class", "notes",
)  # fmt: skip
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
    writer = _Writer(session, batch, reference, report, originals)
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


def _entity_of_record(record: Record) -> dedupe.Entity:
    flagged = {f.field for f in record.flags}
    f = record.fields
    return dedupe.Entity.of(
        ("row", record.row_number),
        name=f.get("company_name") or "",
        vat=f.get("vat_number") if "vat_number" not in flagged else None,
        tax_code=f.get("tax_code") if "tax_code" not in flagged else None,
        phones=frozenset(p.e164 for p in record.phones if p.e164),
        istat=f.get("istat_code"),
        postcode=f.get("postcode") if "postcode" not in flagged else None,
        street=f.get("street"),
        house_number=f.get("house_number"),
        email=f.get("email") if "email" not in flagged else None,
    )


class _Writer:
    """Matches the batch's records with each other and with stored accounts, then writes."""

    def __init__(
        self,
        session: Session,
        batch: ImportBatch,
        reference: Reference,
        report: Report,
        originals: dict[int, dict[str, str]],
    ) -> None:
        self.session = session
        self.batch = batch
        self.reference = reference
        self.report = report
        self.originals = originals
        self.account_of_row: dict[int, Account] = {}
        self.fingerprints: dict[int, str] = {}

    def write(self, records: list[Record], twins: dict[int, int]) -> None:
        by_row = {r.row_number: r for r in records}
        self.fingerprints = {r.row_number: r.fingerprint for r in records}
        self.fingerprints |= {row: self.fingerprints[earlier] for row, earlier in twins.items()}
        entities = [_entity_of_record(r) for r in records]
        existing = self._existing_entities(entities)
        pairs = dedupe.candidate_pairs([*entities, *existing.values()])
        groups, review = dedupe.cluster([*entities, *existing.values()], pairs)
        for group in groups:
            rows = sorted(ref[1] for ref in group if ref[0] == "row")
            stored = sorted(ref[1] for ref in group if ref[0] == "account")
            if not rows:
                continue
            group_records = [by_row[n] for n in rows]
            if stored:
                account = self.session.get_one(Account, stored[0])
                self._enrich(account, group_records)
                self.report.accounts_updated += 1
                for other in stored[1:]:  # stored accounts are merged by a person, not here
                    review.append(dedupe.Pair(("account", stored[0]), ("account", other), 0.9, ()))
            else:
                account = self._create(group_records)
            self.report.duplicates_merged += len(rows) - 1
            for number in rows:
                self.account_of_row[number] = account
        for row, earlier in twins.items():
            account = self.account_of_row[earlier]
            self._source(account, row, [])
        self.session.flush()
        self._review(review)

    def _existing_entities(self, entities: list[dedupe.Entity]) -> dict[int, dedupe.Entity]:
        """The stored accounts that share a block key with the batch's rows."""
        vats = {e.vat for e in entities if e.vat}
        codes = {e.tax_code for e in entities if e.tax_code}
        phones = {p for e in entities for p in e.phones}
        emails = {e.email for e in entities if e.email}
        places = {e.istat for e in entities if e.istat}
        postcodes = {e.postcode for e in entities if e.postcode}
        a = Account
        ids: set[int] = set()
        live = a.status != AccountStatus.MERGED
        for column, values in (
            (a.vat_number, vats), (a.tax_code, codes), (a.email, emails),
            (a.istat_code, places), (a.postcode, postcodes),
        ):  # fmt: skip
            for part in _chunks(sorted(values)):
                ids |= set(self.session.scalars(sa.select(a.id).where(column.in_(part), live)))
        for part in _chunks(sorted(phones)):
            ids |= set(
                self.session.scalars(
                    sa.select(AccountPhone.account_id)
                    .join(Account)
                    .where(AccountPhone.e164.in_(part), live)
                )
            )
        found: dict[int, dedupe.Entity] = {}
        phone_map: dict[int, set[str]] = defaultdict(set)
        for part in _chunks(sorted(ids)):
            for account_id, e164 in self.session.execute(
                sa.select(AccountPhone.account_id, AccountPhone.e164).where(
                    AccountPhone.account_id.in_(part), AccountPhone.e164.is_not(None)
                )
            ):
                phone_map[account_id].add(e164)
            for row in self.session.execute(sa.select(a).where(a.id.in_(part))).scalars():
                found[row.id] = dedupe.Entity.of(
                    ("account", row.id),
                    name=row.company_name,
                    vat=row.vat_number,
                    tax_code=row.tax_code,
                    phones=frozenset(phone_map[row.id]),
                    istat=row.istat_code,
                    postcode=row.postcode,
                    street=row.street,
                    house_number=row.house_number,
                    email=row.email,
                )
        return found

    def _create(self, records: list[Record]) -> Account:
        values, used = _merged_values(records)
        account = Account(key=new_account_key(), **values)
        account.istat_reference_date = (
            self.reference.reference_date if values.get("istat_code") else None
        )
        flagged = self._flags_of(records, values)
        account.status = AccountStatus.TO_REVIEW if flagged else AccountStatus.READY
        self.session.add(account)
        self.session.flush()
        self.report.accounts_created += 1
        self._children(account, records, used, flagged)
        return account

    def _enrich(self, account: Account, records: list[Record]) -> None:
        """Fill what the stored account lacks; a value it has is kept (a person or a call
        may have confirmed it); the rows' other values stay in their sources."""
        values, used = _merged_values(records)
        filled: dict[int, list[str]] = defaultdict(list)
        for name, value in values.items():
            if value and not getattr(account, name):
                setattr(account, name, value)
                for number, fields in used.items():
                    if name in fields:
                        filled[number].append(name)
        if values.get("istat_code") and account.istat_reference_date is None:
            account.istat_reference_date = self.reference.reference_date
        flagged = self._flags_of(records, {k: getattr(account, k) for k in ACCOUNT_FIELDS})
        if flagged and can_transition(account.status, AccountStatus.TO_REVIEW):
            account.status = AccountStatus.TO_REVIEW
        self._children(account, records, filled, flagged)

    def _flags_of(self, records: list[Record], kept: dict[str, Any]) -> list[tuple[Record, Flag]]:
        """The flags that still apply: a doubt about a value the account did not keep
        (another row gave a clean one) is dropped."""
        result = []
        for record in records:
            for flag in record.flags:
                if flag.field in kept and kept[flag.field] != record.fields.get(flag.field):
                    continue
                result.append((record, flag))
        return result

    def _children(
        self,
        account: Account,
        records: list[Record],
        used: dict[int, list[str]],
        flagged: list[tuple[Record, Flag]],
    ) -> None:
        known = {p.e164 for p in account.phones if p.e164} | {p.raw for p in account.phones}
        brands = {line.brand.upper() for line in account.fleet}
        for record in records:
            self._source(account, record.row_number, used.get(record.row_number, []))
            for change in record.changes:
                self.session.add(
                    FieldChange(
                        account_id=account.id,
                        batch_id=self.batch.id,
                        row_number=record.row_number,
                        field=change.field,
                        before=_short(change.before),
                        after=_short(change.after),
                        reason=change.reason,
                    )
                )
                self.report.fields_corrected += 1
                self.report.corrections_by_reason[change.reason] += 1
            for phone in record.phones:
                if (phone.e164 or phone.raw) in known:
                    continue
                known.add(phone.e164 or phone.raw)
                account.phones.append(
                    AccountPhone(
                        position=len(account.phones), raw=phone.raw, e164=phone.e164,
                        kind=phone.kind,
                    )
                )  # fmt: skip
            brand = str(record.facts.get("brand", "")).strip().upper()
            count = record.facts.get("vehicle_count")
            if brand and isinstance(count, int) and brand not in brands:
                brands.add(brand)
                account.fleet.append(FleetLine(brand=brand.title(), vehicle_count=count))
        for _record, flag in flagged:
            self.session.add(
                AccountFlag(
                    account_id=account.id,
                    batch_id=self.batch.id,
                    field=flag.field,
                    value=_short(flag.value),
                    reason=flag.reason,
                    status=FlagStatus.OPEN,
                )
            )
            self.report.flags_raised += 1
            self.report.flags_by_reason[flag.reason] += 1

    def _source(self, account: Account, row_number: int, used: list[str]) -> None:
        account.sources.append(
            AccountSource(
                import_batch_id=self.batch.id,
                source_kind=self.batch.source_kind.value,
                row_number=row_number,
                data=self.originals[row_number],
                fingerprint=self.fingerprints[row_number],
                used_fields=used,
            )
        )

    def _review(self, pairs: Iterable[dedupe.Pair]) -> None:
        wanted: set[tuple[int, int]] = set()
        scores: dict[tuple[int, int], dedupe.Pair] = {}
        for pair in pairs:
            a, b = self._account_id(pair.a), self._account_id(pair.b)
            if a is None or b is None or a == b:
                continue
            key = (min(a, b), max(a, b))
            wanted.add(key)
            scores.setdefault(key, pair)
        if not wanted:
            return
        existing = {
            tuple(row)
            for row in self.session.execute(
                sa.select(DuplicatePair.account_a_id, DuplicatePair.account_b_id).where(
                    sa.tuple_(DuplicatePair.account_a_id, DuplicatePair.account_b_id).in_(
                        sorted(wanted)
                    )
                )
            )
        }
        for key in sorted(wanted - existing):
            pair = scores[key]
            self.session.add(
                DuplicatePair(
                    account_a_id=key[0],
                    account_b_id=key[1],
                    score=pair.score,
                    reasons=list(pair.reasons),
                    status=PairStatus.PENDING,
                    batch_id=self.batch.id,
                )
            )
            self.report.duplicates_to_review += 1

    def _account_id(self, ref: Hashable) -> int | None:
        kind, value = ref  # type: ignore[misc]
        if kind == "account":
            return int(value)
        account = self.account_of_row.get(value)
        return account.id if account is not None else None


def _merged_values(records: list[Record]) -> tuple[dict[str, Any], dict[int, list[str]]]:
    """One value per field from a group of rows: a clean value before a flagged one, and
    among those the last row's (the most recent); with the rows that supplied each."""
    values: dict[str, Any] = {}
    used: dict[int, list[str]] = defaultdict(list)
    for name in ACCOUNT_FIELDS:
        chosen: Record | None = None
        for record in records:
            value = record.fields.get(name)
            if not value:
                continue
            clean = name not in {f.field for f in record.flags}
            if chosen is None or clean or name in {f.field for f in chosen.flags}:
                chosen = record
        if chosen is not None:
            values[name] = chosen.fields[name]
            used[chosen.row_number].append(name)
    values.setdefault("company_name", records[-1].fields.get("company_name") or "")
    return values, used


def _short(value: Any) -> str | None:
    return None if value is None else str(value)[:250]


def _chunks(values: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
