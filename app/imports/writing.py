"""Writing a batch's records: matched with each other and with stored accounts, in bulk.

Why in bulk: the ORM's unit of work flushed each new account to learn its id and loaded
each account's phones and fleet lazily, ~9 ms per row measured (90 s for 20,000 rows).
Here new accounts are inserted in one ``INSERT ... RETURNING`` per chunk and their phones,
sources, corrections and flags in plain multi-row inserts; stored accounts that are
enriched are loaded once, in chunks, with what they already have. The rows attached to
the accounts are gathered in ``child_rows``; a group's values chosen in ``combining``.

Sites: a group's rows at different addresses become the sites of its account (a new
account's in ``_create``, a stored one's in ``_enrich``), planned by
``combining.plan_sites``; the account's address is its head office's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.holds import hold_or_release, holds
from app.accounts.keys import new_account_key
from app.accounts.models import (
    Account,
    AccountFlag,
    AccountPhone,
    AccountSite,
    FlagStatus,
    FleetLine,
)
from app.accounts.normalise.changes import Flag
from app.accounts.phones import is_callable_number
from app.accounts.sites import Place
from app.accounts.status import AccountStatus
from app.columns import utcnow
from app.imports import matching
from app.imports.blocking import block_keys
from app.imports.bulk import insert_rows
from app.imports.child_rows import ChildRows, SiteRef, stored_sites
from app.imports.clustering import cluster
from app.imports.combining import (
    ACCOUNT_FIELDS,
    SitePlan,
    conflicts,
    head_office,
    merged_values,
    plan_sites,
    standing_flags,
)
from app.imports.dedupe import match
from app.imports.fellegi_sunter import Model
from app.imports.models import DuplicatePair, ImportBatch, PairStatus
from app.imports.owners import Owners
from app.imports.records import Record
from app.imports.scoring import Pair

CHUNK = 2_000


class Writer:
    """Matches a batch's records, a chunk at a time, with each other, with the accounts
    stored before the batch and with those its earlier chunks wrote; then writes them."""

    def __init__(
        self,
        session: Session,
        batch: ImportBatch,
        report: Any,
        reference_date: Any,
    ) -> None:
        self.session = session
        self.batch = batch
        self.report = report
        self.reference_date = reference_date
        # Accounts with a greater id were written by this batch (or by someone else while
        # it ran): they are found through the index, not by the stored-account queries.
        self.stored_max_id: int = session.scalar(sa.select(sa.func.max(Account.id))) or 0
        self.index = matching.BatchIndex()
        self.cache = matching.EntityCache(before=self.stored_max_id)
        # Estimated on the first chunk, then kept: every chunk of a batch weighs alike.
        self.model: Model | None = None
        self.account_of_row: dict[int, int] = {}
        self.site_of_row: dict[int, SiteRef] = {}
        self.keys: dict[int, set[str]] = {}
        self.children = ChildRows(session, batch, report, utcnow())
        self.owners = Owners.load(session)  # the salespeople's codes, once for the batch

    # ------------------------------------------------------------------ matching ---

    def write(
        self,
        records: list[Record],
        originals: dict[int, dict[str, str]],
        twins: dict[int, int],
        twin_accounts: dict[int, tuple[int, str]] | None = None,
        pinned: Mapping[int, int] | None = None,
    ) -> None:
        """Match and write one chunk. ``twins``: row -> an identical earlier row of the chunk;
        ``twin_accounts``: row -> the account of an identical row of an earlier chunk, with its
        fingerprint (both only add a source); ``pinned``: row -> a stored account it updates."""
        self.children.originals = originals
        self.account_of_row, self.site_of_row = {}, {}
        for record in records:
            self.owners.resolve(record)
        fingerprints = {r.row_number: r.fingerprint for r in records}
        fingerprints |= {row: fingerprints[first] for row, first in twins.items()}
        for row, (_, fingerprint) in (twin_accounts or {}).items():
            fingerprints[row] = fingerprint
        self.children.fingerprints = fingerprints
        pins = pinned or {}
        free = [r for r in records if r.row_number not in pins]
        groups, review = self._match(free)
        new_groups, enrich = self._place(groups, free)
        for record in records:
            if (account_id := pins.get(record.row_number)) is not None:
                self.keys[record.row_number] = block_keys(matching.entity_of_record(record))
                rows = [*enrich.get(account_id, []), record]
                enrich[account_id] = sorted(rows, key=attrgetter("row_number"))
                self.account_of_row[record.row_number] = account_id
        self._create(new_groups)
        self._enrich(enrich)
        for row, first in twins.items():  # the same row: the same site
            self.children.source(self.account_of_row[first], row, [], self.site_of_row.get(first))
        for row, (account_id, _) in (twin_accounts or {}).items():
            self.children.source(account_id, row, [])
        self.children.insert()
        self._review(review)

    def _match(self, records: list[Record]) -> tuple[list[list[Hashable]], list[Pair]]:
        """The chunk's rows grouped with each other and with the accounts they duplicate,
        and the pairs left for a person's review."""
        entities = [matching.entity_of_record(r) for r in records]
        self.keys = {e.ref[1]: block_keys(e) for e in entities}  # type: ignore[index]
        wanted = Counter(key for keys in self.keys.values() for key in keys)
        written, crowded = self.index.lookup(wanted)
        before = matching.stored_ids(self.session, entities, self.stored_max_id)
        accounts = self.cache.entities(self.session, written.keys() | before)
        everyone = [*entities, *accounts]
        keys_of = {e.ref: self.keys[e.ref[1]] for e in entities}  # type: ignore[index]
        # The batch's own accounts were found by their keys: those are the blocks they
        # join (an account stored before the batch has its keys computed by ``match``).
        keys_of |= {("account", n): found_by for n, found_by in written.items()}
        found = match(
            everyone,
            model=self.model,
            crowded=crowded,
            keys_of=keys_of,
            stored={e.ref for e in accounts},
            # the accounts stored before the batch, those it wrote, and this chunk's rows
            population=self.stored_max_id + self.report.accounts_created + len(entities),
        )
        self.model = found.model
        # Only the accounts some pair reaches can join a group: the others, often most of
        # the candidates, are left out of the union-find.
        reached = {ref for pair in found.pairs for ref in (pair.a, pair.b)}
        involved = [*entities, *(e for e in accounts if e.ref in reached)]
        # Two accounts are never joined here (a person merges them): a row that resembles
        # two goes to the first it surely is, the account of its VAT number first.
        stored = {e.ref for e in accounts}
        return cluster(involved, found.pairs, held=found.held, stored=stored)

    def _place(
        self, groups: list[list[Hashable]], records: list[Record]
    ) -> tuple[list[list[Record]], dict[int, list[Record]]]:
        """The groups that become new accounts, and the rows that enrich a stored account
        (by its id; a group holds one at most, ``_match``)."""
        by_row = {r.row_number: r for r in records}
        new_groups: list[list[Record]] = []
        enrich: dict[int, list[Record]] = {}
        for group in groups:
            rows = sorted(ref[1] for ref in group if ref[0] == "row")
            stored = [ref[1] for ref in group if ref[0] == "account"]
            if not rows:
                continue
            if stored:
                (account_id,) = stored
                # A row joining an account this batch wrote is one more duplicate of the
                # file; joining an older account, it updates that account.
                self.report.duplicates_merged += len(rows) - (account_id <= self.stored_max_id)
                enrich[account_id] = [by_row[n] for n in rows]
                for number in rows:
                    self.account_of_row[number] = account_id
            else:
                self.report.duplicates_merged += len(rows) - 1
                new_groups.append([by_row[n] for n in rows])
        return new_groups, enrich

    def _remember(self, account_id: int, records: list[Record]) -> None:
        """Put the rows' block keys in the index under the account they went to."""
        self.index.add(account_id, {k for r in records for k in self.keys[r.row_number]})

    # ------------------------------------------------------------------- writing ---

    def _create(self, groups: list[list[Record]]) -> None:
        """One account per group, inserted in chunks with their ids returned in order."""
        now = utcnow()
        for part in matching.chunks(groups, CHUNK):
            rows, plans = [], []
            for records in part:
                sites, site_of_row = plan_sites(records)
                head = head_office(sites)
                values, used = merged_values(records, head.rows if head else [])
                flags = standing_flags(records, values, _site_values(site_of_row))
                if len(records) > 1:  # a row alone agrees with itself
                    flags += conflicts(records, values)
                held = holds(flags, _reachable(records))
                rows.append(
                    {
                        **{name: values.get(name) for name in ACCOUNT_FIELDS},
                        "key": new_account_key(),
                        "status": AccountStatus.TO_REVIEW if held else AccountStatus.READY,
                        "istat_reference_date": self.reference_date
                        if values.get("istat_code")
                        else None,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                plans.append((records, used, flags, sites, site_of_row))
            # Plain executemany, then the ids by key: SQLite can only return ids in the
            # order of the rows by inserting them one at a time.
            table = Account.__table__
            insert_rows(self.session, table, rows)
            keys = [row["key"] for row in rows]
            query = sa.select(table.c.key, table.c.id).where(table.c.key.in_(keys))
            id_of = {key: account_id for key, account_id in self.session.execute(query)}
            ids = [id_of[key] for key in keys]
            for account_id, row, plan in zip(ids, rows, plans, strict=True):
                records, used, flags, sites, site_of_row = plan
                for record in records:
                    self.account_of_row[record.row_number] = account_id
                self._remember(account_id, records)
                phones = matching.phone_keys((p.raw, p.e164) for r in records for p in r.phones)
                doubtful = {flag.field for flag in flags}
                self.cache.put(
                    matching.entity_of_account(account_id, row, phones, doubtful, checked=True)
                )
                self.site_of_row |= self.children.add(
                    account_id, records, used, flags, set(), set(), sites, site_of_row
                )
            self.report.accounts_created += len(ids)
            self.children.insert()

    def _enrich(self, plans: dict[int, list[Record]]) -> None:
        """Fill what stored accounts lack; a value they have is kept (a person or a call
        may have confirmed it); the rows' other values stay in their sources. A row at an
        address the account does not have adds a site, not a new address."""
        for part in matching.chunks(sorted(plans), CHUNK):
            self.cache.forget(part)
            accounts = list(self.session.scalars(sa.select(Account).where(Account.id.in_(part))))
            phones: dict[int, set[str]] = defaultdict(set)
            reachable: set[int] = set()  # accounts with a callable phone already
            for account_id, raw, e164, kind in self.session.execute(
                sa.select(
                    AccountPhone.account_id, AccountPhone.raw, AccountPhone.e164, AccountPhone.kind
                ).where(AccountPhone.account_id.in_(part))
            ):
                phones[account_id] |= {raw, e164} - {None}
                if is_callable_number(e164, kind):
                    reachable.add(account_id)
            doubts: dict[int, list[AccountFlag]] = defaultdict(list)
            for flag in self.session.scalars(
                sa.select(AccountFlag).where(
                    AccountFlag.account_id.in_(part), AccountFlag.status == FlagStatus.OPEN
                )
            ):
                doubts[flag.account_id].append(flag)
            brands: dict[int, set[str]] = defaultdict(set)
            for account_id, brand in self.session.execute(
                sa.select(FleetLine.account_id, FleetLine.brand).where(
                    FleetLine.account_id.in_(part)
                )
            ):
                brands[account_id].add(brand.upper())
            stored = stored_sites(self.session, part)
            for account in accounts:
                records = plans[account.id]
                sites, site_of_row, moved = self._sites(
                    account, records, stored.get(account.id, [])
                )
                flags, filled = self._fill(account, records, sites, site_of_row, moved=moved)
                had = account.id in reachable
                hold_or_release(account, doubts[account.id], flags, had, had or _reachable(records))
                self.site_of_row |= self.children.add(
                    account.id, records, filled, flags, phones[account.id],
                    brands[account.id], sites, site_of_row,
                )  # fmt: skip
                self._remember(account.id, records)
                if account.id <= self.stored_max_id:
                    self.report.accounts_updated += 1
            self.session.flush()
            self.children.insert()

    def _sites(
        self, account: Account, records: list[Record], stored: list[SitePlan]
    ) -> tuple[list[SitePlan], dict[int, SitePlan], bool]:
        """The stored account's sites after ``records``, and whether the head office moved
        (a source named another site so). That move, and what the rows filled in on stored
        sites, are written now: before the account's own address changes, which its head
        office's row follows."""
        own = Place.of(account)
        if not stored and own.given:  # an account from before sites, or made by hand
            stored = [SitePlan(own, 0, head_office=True, stored=own)]
        before = next((plan for plan in stored if plan.head_office), None)
        sites, site_of_row = plan_sites(records, stored)
        head = head_office(sites)
        table = AccountSite.__table__
        if before is not None and head is not before and before.id is not None:
            self.session.execute(
                table.update().where(table.c.id == before.id).values(head_office=False)
            )
        for plan in sites:
            if plan.id is not None and (plan.changed or plan.head_office != (plan is before)):
                self.session.execute(
                    table.update()
                    .where(table.c.id == plan.id)
                    .values(head_office=plan.head_office, **plan.place.values())
                )
        return sites, site_of_row, before is not None and head is not before

    def _fill(
        self,
        account: Account,
        records: list[Record],
        sites: list[SitePlan],
        site_of_row: dict[int, SitePlan],
        *,
        moved: bool,
    ) -> tuple[list[Flag], dict[int, list[str]]]:
        """Fill what the account lacks from ``records``, its address from its head office's
        rows (the head office's address whole when a source ``moved`` it); its standing
        flags and the fields each row supplied."""
        head = head_office(sites)
        values, used = merged_values(records, head.rows if head else [])
        filled: dict[int, list[str]] = defaultdict(list)
        for name, value in values.items():
            newer = (
                name == "last_purchase_on"
                and value
                and (account.last_purchase_on is None or value > account.last_purchase_on)
            )
            if value and (newer or not getattr(account, name)):
                setattr(account, name, value)
                for number, fields in used.items():
                    if name in fields:
                        filled[number].append(name)
        if moved and head is not None:
            for name, value in head.place.values().items():
                setattr(account, name, value)
        if values.get("istat_code") and account.istat_reference_date is None:
            account.istat_reference_date = self.reference_date
        kept = {name: getattr(account, name) for name in ACCOUNT_FIELDS}
        flags = standing_flags(records, kept, _site_values(site_of_row))
        return flags + conflicts(records, kept), filled

    def _review(self, pairs: Iterable[Pair]) -> None:
        wanted: dict[tuple[int, int], Pair] = {}
        for pair in pairs:
            a, b = self._account_id(pair.a), self._account_id(pair.b)
            if a is None or b is None or a == b:
                continue
            wanted.setdefault((min(a, b), max(a, b)), pair)
        existing: set[tuple[int, int]] = set()
        for part in matching.chunks(sorted(wanted)):
            query = sa.select(DuplicatePair.account_a_id, DuplicatePair.account_b_id).where(
                sa.tuple_(DuplicatePair.account_a_id, DuplicatePair.account_b_id).in_(part)
            )
            existing |= {(a, b) for a, b in self.session.execute(query)}
        rows = [
            {
                "account_a_id": a,
                "account_b_id": b,
                "score": pair.score,
                "reasons": list(pair.reasons),
                "status": PairStatus.PENDING,
                "batch_id": self.batch.id,
            }
            for (a, b), pair in sorted(wanted.items())
            if (a, b) not in existing
        ]
        for part in matching.chunks(rows, 5_000):
            self.session.execute(sa.insert(DuplicatePair.__table__), part)
        self.report.duplicates_to_review += len(rows)

    def _account_id(self, ref: Hashable) -> int | None:
        kind, value = ref  # type: ignore[misc]
        return int(value) if kind == "account" else self.account_of_row.get(value)


def _reachable(records: list[Record]) -> bool:
    """Whether the rows give a number an agent may call."""
    return any(is_callable_number(p.e164, p.kind) for r in records for p in r.phones)


def _site_values(site_of_row: dict[int, SitePlan]) -> dict[int, dict[str, Any]]:
    return {number: plan.place.values() for number, plan in site_of_row.items()}
