"""What a chunk of rows may be matched with: each other, the accounts stored before the
batch, and the accounts the batch wrote in its earlier chunks.

Why chunks: a batch is matched and written a chunk at a time, so that a million-row file
never holds more than one chunk of cleaned rows in memory. The accounts an earlier chunk
wrote are found again through ``BatchIndex``, a compact map from each block key's hash to
the accounts that have it (a few hundred bytes per account instead of its cleaned rows);
the stored accounts are found by the values they share with the rows. Either way only the
candidates' current values are loaded to be scored.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from stdnum.it import codicefiscale, iva

from app.accounts.models import Account, AccountPhone
from app.accounts.status import AccountStatus
from app.imports import dedupe
from app.imports.models import AccountFlag, FlagStatus
from app.imports.records import Record

OVERFLOW = -1  # a key shared by more accounts than its block limit: not a useful block


def entity_of_record(record: Record) -> dedupe.Entity:
    """What de-duplication compares of a row: only values without a doubt identify it."""
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
        vat_written=digits(f.get("vat_number")),
    )


def digits(value: str | None) -> str | None:
    return "".join(ch for ch in value or "" if ch.isdigit()) or None


def chunks(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class BatchIndex:
    """Block-key hashes of the accounts a batch wrote -> their ids (an id alone, a list,
    or ``OVERFLOW``). A hash collision only adds a candidate, which scoring then rejects."""

    def __init__(self, limit: Callable[[str], int] = dedupe.block_limit) -> None:
        self.limit = limit
        self._ids: dict[int, int | list[int]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, account_id: int, keys: Iterable[str]) -> None:
        for key in keys:
            slot = hash(key)
            held = self._ids.get(slot)
            if held is None:
                self._ids[slot] = account_id
            elif isinstance(held, int):
                if held != OVERFLOW and held != account_id:
                    self._ids[slot] = [held, account_id]
            elif account_id not in held:
                if len(held) >= self.limit(key):
                    self._ids[slot] = OVERFLOW
                else:
                    held.append(account_id)

    def lookup(self, wanted: Mapping[str, int]) -> tuple[set[int], set[str]]:
        """The accounts sharing a key of ``wanted`` (key -> rows of the chunk that have
        it), and the keys too common to block on, counting the chunk's rows: their
        accounts are not even loaded."""
        found: set[int] = set()
        crowded: set[str] = set()
        for key, rows in wanted.items():
            held = self._ids.get(hash(key))
            if held is None:
                continue
            if isinstance(held, list):
                if len(held) + rows > self.limit(key):
                    crowded.add(key)
                else:
                    found.update(held)
            elif held == OVERFLOW or 1 + rows > self.limit(key):
                crowded.add(key)
            else:
                found.add(held)
        return found, crowded


class EntityCache:
    """The entities of accounts loaded for earlier chunks, the most recently used kept:
    the accounts of big towns are candidates of chunk after chunk. An account the batch
    changes is forgotten, and loaded again as it now is when next needed."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._items: OrderedDict[int, dedupe.Entity] = OrderedDict()

    def entities(self, session: Session, ids: Iterable[int]) -> list[dedupe.Entity]:
        found: list[dedupe.Entity] = []
        missing: list[int] = []
        for account_id in ids:
            entity = self._items.get(account_id)
            if entity is None:
                missing.append(account_id)
            else:
                self._items.move_to_end(account_id)
                found.append(entity)
        loaded = account_entities(session, missing)
        for entity in loaded:
            self._items[entity.ref[1]] = entity  # type: ignore[index]
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return found + loaded

    def forget(self, ids: Iterable[int]) -> None:
        for account_id in ids:
            self._items.pop(account_id, None)


def stored_ids(session: Session, entities: list[dedupe.Entity], before: int) -> set[int]:
    """The live accounts stored before the batch (id <= ``before``) that share a block
    key's value with ``entities``."""
    ids: set[int] = set()
    if before <= 0:  # nothing was stored before the batch
        return ids
    a = Account
    live = sa.and_(a.status != AccountStatus.MERGED, a.id <= before)
    wanted = (
        (a.vat_number, {e.vat for e in entities if e.vat}),
        (a.tax_code, {e.tax_code for e in entities if e.tax_code}),
        (a.email, {e.email for e in entities if e.email}),
        (a.istat_code, {e.istat for e in entities if e.istat}),
        (a.postcode, {e.postcode for e in entities if e.postcode}),
    )
    for column, values in wanted:
        for part in chunks(sorted(values)):
            ids |= set(session.scalars(sa.select(a.id).where(column.in_(part), live)))
    phones = sorted({p for e in entities for p in e.phones})
    for part in chunks(phones):
        query = sa.select(AccountPhone.account_id).join(Account)
        ids |= set(session.scalars(query.where(AccountPhone.e164.in_(part), live)))
    return ids


# The same accounts are loaded again by chunk after chunk: their checks are remembered.
@lru_cache(maxsize=1 << 18)
def _valid_vat(value: str) -> bool:
    return iva.is_valid(value)


@lru_cache(maxsize=1 << 18)
def _valid_tax_code(value: str) -> bool:
    return codicefiscale.is_valid(value) or iva.is_valid(value)


def account_entities(session: Session, ids: Iterable[int]) -> list[dedupe.Entity]:
    """Accounts as de-duplication compares them: like a row, a value still in doubt (an
    open flag, an identifier failing its check) does not identify the account."""
    a = Account
    columns = (a.id, a.company_name, a.vat_number, a.tax_code, a.istat_code, a.postcode,
               a.street, a.house_number, a.email)  # fmt: skip
    found: list[dedupe.Entity] = []
    for part in chunks(sorted(ids)):
        phones: dict[int, set[str]] = defaultdict(set)
        for account_id, e164 in session.execute(
            sa.select(AccountPhone.account_id, AccountPhone.e164).where(
                AccountPhone.account_id.in_(part), AccountPhone.e164.is_not(None)
            )
        ):
            phones[account_id].add(e164)
        doubts: dict[int, set[str]] = defaultdict(set)
        for account_id, name in session.execute(
            sa.select(AccountFlag.account_id, AccountFlag.field).where(
                AccountFlag.account_id.in_(part), AccountFlag.status == FlagStatus.OPEN
            )
        ):
            doubts[account_id].add(name)
        for row in session.execute(sa.select(*columns).where(a.id.in_(part))):
            doubtful = doubts[row.id]
            vat = row.vat_number if row.vat_number and _valid_vat(row.vat_number) else None
            tax = row.tax_code if row.tax_code and _valid_tax_code(row.tax_code) else None
            found.append(
                dedupe.Entity.of(
                    ("account", row.id),
                    vat_written=digits(row.vat_number),
                    name=row.company_name,
                    vat=vat if "vat_number" not in doubtful else None,
                    tax_code=tax if "tax_code" not in doubtful else None,
                    phones=frozenset(phones[row.id]),
                    istat=row.istat_code,
                    postcode=row.postcode if "postcode" not in doubtful else None,
                    street=row.street,
                    house_number=row.house_number,
                    email=row.email if "email" not in doubtful else None,
                )
            )
    return found
