"""Combining a group of rows found to be one company into one account's values, sites and
flags.

Shared by the import, which creates or enriches an account from its rows, and by the staff's
merge of two accounts, which chooses among the same columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.accounts.normalise.changes import Flag
from app.accounts.sites import ADDRESS_FIELDS, HEAD_OFFICE, Place, place_index
from app.imports.records import Record
from app.imports.scoring import same_door, street_level

# The account columns an import fills, in the order a merged value is chosen.
ACCOUNT_FIELDS = (
    "company_name", "legal_form", "street", "house_number", "postcode", "municipality",
    "province", "istat_code", "vat_number", "tax_code", "email", "tonnage_class", "notes",
    "last_purchase_on", "salesperson_id",
)  # fmt: skip
# A flag raised on an import field that fills an account column of another name.
FLAGGED_COLUMN = {"salesperson": "salesperson_id"}


def _chosen(records: list[Record], name: str) -> Record | None:
    """The row whose value of ``name`` the account takes: a clean value before a flagged
    one, and among those the last row's (the most recent)."""
    chosen: Record | None = None
    for record in records:
        if not record.fields.get(name):
            continue
        if chosen is None or not _flags(record, name) or _flags(chosen, name):
            chosen = record
    return chosen


def _flags(record: Record, name: str) -> bool:
    return any(flag.field == name for flag in record.flags)


def merged_values(
    records: list[Record], place_rows: list[Record] | None = None
) -> tuple[dict[str, Any], dict[int, list[str]]]:
    """One value per field from a group of rows (``_chosen``), with the rows that supplied
    each. The address comes from ``place_rows`` when given: the rows of the head office,
    as the account's address is its head office's (the other sites keep theirs)."""
    values: dict[str, Any] = {}
    used: dict[int, list[str]] = defaultdict(list)
    for name in ACCOUNT_FIELDS:
        pool = place_rows if place_rows is not None and name in ADDRESS_FIELDS else records
        chosen = _chosen(pool, name)
        if chosen is not None:
            values[name] = chosen.fields[name]
            used[chosen.row_number].append(name)
    values.setdefault("company_name", records[-1].fields.get("company_name") or "")
    purchases = [r for r in records if r.fields.get("last_purchase_on")]
    if purchases:  # the latest purchase, whichever row reports it
        latest = max(purchases, key=lambda r: r.fields["last_purchase_on"])
        values["last_purchase_on"] = latest.fields["last_purchase_on"]
        for fields in used.values():
            if "last_purchase_on" in fields:
                fields.remove("last_purchase_on")
        used[latest.row_number].append("last_purchase_on")
    return values, used


def standing_flags(
    records: list[Record],
    kept: dict[str, Any],
    site_kept: Mapping[int, Mapping[str, Any]] | None = None,
) -> list[Flag]:
    """The flags that still apply: a doubt about a value the account did not keep (another
    row gave a clean one) is dropped. A row's address is compared with what its site kept
    (``site_kept``: row number -> the site's address), not with the head office's."""
    standing: list[Flag] = []
    for record in records:
        site = (site_kept or {}).get(record.row_number)
        for flag in record.flags:
            column = FLAGGED_COLUMN.get(flag.field, flag.field)
            held = site if site is not None and column in ADDRESS_FIELDS else kept
            if not (column in held and held[column] != record.fields.get(column)):
                standing.append(flag)
    return standing


def conflicts(records: list[Record], kept: dict[str, Any]) -> list[Flag]:
    """Doubts about the place of a company whose rows disagree: a row in another comune
    (``municipality_conflict``, on the municipality) or, in the same comune, at another
    address: another street, house number or postcode (``address_conflict``, on the
    street). ``kept``: the account's values once the rows are in. Each conflicting value
    is raised once; the value the account kept is not doubted by its own rows.

    The one place where rows of a company are found at two places: for the rows of one
    chunk (``Writer._create``) and for rows that join an account written before, by an
    earlier chunk or an earlier import (``Writer._enrich``)."""
    found: dict[tuple[str, str], Flag] = {}
    for record in records:
        f = record.fields
        doubtful = {flag.field for flag in record.flags}
        if "municipality" in doubtful or not f.get("istat_code") or not kept.get("istat_code"):
            continue
        if f["istat_code"] != kept["istat_code"]:
            value = f.get("municipality") or f["istat_code"]
            found.setdefault(
                ("municipality", value), Flag("municipality", value, "municipality_conflict")
            )
        elif _other_address(f, kept, doubtful):
            value = " ".join(
                v for v in (f.get("street"), f.get("house_number"), f.get("postcode")) if v
            )
            found.setdefault(("street", value), Flag("street", value, "address_conflict"))
    return list(found.values())


def _other_address(fields: dict[str, Any], kept: dict[str, Any], doubtful: set[str]) -> bool:
    """Another street, house number or postcode in the same comune (as de-duplication
    compares them: ``VIA G. MARCONI`` is ``VIA GUGLIELMO MARCONI``, ``55/A`` is ``55 a``)."""
    if fields.get("street") and kept.get("street"):
        if street_level(fields["street"], kept["street"]) == 0:
            return True
        if same_door(fields.get("house_number"), kept.get("house_number")) == 0:
            return True
    postcodes = fields.get("postcode"), kept.get("postcode")
    return "postcode" not in doubtful and all(postcodes) and postcodes[0] != postcodes[1]


@dataclass(eq=False)
class SitePlan:
    """A site of the account being written: one stored (``id``), or one to insert."""

    place: Place
    position: int = 0
    head_office: bool = False
    id: int | None = None
    rows: list[Record] = field(default_factory=list)
    stored: Place | None = None  # the place as stored, to tell whether the rows changed it

    @property
    def changed(self) -> bool:
        return self.id is not None and self.place != self.stored


def plan_sites(
    records: list[Record], known: list[SitePlan] | None = None
) -> tuple[list[SitePlan], dict[int, SitePlan]]:
    """The sites of one account after ``records``: the ``known`` ones (stored, or the
    account's own address), and one more for each address they give that none of them is
    (``app.accounts.sites.same_place``); with the site of each row (a row without an
    address has none). A site's place is its rows' values chosen as the account's are,
    what a known site has kept and only filled in. The head office: the site of the latest
    row whose source calls it the head office (a TIPO SEDE column), else the known one,
    else the first address seen."""
    if not known and len(records) == 1:  # most accounts: one row, its address the site
        place = Place.of(records[0].fields)
        if not place.given:
            return [], {}
        alone = SitePlan(place, 0, head_office=True, rows=[records[0]])
        return [alone], {records[0].row_number: alone}
    plans = list(known or [])
    of_row: dict[int, SitePlan] = {}
    declared: SitePlan | None = None
    position = max((plan.position for plan in plans), default=-1) + 1
    for record in records:
        place = Place.of(record.fields)
        found = place_index([plan.place for plan in plans], place)
        if found is None:
            if not place.given:
                continue
            plan = SitePlan(place, position)
            position += 1
            plans.append(plan)
        else:
            plan = plans[found]
            plan.place = plan.place.filled_from(place)  # what later rows are compared with
        plan.rows.append(record)
        of_row[record.row_number] = plan
        if record.facts.get("site_kind") == HEAD_OFFICE:
            declared = plan
    for plan in plans:
        if plan.rows:
            chosen = _merged_place(plan.rows)
            plan.place = plan.stored.filled_from(chosen) if plan.stored else chosen
    head = declared or next((p for p in plans if p.head_office), plans[0] if plans else None)
    for plan in plans:
        plan.head_office = plan is head
    return plans, of_row


def _merged_place(rows: list[Record]) -> Place:
    if len(rows) == 1:
        return Place.of(rows[0].fields)
    return Place(**{n: c.fields[n] if (c := _chosen(rows, n)) else None for n in ADDRESS_FIELDS})


def head_office(plans: list[SitePlan]) -> SitePlan | None:
    return next((plan for plan in plans if plan.head_office), None)


def short(value: Any) -> str | None:
    """A value as the 250 characters a field change or a flag keeps of it."""
    return None if value is None else str(value)[:250]
