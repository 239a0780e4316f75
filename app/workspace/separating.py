"""The rows an import joined to an account on its own, and taking one of them back out.

An import merges without asking when it is sure (``app.imports.dedupe``): rows of one
file that are one company become one account, and a row that matches a stored account
enriches it. Each such row is an ``AccountSource`` of the account. When a person finds
the import was wrong, *separating* the row makes it the account it would have been on
its own: it is cleaned again through its batch's column mapping, gets a new account with
its phones, fleet line and doubts, and takes its source and corrections along. The values
it gave the old account go back to what the account's other rows say, unless a person
changed them since. The two accounts are then recorded as two companies (a rejected
pair), so that no later import or review joins them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, aliased

from app.accounts.holds import holds
from app.accounts.keys import new_account_key
from app.accounts.models import (
    Account,
    AccountFlag,
    AccountPhone,
    AccountSite,
    AccountSource,
    FlagStatus,
    FleetLine,
)
from app.accounts.phones import is_callable_number
from app.accounts.status import AccountStatus
from app.audit.services import record as audit
from app.columns import utcnow
from app.donotcall.services import apply_to_accounts
from app.imports import mapping
from app.imports.combining import ACCOUNT_FIELDS, merged_values, standing_flags
from app.imports.models import AccountMerge, DuplicatePair, FieldChange, ImportBatch, PairStatus
from app.imports.owners import Owners
from app.imports.pipeline import Reference, load_reference
from app.imports.records import Record, make_record
from app.spreadsheets.reading import FileRefused

JOINED_SHOWN = 20


class SeparateError(ValueError):
    """The row cannot be taken out; the message says why."""


@dataclass(frozen=True)
class Joined:
    """A source row an import joined to an account that already had another row."""

    source_id: int
    account_id: int
    batch_id: int
    filename: str
    row_number: int | None
    name: str  # the company name as the row wrote it
    imported_at: datetime


def recent_joins(session: Session, limit: int = JOINED_SHOWN) -> list[Joined]:
    """The latest rows an import put into an account that had an earlier row, newest
    first; rows moved by a person's merge are listed with that merge instead."""
    earlier = aliased(AccountSource)
    query = (
        sa.select(AccountSource, ImportBatch.filename)
        .join(ImportBatch, ImportBatch.id == AccountSource.import_batch_id)
        .join(Account, Account.id == AccountSource.account_id)
        .where(
            Account.status != AccountStatus.MERGED,
            Account.anonymised_at.is_(None),
            sa.exists().where(
                earlier.account_id == AccountSource.account_id, earlier.id < AccountSource.id
            ),
        )
        .order_by(AccountSource.id.desc())
        .limit(limit * 2)
    )
    rows = session.execute(query).all()
    moved = _moved_by_merges(session, {source.account_id for source, _ in rows})
    joined = [
        Joined(
            source.id,
            source.account_id,
            source.import_batch_id,  # type: ignore[arg-type]
            filename,
            source.row_number,
            _row_name(session, source),
            source.imported_at,
        )
        for source, filename in rows
        if source.id not in moved
    ]
    return joined[:limit]


def _moved_by_merges(session: Session, account_ids: set[int]) -> set[int]:
    """Sources that a person's merge (not undone) moved into these accounts."""
    if not account_ids:
        return set()
    merges = session.scalars(
        sa.select(AccountMerge).where(
            AccountMerge.survivor_id.in_(account_ids), AccountMerge.undone_at.is_(None)
        )
    )
    return {i for m in merges for i in m.snapshot.get("moved", {}).get("sources", [])}


def _row_name(session: Session, source: AccountSource) -> str:
    batch = session.get_one(ImportBatch, source.import_batch_id)
    headers = [h for h, field in (batch.column_mapping or {}).items() if field == "company_name"]
    return " ".join(str(source.data.get(h, "")).strip() for h in headers).strip()


def separate(
    session: Session,
    source: AccountSource,
    *,
    user_id: int | None,
    reference: Reference | None = None,
) -> Account:
    """Take ``source`` out of its account into a new account of its own; return it."""
    old = session.get_one(Account, source.account_id)
    others = _other_rows(session, old, source)
    try:
        reference = reference or load_reference(session)
    except FileRefused as exc:  # no municipality reference: the row cannot be cleaned
        raise SeparateError(str(exc)) from exc
    owners = Owners.load(session)
    record = _record(session, source, reference, owners)
    if record is None:
        raise SeparateError(_("This row was not read from an import file."))
    remaining = [r for r in (_record(session, o, reference, owners) for o in others) if r]

    new = _new_account(session, record, reference.reference_date)
    _give_back(old, source, record, remaining, others)
    moved_phones = _move_phones(session, old, new, record, remaining)
    _move_fleet(session, old, new, record, remaining)
    _leave_site(session, source)
    source.account_id = new.id
    source.used_fields = [name for name in ACCOUNT_FIELDS if record.fields.get(name)]
    _move_corrections(session, source, old.id, new.id)
    _two_companies(session, old.id, new.id, source.import_batch_id, user_id)
    session.flush()
    apply_to_accounts(session, [new.id])
    audit(session, "imports.row_separated", user_id=user_id, obj=new, account=old.key,
          new_account=new.key, batch_id=source.import_batch_id, row=source.row_number,
          phones=moved_phones)  # fmt: skip
    session.expire(old)
    return new


def _other_rows(session: Session, old: Account, source: AccountSource) -> list[AccountSource]:
    """The account's other rows, once the separation is known to make sense."""
    if old.status == AccountStatus.MERGED or old.anonymised_at is not None:
        raise SeparateError(_("Account %(key)s is merged or anonymised.", key=old.key))
    others = list(
        session.scalars(
            sa.select(AccountSource)
            .where(AccountSource.account_id == old.id, AccountSource.id != source.id)
            .order_by(AccountSource.id)
        )
    )
    if not others:
        raise SeparateError(_("This row is the account's only row: there is nothing to separate."))
    if all(o.fingerprint == source.fingerprint for o in others):
        raise SeparateError(
            _("The account's other rows are identical to this one: there is nothing to separate.")
        )
    return others


def _move_corrections(session: Session, source: AccountSource, old_id: int, new_id: int) -> None:
    session.execute(
        sa.update(FieldChange)
        .where(
            FieldChange.account_id == old_id,
            FieldChange.batch_id == source.import_batch_id,
            FieldChange.row_number == source.row_number,
        )
        .values(account_id=new_id)
    )


def _two_companies(
    session: Session, one: int, other: int, batch_id: int | None, user_id: int | None
) -> None:
    """A decided pair: no import or review proposes the two accounts as one again."""
    first, second = sorted((one, other))
    session.add(
        DuplicatePair(
            account_a_id=first,
            account_b_id=second,
            score=1.0,
            reasons=["separated"],
            status=PairStatus.REJECTED,
            batch_id=batch_id,
            decided_by_id=user_id,
            decided_at=utcnow(),
        )
    )


def _record(
    session: Session, source: AccountSource, reference: Reference, owners: Owners
) -> Record | None:
    """The source row cleaned again as its import cleaned it."""
    if source.import_batch_id is None:
        return None
    batch = session.get_one(ImportBatch, source.import_batch_id)
    if not batch.column_mapping:
        return None
    headers = list(source.data)
    values = mapping.apply(batch.column_mapping, headers, [str(source.data[h]) for h in headers])
    record = make_record(source.row_number or 0, values, reference.index, reference.provinces)
    if record.rejected:
        return None
    owners.resolve(record)
    return record


def _new_account(session: Session, record: Record, reference_date: Any) -> Account:
    values, _used = merged_values([record])
    flags = standing_flags([record], values)
    held = holds(flags, any(is_callable_number(p.e164, p.kind) for p in record.phones))
    account = Account(
        key=new_account_key(),
        status=AccountStatus.TO_REVIEW if held else AccountStatus.READY,
        **{name: values.get(name) for name in ACCOUNT_FIELDS},
    )
    if values.get("istat_code"):
        account.istat_reference_date = reference_date
    session.add(account)
    session.flush()
    for flag in flags:
        session.add(
            AccountFlag(
                account_id=account.id,
                field=flag.field,
                value=_short(flag.value),
                reason=flag.reason,
                status=FlagStatus.OPEN,
            )
        )
    return account


def _short(value: Any) -> str | None:
    return None if value is None else str(value)[:250]


def _give_back(
    old: Account,
    source: AccountSource,
    record: Record,
    remaining: Sequence[Record],
    others: Sequence[AccountSource],
) -> None:
    """The values the row supplied go back to what the other rows say (or empty), unless
    the account's value is no longer the row's (a person or a call changed it)."""
    if not remaining:  # the other rows were not imported (the demo's): nothing to say
        return
    values, used = merged_values(list(remaining))
    by_row = {o.row_number: o for o in others}
    for name in source.used_fields or []:
        if name not in ACCOUNT_FIELDS or getattr(old, name) != record.fields.get(name):
            continue
        setattr(old, name, values.get(name))
        for number, fields in used.items():
            other = by_row.get(number)
            if other is not None and name in fields:
                other.used_fields = sorted({*(other.used_fields or []), name})


def _leave_site(session: Session, source: AccountSource) -> None:
    """The row's site leaves the old account with it when no other row is at it and it is
    not the head office (its numbers left it already); the row is the new account's head
    office's, which is the new account's address."""
    site_id, source.site_id = source.site_id, None
    if site_id is None:
        return
    others = sa.select(AccountSource.id).where(
        AccountSource.site_id == site_id, AccountSource.id != source.id
    )
    site = session.get(AccountSite, site_id)
    if site is not None and not site.head_office and session.scalar(others.limit(1)) is None:
        session.delete(site)


def _phone_keys(records: Sequence[Record]) -> set[str]:
    return {key for r in records for p in r.phones for key in (p.raw, p.e164) if key}


def _move_phones(
    session: Session, old: Account, new: Account, record: Record, remaining: Sequence[Record]
) -> int:
    """The row's phones go to the new account; a phone no other row gives leaves the old
    one (moved), one that another row gives too stays there as well (copied)."""
    theirs = _phone_keys(remaining)
    stored = list(session.scalars(sa.select(AccountPhone).where(AccountPhone.account_id == old.id)))
    moved = 0
    for position, phone in enumerate(record.phones):
        match = next((p for p in stored if _same_phone(p, phone.raw, phone.e164)), None)
        if match is not None and not ({match.raw, match.e164} & theirs) and len(stored) > 1:
            match.account_id, match.position = new.id, position
            match.site_id = None  # the new account's own: its head office's
            stored.remove(match)
            moved += 1
        else:
            session.add(
                AccountPhone(
                    account_id=new.id,
                    position=position,
                    raw=phone.raw[:40],
                    e164=phone.e164,
                    kind=phone.kind,
                )
            )
    return moved


def _same_phone(stored: AccountPhone, raw: str, e164: str | None) -> bool:
    return stored.raw == raw or (e164 is not None and stored.e164 == e164)


def _move_fleet(
    session: Session, old: Account, new: Account, record: Record, remaining: Sequence[Record]
) -> None:
    """The row's fleet line (brand and count) goes with it; it stays on the old account
    too when another row names the brand, or when its count was changed since."""
    brand = str(record.facts.get("brand", "")).strip().upper()
    count = record.facts.get("vehicle_count")
    if not brand or not isinstance(count, int):
        return
    others = {str(r.facts.get("brand", "")).strip().upper() for r in remaining}
    line = session.scalar(
        sa.select(FleetLine).where(
            FleetLine.account_id == old.id, sa.func.upper(FleetLine.brand) == brand
        )
    )
    if line is not None and brand not in others and line.vehicle_count == count:
        line.account_id = new.id
    else:
        session.add(FleetLine(account_id=new.id, brand=brand.title()[:60], vehicle_count=count))
