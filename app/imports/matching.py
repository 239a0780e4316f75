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
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from stdnum.it import codicefiscale, iva

from app.accounts.models import Account, AccountFlag, AccountPhone, FlagStatus
from app.accounts.status import AccountStatus
from app.imports.blocking import INVALID_PHONE, Entity, block_limit
from app.imports.records import Record

OVERFLOW = -1  # a key shared by more accounts than its block limit: not a useful block


def entity_of_record(record: Record) -> Entity:
    """What de-duplication compares of a row: only values without a doubt identify it."""
    flagged = {f.field for f in record.flags}
    f = record.fields
    return Entity.of(
        ("row", record.row_number),
        name=f.get("company_name") or "",
        vat=f.get("vat_number") if "vat_number" not in flagged else None,
        tax_code=f.get("tax_code") if "tax_code" not in flagged else None,
        phones=phone_keys((p.raw, p.e164) for p in record.phones),
        istat=f.get("istat_code"),
        postcode=f.get("postcode") if "postcode" not in flagged else None,
        street=f.get("street"),
        house_number=f.get("house_number"),
        email=f.get("email") if "email" not in flagged else None,
        vat_written=digits(f.get("vat_number")),
    )


def digits(value: str | None) -> str | None:
    return "".join(ch for ch in value or "" if ch.isdigit()) or None


MIN_PHONE_DIGITS = 6
_RUNS = "0123456789012345678909876543210987654321"  # "123456", "987654": placeholders


def phone_keys(phones: Iterable[tuple[str, str | None]]) -> frozenset[str]:
    """What de-duplication compares of ``(raw, e164)`` phones: the E.164 number, or for an
    invalid one ``INVALID_PHONE`` and the digits as written. Two rows giving the same
    invalid digits (a landline that lost its 0) give the same number; a placeholder
    (000000, 123456) is none. An invalid number counts only when it agrees
    (``scoring.compare``): two numbers run together in one cell are not another phone."""
    keys = set()
    for raw, e164 in phones:
        if e164:
            keys.add(e164)
            continue
        written = digits(raw) or ""
        if len(written) >= MIN_PHONE_DIGITS and len(set(written)) > 2 and written not in _RUNS:
            keys.add(INVALID_PHONE + written)
    return frozenset(keys)


def chunks(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class BatchIndex:
    """Block-key hashes of the accounts a batch wrote -> their ids (an id alone, a list,
    or ``OVERFLOW``). A hash collision only adds a candidate, which scoring then rejects."""

    def __init__(self, limit: Callable[[str], int] = block_limit) -> None:
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

    def lookup(self, wanted: Mapping[str, int]) -> tuple[dict[int, set[str]], set[str]]:
        """The accounts sharing a key of ``wanted`` (key -> rows of the chunk that have
        it), each with the keys it was found by, and the keys too common to block on,
        counting the chunk's rows: their accounts are not even loaded."""
        found: dict[int, set[str]] = defaultdict(set)
        crowded: set[str] = set()
        for key, count in wanted.items():
            held = self._ids.get(hash(key))
            if held is None:
                continue
            # Rows of one VAT number are one company, compared with few of each other
            # (``dedupe``): however many, they do not crowd its block.
            rows = 0 if key.startswith("vat:") else count
            if isinstance(held, list):
                if len(held) + rows > self.limit(key):
                    crowded.add(key)
                else:
                    for account_id in held:
                        found[account_id].add(key)
            elif held == OVERFLOW or 1 + rows > self.limit(key):
                crowded.add(key)
            else:
                found[held].add(key)
        return dict(found), crowded


class EntityCache:
    """The entities of accounts that chunks are matched with.

    Those the batch wrote (ids above ``before``) are all kept, given by the writer as it
    creates them: at a million rows, loading them again chunk after chunk was three
    quarters of the import's time, and an entity is ~0.8 KiB. Older accounts loaded for
    earlier chunks are kept too, the most recently used ``size`` of them (the accounts of
    big towns are candidates of chunk after chunk). An account the batch changes is
    forgotten, and loaded again as it now is when next needed."""

    def __init__(self, before: int = 0, size: int = 100_000) -> None:
        self.before = before
        self.size = size
        self._written: dict[int, Entity] = {}
        self._items: OrderedDict[int, Entity] = OrderedDict()

    def __len__(self) -> int:
        return len(self._written) + len(self._items)

    def put(self, entity: Entity) -> None:
        """Keep the entity of an account as it was just written."""
        account_id: int = entity.ref[1]  # type: ignore[index]
        if account_id > self.before:
            self._written[account_id] = entity
        else:
            self._items[account_id] = entity
            self._trim()

    def entities(self, session: Session, ids: Iterable[int]) -> list[Entity]:
        found: list[Entity] = []
        missing: list[int] = []
        for account_id in ids:
            entity = self._written.get(account_id) or self._items.get(account_id)
            if entity is None:
                missing.append(account_id)
            else:
                if account_id <= self.before:
                    self._items.move_to_end(account_id)
                found.append(entity)
        loaded = account_entities(session, missing)
        for entity in loaded:
            self.put(entity)
        return found + loaded

    def forget(self, ids: Iterable[int]) -> None:
        for account_id in ids:
            self._items.pop(account_id, None)
            self._written.pop(account_id, None)

    def _trim(self) -> None:
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def stored_ids(session: Session, entities: list[Entity], before: int) -> set[int]:
    """The live accounts stored before the batch (id <= ``before``) that share a block
    key's value with ``entities``; never a practice account (invented: a real row must not
    merge into it)."""
    ids: set[int] = set()
    if before <= 0:  # nothing was stored before the batch
        return ids
    a = Account
    live = sa.and_(a.status != AccountStatus.MERGED, a.id <= before, a.practice.is_(False))
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
    phones = sorted({p for e in entities for p in e.phones if p.startswith("+")})  # E.164
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


def entity_of_account(
    account_id: int,
    values: Mapping[str, Any],
    phones: Iterable[str],
    doubtful: Collection[str],
    *,
    checked: bool = False,
) -> Entity:
    """An account as de-duplication compares it: like a row, a value still in doubt (an
    open flag, an identifier failing its check) does not identify the account.
    ``values``: its fields by name; ``phones``: its ``phone_keys``; ``doubtful``: the
    fields with an open flag; ``checked``: the values come straight from the import's
    cleaning, which flags every identifier failing its check, so they are not checked
    again."""
    vat = values.get("vat_number")
    tax = values.get("tax_code")
    valid_vat = (lambda _: True) if checked else _valid_vat
    valid_tax_code = (lambda _: True) if checked else _valid_tax_code
    return Entity.of(
        ("account", account_id),
        vat_written=digits(vat),
        name=values.get("company_name") or "",
        vat=vat if vat and "vat_number" not in doubtful and valid_vat(vat) else None,
        tax_code=tax if tax and "tax_code" not in doubtful and valid_tax_code(tax) else None,
        phones=frozenset(phones),
        istat=values.get("istat_code"),
        postcode=values.get("postcode") if "postcode" not in doubtful else None,
        street=values.get("street"),
        house_number=values.get("house_number"),
        email=values.get("email") if "email" not in doubtful else None,
    )


def account_entities(session: Session, ids: Iterable[int]) -> list[Entity]:
    """The accounts ``ids`` as de-duplication compares them (``entity_of_account``)."""
    a = Account
    columns = (a.id, a.company_name, a.vat_number, a.tax_code, a.istat_code, a.postcode,
               a.street, a.house_number, a.email)  # fmt: skip
    found: list[Entity] = []
    for part in chunks(sorted(ids)):
        phones: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
        for account_id, raw, e164 in session.execute(
            sa.select(AccountPhone.account_id, AccountPhone.raw, AccountPhone.e164).where(
                AccountPhone.account_id.in_(part)
            )
        ):
            phones[account_id].append((raw, e164))
        doubts: dict[int, set[str]] = defaultdict(set)
        for account_id, name in session.execute(
            sa.select(AccountFlag.account_id, AccountFlag.field).where(
                AccountFlag.account_id.in_(part), AccountFlag.status == FlagStatus.OPEN
            )
        ):
            doubts[account_id].add(name)
        for row in session.execute(sa.select(*columns).where(a.id.in_(part))):
            values = row._asdict()
            found.append(
                entity_of_account(row.id, values, phone_keys(phones[row.id]), doubts[row.id])
            )
    return found
