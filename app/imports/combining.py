"""Combining a group of rows found to be one company into one account's values and flags.

Shared by the import, which creates or enriches an account from its rows, and by the staff's
merge of two accounts, which chooses among the same columns.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from app.accounts.normalise.changes import Flag
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


def merged_values(records: list[Record]) -> tuple[dict[str, Any], dict[int, list[str]]]:
    """One value per field from a group of rows: a clean value before a flagged one, and
    among those the last row's (the most recent); with the rows that supplied each."""
    values: dict[str, Any] = {}
    used: dict[int, list[str]] = defaultdict(list)
    flagged = [{f.field for f in record.flags} for record in records]
    for name in ACCOUNT_FIELDS:
        chosen = -1
        for i, record in enumerate(records):
            if not record.fields.get(name):
                continue
            if chosen < 0 or name not in flagged[i] or name in flagged[chosen]:
                chosen = i
        if chosen >= 0:
            values[name] = records[chosen].fields[name]
            used[records[chosen].row_number].append(name)
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


def standing_flags(records: list[Record], kept: dict[str, Any]) -> list[Flag]:
    """The flags that still apply: a doubt about a value the account did not keep (another
    row gave a clean one) is dropped."""
    standing: list[Flag] = []
    for record in records:
        for flag in record.flags:
            column = FLAGGED_COLUMN.get(flag.field, flag.field)
            if not (column in kept and kept[column] != record.fields.get(column)):
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


def short(value: Any) -> str | None:
    """A value as the 250 characters a field change or a flag keeps of it."""
    return None if value is None else str(value)[:250]
