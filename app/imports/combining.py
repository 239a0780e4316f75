"""Combining a group of rows found to be one company into one account's values and flags.

Shared by the import, which creates or enriches an account from its rows, and by the staff's
merge of two accounts, which chooses among the same columns.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from app.accounts.normalise.changes import Flag
from app.imports.records import Record

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


def short(value: Any) -> str | None:
    """A value as the 250 characters a field change or a flag keeps of it."""
    return None if value is None else str(value)[:250]
