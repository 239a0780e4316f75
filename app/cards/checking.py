"""The check step: what the import's cleaning makes of a card's typed values, what it
corrected and why, and what must be corrected before the card can be saved.

The cleaning is the import's (``imports.records.make_record``, over
``accounts.normalise``), not a copy: what the check shows is what validation will write.
A doubt the typist can settle by reading the paper again (a VAT check digit, a CAP not of
the municipality, a municipality not found, an email that is none...) blocks saving; a doubt
only a call can settle (a nine-digit mobile, a premium number, a legal form not listed, an
inactive salesperson) is saved and becomes the account's doubt, as after an import.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.accounts.labels import reason_label, tonnage_label
from app.accounts.normalise.phone import read_phone
from app.cards.fields import MAX_VALUE_CHARS, PHONE_FIELDS
from app.imports.labels import import_field_label
from app.imports.owners import Owners
from app.imports.pipeline import Reference
from app.imports.records import Record, make_record, split_phones

# Doubts saved with the card (the account's doubts after validation): nothing on the paper
# settles them. Every other doubt of the cleaning blocks saving.
DOUBTS_KEPT = frozenset(
    {
        "phone_not_callable",
        "phone_mobile_or_landline",
        "phone_mobile_too_short",
        "legal_form_unknown",
        "inactive_salesperson",
    }
)
# Shown as the cleaning leaves them, in this order (fields the cleaning derives included).
SHOWN = (
    "company_name", "legal_form", "street", "house_number", "postcode", "municipality",
    "istat_code", "province", "vat_number", "tax_code", "phone", "phone_2", "mobile", "email",
    "tonnage_class", "vehicle_count", "brand", "last_purchase", "salesperson", "notes",
)  # fmt: skip


@dataclass(frozen=True)
class Correction:
    field: str
    typed: str | None
    cleaned: str | None
    reason: str  # the import's reason code

    @property
    def text(self) -> str:
        return reason_label(self.reason)


@dataclass(frozen=True)
class Problem:
    field: str
    value: str | None
    reason: str  # the import's reason code (a flag, or a rejection)
    text: str  # for people, in their language


@dataclass
class Check:
    """A card's values as typed and as cleaned, what changed and what is doubtful."""

    typed: dict[str, str]
    record: Record
    cleaned: dict[str, str] = field(default_factory=dict)
    corrections: list[Correction] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)  # block saving
    doubts: list[Problem] = field(default_factory=list)  # saved, the account's doubts

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_of(self, name: str) -> list[Problem]:
        return [p for p in self.errors if p.field == name]


def check_card(
    values: Mapping[str, str],
    reference: Reference,
    owners: Owners | None = None,
    *,
    keep_doubts: bool = True,
    blocking: Collection[str] | None = None,
) -> Check:
    """Clean ``values`` (the card's fields as typed) as an import cleans a row.
    ``keep_doubts``: the doubts in ``DOUBTS_KEPT`` are saved (a new card); without it every
    doubt blocks (an edit, whose applier refuses a doubtful value) or, with ``blocking``,
    every doubt on those fields (an edit's changed fields: the others are not applied, so
    their stored doubts are only shown)."""
    typed = {name: value for name, value in values.items() if value}
    too_long = [name for name, value in typed.items() if len(value) > MAX_VALUE_CHARS]
    record = make_record(1, {n: v for n, v in typed.items() if n not in too_long},
                         reference.index, reference.provinces)  # fmt: skip
    if owners is not None and not record.rejected:
        owners.resolve(record)
    check = Check(typed, record)
    for name in too_long:
        check.errors.append(_too_long(name, typed[name], MAX_VALUE_CHARS))
    if record.rejected:
        code, _sep, detail = record.rejected.partition(":")
        name, _sep, limit = detail.partition(":")
        if code == "value_too_long":
            check.errors.append(_too_long(name, typed.get(name, ""), int(limit)))
        else:  # no company name: the only other reason the cleaning refuses a row
            text = _(
                "%(field)s: type it, a card needs it.", field=import_field_label("company_name")
            )
            check.errors.append(Problem("company_name", None, code, text))
        return check
    check.corrections = [Correction(c.field, c.before, c.after, c.reason) for c in record.changes]
    for flag in record.flags:
        problem = Problem(
            flag.field, flag.value, flag.reason, _problem_text(flag.field, flag.reason)
        )
        kept = keep_doubts and flag.reason in DOUBTS_KEPT
        untouched = blocking is not None and flag.field not in blocking
        (check.doubts if kept or untouched else check.errors).append(problem)
    check.cleaned = _shown(record, typed)
    return check


def _too_long(name: str, value: str, limit: int) -> Problem:
    text = _("%(field)s: at most %(limit)s characters.", field=import_field_label(name),
             limit=limit)  # fmt: skip
    return Problem(name, value[:40], "value_too_long", text)


def _problem_text(name: str, reason: str) -> str:
    """ "VAT number: wrong check digit.": the field named once, whether or not the reason's
    own label already names it."""
    label, field_name = reason_label(reason), import_field_label(name)
    if label.casefold().startswith(field_name.casefold()):
        return f"{label[:1].upper()}{label[1:]}."
    return _("%(field)s: %(reason)s.", field=field_name, reason=label)


def _shown(record: Record, typed: Mapping[str, str]) -> dict[str, str]:
    """The cleaned values as a person reads them, by field."""
    fields: dict[str, Any] = record.fields
    shown = {name: str(fields[name]) for name in SHOWN if fields.get(name)}
    for name in ("vehicle_count", "brand", "salesperson"):
        if record.facts.get(name):
            shown[name] = str(record.facts[name])
    if fields.get("tonnage_class"):
        shown["tonnage_class"] = tonnage_label(fields["tonnage_class"])
    if fields.get("last_purchase_on"):
        shown["last_purchase"] = fields["last_purchase_on"].strftime("%d/%m/%Y")
    province = fields.get("province")
    for name in PHONE_FIELDS:
        numbers = [read_phone(part, province) for part in split_phones(typed.get(name, ""))]
        parts = split_phones(typed.get(name, ""))
        if parts:
            shown[name] = ", ".join(r.e164 or p for r, p in zip(numbers, parts, strict=True))
    return shown
