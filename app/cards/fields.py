"""The fields of a paper card: the import's own field names (so a validated card is an
import's row as it is), and the account's values as a card shows them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.accounts.models import Account
from app.accounts.normalise.changes import squash
from app.external.applying import GROUPS
from app.external.layout import PHONE_COLUMNS

# A new company: the fields a salesperson's card gives, in the order it is typed.
NEW_FIELDS = (
    "company_name", "legal_form", "street", "house_number", "postcode", "municipality",
    "province", "vat_number", "tax_code", "phone", "phone_2", "mobile", "email",
    "tonnage_class", "vehicle_count", "brand", "last_purchase", "salesperson", "notes",
)  # fmt: skip
# An edit: the values the per-field applier corrects (``app.external.applying``), so an
# edit goes through the one applier there is; fleet, notes and owner are the import's.
EDIT_FIELDS = (*(name for names in GROUPS.values() for name in names), *PHONE_COLUMNS)
PHONE_FIELDS = ("phone", "phone_2", "mobile")
MAX_VALUE_CHARS = 1_000  # as an integration's record: a longer value is no account's


def fields_of(kind: str) -> tuple[str, ...]:
    return EDIT_FIELDS if kind == "edit" else NEW_FIELDS


def typed(values: Mapping[str, Any], kind: str) -> dict[str, str]:
    """The card's values as typed: the kind's fields only, text, blanks left out (an empty
    field is "not on the card")."""
    found: dict[str, str] = {}
    for name in fields_of(kind):
        value = values.get(name)
        if value is not None and str(value).strip():
            found[name] = str(value)
    return found


def account_values(account: Account) -> dict[str, str]:
    """An account's current values under the card's field names (an edit starts from them,
    and validation compares against them)."""
    values = {name: squash(getattr(account, name) or "") for name in EDIT_FIELDS
              if name not in PHONE_COLUMNS}  # fmt: skip
    numbers = [p.e164 or p.raw for p in account.phones]
    for position, name in enumerate(PHONE_COLUMNS):
        values[name] = numbers[position] if position < len(numbers) else ""
    return {name: value for name, value in values.items() if value}


def changed(values: Mapping[str, str], baseline: Mapping[str, str]) -> dict[str, str]:
    """The fields the typist changed from ``baseline``: squashed text compared, since only
    a different value is a change. An emptied field is no change: a card never erases a
    value (the applier keeps what an empty cell leaves out)."""
    return {
        name: str(values[name])
        for name in EDIT_FIELDS
        if squash(values.get(name)) and squash(values.get(name)) != squash(baseline.get(name))
    }
