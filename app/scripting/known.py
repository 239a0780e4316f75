"""What an account already holds, written as the agent's answers would be: the desk
pre-fills the script with it, for the agent to confirm or correct.

Values are form text (``"true"``, ``"4"``, a choice's value), so a pre-filled form posts
back what the agent saw; a fleet table is a list of rows.
"""

from __future__ import annotations

from typing import Any

from app.accounts.models import Account, Contact, FleetLine, Opportunity
from app.accounts.normalise.address import split_house_number
from app.scripting.schema import OTHER_BRAND, TARGETS, Question

CONTACT_FIELDS = ("full_name", "job_title", "phone", "email", "is_purchasing_manager")
OPPORTUNITY_FIELDS = ("horizon", "vehicle_kind", "quantity", "notes")


def latest(items: list[Any]) -> Any:
    """The newest of an account's contacts or opportunities (the last one stored)."""
    return max(items, key=lambda item: item.id or 0, default=None)


def known_values(account: Account) -> dict[str, Any]:
    """By ``maps_to`` target, every value the account holds except the fleet. A street
    written with its house number and no number stored ("Via Verdi 137") is split as
    imports split it, so the agent confirms both fields rather than typing the number
    again after it."""
    known: dict[str, Any] = {}
    sources = {"account": account, "contact": latest(account.contacts),
               "opportunity": latest(account.opportunities)}  # fmt: skip
    for target in TARGETS:
        model, name = target.split(".", 1)
        source = sources.get(model)
        if source is not None:
            known[target] = _as_answer(getattr(source, name))
    if account.street and not account.house_number:
        known["account.street"], known["account.house_number"] = split_house_number(account.street)
    return known


def _as_answer(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fleet_rows(question: Question, lines: list[FleetLine]) -> list[dict[str, str]]:
    """The account's fleet lines as the rows of ``question``'s table: a brand stored by a
    listed choice's label is that choice, any other is ``other`` with its name."""
    rows = []
    for line in sorted(lines, key=lambda item: item.id or 0):
        choice = next((c for c in question.choices if line.brand.casefold()
                       in (c.label.en.casefold(), c.label.it.casefold())), None)  # fmt: skip
        brand, other = (choice.value, "") if choice else (OTHER_BRAND, line.brand)
        tonnage = line.tonnage_class.value if line.tonnage_class else ""
        count = str(line.vehicle_count)
        rows.append({"brand": brand, "brand_other": other, "vehicle_count": count,
                     "tonnage_class": tonnage})  # fmt: skip
    return rows


def same_contact(contact: Contact, values: dict[str, Any]) -> bool:
    return all(getattr(contact, name) == value for name, value in values.items())


def same_opportunity(opportunity: Opportunity | None, values: dict[str, Any]) -> bool:
    return opportunity is not None and all(
        getattr(opportunity, name) == values.get(name) for name in OPPORTUNITY_FIELDS
    )


def line_key(line: FleetLine) -> tuple[str, int, str]:
    tonnage = line.tonnage_class.value if line.tonnage_class else ""
    return (line.brand.casefold(), line.vehicle_count, tonnage)


def form_fields(answers: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Answers as the desk's form names them: ``<prefix><question>``, and for a fleet
    table one field per cell, ``<prefix><question>.<row>.<column>``."""
    fields: dict[str, Any] = {}
    for qid, value in answers.items():
        if isinstance(value, list):
            for n, row in enumerate(value):
                fields |= {f"{prefix}{qid}.{n}.{key}": cell for key, cell in row.items()}
        else:
            fields[prefix + qid] = value
    return fields
