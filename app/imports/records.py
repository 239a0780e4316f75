"""One source row made into account fields: cleaned, with its corrections and doubts.

The row arrives as ``{field: raw text}`` after the column mapping. Each group of fields is
cleaned by ``app.accounts.normalise``; what comes back is a ``Record`` ready to be matched
against the accounts already known (``dedupe``) and written (``services``). A row without a
company name is rejected with its reason; everything else is kept, flagged where doubtful.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from app.accounts.models import (
    Account,
    AccountPhone,
    Contact,
    FleetLine,
    Opportunity,
    PhoneKind,
    TonnageClass,
)
from app.accounts.normalise.address import clean_street
from app.accounts.normalise.changes import Change, Flag, squash
from app.accounts.normalise.company import clean_company
from app.accounts.normalise.email import is_email
from app.accounts.normalise.identifiers import clean_vat
from app.accounts.normalise.location import clean_location
from app.accounts.normalise.municipality import MunicipalityIndex
from app.accounts.normalise.phone import read_phone
from app.accounts.phones import PHONE_FIELDS
from app.accounts.sites import site_kind
from app.imports.qualification import Answers, parse_count, qualification_fields, read_answers

# Fields a column can be mapped to, in the order the mapping page lists them.
FIELDS = (
    "source_id", "company_name", "legal_form", "street", "house_number", "postcode",
    "municipality", "province", "site_kind", "vat_number", "tax_code", "phone", "phone_2",
    "mobile", "email", "tonnage_class", "vehicle_count", "brand", "last_purchase",
    "salesperson", "notes", *qualification_fields(),
)  # fmt: skip
REQUIRED = ("company_name",)
# Several numbers in one cell: "02 1234567 / 333 1234567", "021234567; 3331234567". A
# slash also separates an area code from the number ("0522/417133", "0398/133029 /
# 3299520348"): a piece of fewer than six digits before a slash is an area code, joined to
# what follows it.
PHONE_SPLIT = re.compile(r"\s*(?:;|\||,|\be\b|\bo\b)\s*")
MIN_NUMBER_DIGITS = 6


def split_phones(cell: str) -> list[str]:
    """The numbers written in one cell."""
    numbers: list[str] = []
    for part in PHONE_SPLIT.split(cell):
        pieces: list[str] = []
        for piece in part.split("/"):
            if pieces and _digits(pieces[-1]) < MIN_NUMBER_DIGITS:
                pieces[-1] = f"{pieces[-1]}/{piece}"  # an area code, then its number
            else:
                pieces.append(piece)
        if len(pieces) > 1 and _digits(pieces[-1]) < MIN_NUMBER_DIGITS:
            pieces[-2:] = [f"{pieces[-2]}/{pieces[-1]}"]  # a short tail: not a number alone
        numbers += pieces
    return [n.strip() for n in numbers if n.strip()]


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


TONNAGE = {
    "lt_3_5": TonnageClass.LIGHT, "<3.5": TonnageClass.LIGHT, "3.5": TonnageClass.LIGHT,
    "3_5_7_5": TonnageClass.MEDIUM, "3.5-7.5": TonnageClass.MEDIUM, "7.5": TonnageClass.MEDIUM,
    "7_5_16": TonnageClass.HEAVY, "7.5-16": TonnageClass.HEAVY, "16": TonnageClass.HEAVY,
    "gt_16": TonnageClass.EXTRA_HEAVY, ">16": TonnageClass.EXTRA_HEAVY,
}  # fmt: skip


@dataclass(frozen=True)
class Phone:
    raw: str
    e164: str | None
    kind: PhoneKind


@dataclass
class Record:
    """A cleaned row: account fields, phones, facts, and what cleaning did."""

    row_number: int
    raw: dict[str, str]
    fields: dict[str, Any] = field(default_factory=dict)  # text, and the purchase's date
    phones: list[Phone] = field(default_factory=list)
    facts: dict[str, str | int] = field(default_factory=dict)  # fleet, brand, owner's code...
    changes: list[Change] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    rejected: str | None = None  # the reason, when the row cannot become an account
    answers: Answers | None = None  # an earlier qualification's, when the row gives some

    @cached_property
    def fingerprint(self) -> str:
        """The same source row always gives the same value (re-imports create nothing)."""
        canonical = json.dumps(self.raw, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def make_record(
    row_number: int,
    raw: Mapping[str, str],
    index: MunicipalityIndex,
    provinces: dict[str, str],
) -> Record:
    """Clean one mapped row."""
    values = {name: squash(value) for name, value in raw.items() if name in FIELDS}
    record = Record(row_number, {k: v for k, v in values.items() if v})
    get = values.get
    missing = [name for name in REQUIRED if not get(name)]
    if missing:
        record.rejected = "company_name_missing"
        return record
    parts = [
        clean_company(get("company_name"), get("legal_form")),
        clean_street(get("street"), get("house_number")),
        clean_location(index, provinces, get("municipality"), get("province"), get("postcode")),
        clean_vat(get("vat_number"), get("tax_code")),
    ]
    for part in parts:
        record.fields.update(part.values)
        record.changes += part.changes
        record.flags += part.flags
    if not record.fields.get("company_name"):
        record.rejected = "company_name_missing"
        return record
    _email(record, get("email"))
    phones = {name: get(name) for name in PHONE_FIELDS}
    if get("contact_phone") and get("contact_mobile"):  # the contact's is the direct one
        phones["contact_mobile"] = get("contact_mobile")
    _phones(record, phones)
    _facts(record, get)
    record.answers, flags = read_answers(get, record.fields.get("province"))
    record.flags += flags
    if record.answers is not None and record.fields.get("tonnage_class"):
        record.answers.tonnage_class = TonnageClass(record.fields["tonnage_class"])
    if get("source_id"):
        record.facts["source_id"] = get("source_id") or ""
    if get("salesperson"):
        record.facts["salesperson"] = get("salesperson") or ""
    kind = site_kind(get("site_kind"))  # the row's site is the head office, or another
    if kind:
        record.facts["site_kind"] = kind
    if get("notes"):
        record.fields["notes"] = get("notes")
    record.rejected = _too_long(record)
    return record


def _text_limits() -> dict[str, int]:
    """Account field -> the characters its column holds (a longer value would be refused
    by PostgreSQL, failing the whole import, or cut silently elsewhere)."""
    return {
        column.name: column.type.length
        for column in Account.__table__.columns
        if isinstance(column.type, sa.String) and column.type.length
    }


TEXT_LIMITS = _text_limits()
PHONE_LIMIT = AccountPhone.__table__.c.raw.type.length
BRAND_LIMIT = FleetLine.__table__.c.brand.type.length
# Answer -> (the field that names it on the mapping page, the characters its column holds).
ANSWER_LIMITS = {
    "full_name": ("contact_name", Contact.__table__.c.full_name.type.length),
    "job_title": ("contact_role", Contact.__table__.c.job_title.type.length),
    "phone": ("contact_phone", Contact.__table__.c.phone.type.length),
    "email": ("contact_email", Contact.__table__.c.email.type.length),
    "vehicle_kind": ("vehicle_interest", Opportunity.__table__.c.vehicle_kind.type.length),
    "qualified_by": ("qualified_by", Opportunity.__table__.c.qualified_by.type.length),
}


def _too_long(record: Record) -> str | None:
    """The refusal of a row holding a value that cannot be stored whole, naming the field
    and its limit ("value_too_long:company_name:200", see ``labels.rejection_label``): the
    row is refused with its reason (in the rejected rows' download) rather than stored cut."""
    for name, value in record.fields.items():
        if isinstance(value, str) and len(value) > TEXT_LIMITS.get(name, len(value)):
            return f"value_too_long:{name}:{TEXT_LIMITS[name]}"
    if any(len(phone.raw) > PHONE_LIMIT for phone in record.phones):
        return f"value_too_long:phone:{PHONE_LIMIT}"
    if len(str(record.facts.get("brand", ""))) > BRAND_LIMIT:
        return f"value_too_long:brand:{BRAND_LIMIT}"
    return _answer_too_long(record.answers)


def _answer_too_long(answers: Answers | None) -> str | None:
    if answers is None:
        return None
    values = {**answers.contact, "vehicle_kind": answers.vehicle_kind,
              "qualified_by": answers.qualified_by}  # fmt: skip
    for name, value in values.items():
        label, limit = ANSWER_LIMITS[name]
        if value and len(value) > limit:
            return f"value_too_long:{label}:{limit}"
    if any(len(brand) > BRAND_LIMIT for brand, _count in answers.fleet):
        return f"value_too_long:brand:{BRAND_LIMIT}"
    return None


def _email(record: Record, raw: str | None) -> None:
    if not raw:
        record.fields["email"] = None
        return
    email = raw.strip().lower()
    if is_email(email):
        record.fields["email"] = email
        if email != raw:
            record.changes.append(Change("email", raw, email, "email_tidied"))
    else:
        record.fields["email"] = raw
        record.flags.append(Flag("email", raw, "email_invalid"))


def _phones(record: Record, raw: Mapping[str, str | None]) -> None:
    """The row's numbers, read for an account of its province (``read_phone``): a repair
    is recorded as a correction, a doubt flagged on the number (``Phone.raw`` keeps it as
    written, for matching and for the person who decides)."""
    seen: set[str] = set()
    province = record.fields.get("province")
    for name, value in raw.items():
        for part in split_phones(value or ""):
            if part in seen:
                continue
            seen.add(part)
            reading = read_phone(part, province)
            e164 = reading.e164
            if e164 is not None and e164 in {p.e164 for p in record.phones}:
                continue
            record.phones.append(Phone(part, e164, reading.kind))
            if reading.change:
                record.changes.append(Change(name, part, e164, reading.change))
            if reading.flag:
                record.flags.append(Flag(name, part, reading.flag))


def _facts(record: Record, get: Callable[[str], str | None]) -> None:
    count = get("vehicle_count")
    if count:
        # "1.200" as thousands are written; "12 mezzi" as the fleet line reads it (the
        # same cell is the first brand/count pair's count: one reading for both).
        digits = count.replace(".", "").replace(" ", "")
        number = int(digits) if digits.isdigit() else parse_count(count)
        if number is not None and number < 100_000:
            record.facts["vehicle_count"] = number
        else:
            record.flags.append(Flag("vehicle_count", count, "vehicle_count_invalid"))
    tonnage = get("tonnage_class")
    if tonnage:
        text = tonnage.lower().replace(",", ".").replace(" ", "")
        found = TONNAGE.get(text) or TONNAGE.get(text.removesuffix("t"))
        if found is not None:
            record.fields["tonnage_class"] = found.value
        else:
            record.flags.append(Flag("tonnage_class", tonnage, "tonnage_class_unknown"))
    if get("brand"):
        record.facts["brand"] = get("brand") or ""
    bought = get("last_purchase")
    if bought:
        day = parse_day(bought)
        if day is None:
            record.flags.append(Flag("last_purchase", bought, "last_purchase_invalid"))
        else:
            record.fields["last_purchase_on"] = day


DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


def parse_day(text: str) -> date | None:
    """A date as Italian files and spreadsheets write it (ISO from XLSX cells)."""
    text = text.strip().split("T")[0].split(" ")[0]
    for pattern in DAY_FORMATS:
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 1950 <= day.year <= 2100:
            return day
    return None
