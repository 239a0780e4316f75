"""CRM load files: a pack's qualified accounts as CSV files a CRM can load, laid out by a
mapping file (TOML, the ``CRM_MAPPING`` setting).

The mapping names the files, what one row of each file is (an account, a contact, an
opportunity or a fleet line) and its columns as templates: literal text with ``{field}``
placeholders taken from ``FIELDS`` only, resolved from a flat dict of plain values (never
``str.format`` on objects). Another CRM is another mapping file, not new code. A mapping
is checked whole when loaded, so a mistake stops an export before any file is written, with
a message naming the file, the column and the field. The bytes depend only on the mapping,
the pack and the batch number.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import difflib
import enum
import io
import string
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from app.distribution.sheets import AccountSheet, FleetItem, Pack, WaveInfo
from app.spreadsheets.safety import neutralise


class MappingError(ValueError):
    """A CRM mapping file that cannot be used; the message says where and what to fix."""


class RowKind(enum.StrEnum):
    """What one row of a load file stands for."""

    ACCOUNTS = "accounts"  # one per account
    CONTACTS = "contacts"  # one per contact of each account
    OPPORTUNITIES = "opportunities"  # one per account with a dated purchase horizon
    FLEET = "fleet"  # one per fleet line (brand, tonnage class) of each account


OPPORTUNITY_HORIZONS = ("3", "6", "12")  # months; "none" makes no opportunity

_COMMON = {
    "row_id": "Number of the row in its file, from 1 (EIM's ROW_ID: unique within the batch)",
    "batch_number": "Load batch of this salesperson in this wave (EIM's IF_ROW_BATCH_NUM)",
    "wave.id": "Wave number",
    "wave.label": "Wave label",
    "wave.confirmed_on": "Date the wave was confirmed (YYYY-MM-DD)",
    "salesperson.code": "Salesperson's code: their CRM login / position name",
    "salesperson.full_name": "Salesperson's name",
    "salesperson.email": "Salesperson's email",
    "salesperson.dealer_code": "Code of the salesperson's dealer",
    "salesperson.dealer_name": "Name of the salesperson's dealer",
    "salesperson.zone_code": "Code of the salesperson's zone",
    "salesperson.zone_name": "Name of the salesperson's zone",
}
_ACCOUNT = {
    "account.key": "Account's stable key: its external id in the CRM",
    "account.company_name": "Company name",
    "account.legal_form": "Legal form (S.r.l., S.p.A. ...)",
    "account.vat_number": "VAT number (partita IVA)",
    "account.tax_code": "Tax code (codice fiscale)",
    "account.street": "Street",
    "account.house_number": "House number",
    "account.address_line": 'Street and house number in one ("Via Roma 12")',
    "account.postcode": "Postcode (CAP)",
    "account.municipality": "Municipality",
    "account.province": "Province code (MI, TO ...)",
    "account.istat_code": "ISTAT code of the municipality",
    "account.phone": "Main phone: the first one, E.164 where valid (+39...)",
    "account.phones": 'All phones, separated by ", "',
    "account.email": "Company email",
    "account.tonnage_class": "Tonnage class code (lt_3_5, 3_5_7_5, 7_5_16, gt_16)",
    "account.fleet_total": "Vehicles in the fleet, all brands",
    "account.fleet_summary": 'Fleet by brand, largest first ("IVECO 12, Volvo 3")',
    "account.horizon": "Purchase horizon: 3, 6, 12 or none",
    "account.notes": "Notes of the account and of the qualifying call",
    "account.qualified_at": "When the account was qualified (UTC, YYYY-MM-DDTHH:MM:SSZ)",
    "account.agent_name": "Agent who qualified the account",
    "account.campaign_code": "Code of the qualifying campaign",
    "account.zone_code": "Code of the account's zone",
    "account.dealer_code": "Code of the dealer the account is assigned to",
    "account.dealer_name": "Name of the dealer the account is assigned to",
}
_CONTACT = {
    "contact.key": 'Contact\'s external id: the account key and its number ("K00042-C1")',
    "contact.number": "Contact's number within the account, from 1 (1: purchasing manager)",
    "contact.full_name": "Contact's name as captured",
    "contact.first_name": "Given name(s): the name without its title and surname",
    "contact.last_name": "Surname: the last word, with a particle before it (De, Di, La ...)",
    "contact.job_title": "Job title",
    "contact.phone": "Contact's phone",
    "contact.email": "Contact's email",
    "contact.is_purchasing_manager": "Y for the purchasing manager, else N",
}
_OPPORTUNITY = {
    "opportunity.key": 'Opportunity\'s external id: account key and wave ("K00042-W7")',
    "opportunity.horizon_months": "Purchase horizon in months: 3, 6 or 12",
    "opportunity.vehicle_kind": "Kind of vehicle to buy",
    "opportunity.quantity": "Vehicles to buy",
    "opportunity.close_date": "Expected close: wave confirmation date + horizon months",
    "opportunity.notes": "Opportunity notes",
}
_FLEET = {
    "fleet.brand": "Brand of the fleet line",
    "fleet.vehicles": "Vehicles of that brand (and class)",
    "fleet.tonnage_class": "Tonnage class code of the fleet line",
}
FIELDS: dict[str, str] = {**_COMMON, **_ACCOUNT, **_CONTACT, **_OPPORTUNITY, **_FLEET}
_OWN_FIELDS = {
    RowKind.ACCOUNTS: {},
    RowKind.CONTACTS: _CONTACT,
    RowKind.OPPORTUNITIES: _OPPORTUNITY,
    RowKind.FLEET: _FLEET,
}


def fields_for(kind: RowKind) -> frozenset[str]:
    """The placeholders a file whose rows are ``kind`` can use."""
    return frozenset(_COMMON) | frozenset(_ACCOUNT) | frozenset(_OWN_FIELDS[kind])


@dataclass(frozen=True)
class Template:
    """A cell's text: ``parts`` are (literal, field or None) pairs, in order."""

    parts: tuple[tuple[str, str | None], ...]

    def render(self, values: Mapping[str, Any]) -> str:
        return "".join(
            literal + (cell_text(values[field]) if field is not None else "")
            for literal, field in self.parts
        )


@dataclass(frozen=True)
class Column:
    name: str
    template: Template


@dataclass(frozen=True)
class CrmFile:
    name: str
    rows: RowKind
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class CrmMapping:
    """A checked mapping: frozen and hashable, so a caller may cache it."""

    name: str
    delimiter: str
    encoding: str
    bom: bool
    files: tuple[CrmFile, ...]


# Loading and checking ----------------------------------------------------------------------

_TOP_KEYS = ("name", "delimiter", "encoding", "bom", "files")
_FILE_KEYS = ("name", "rows", "columns")


def load_mapping(path: Path) -> CrmMapping:
    """The mapping in the TOML file at ``path``, checked whole; ``MappingError`` if unusable."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise MappingError(
            f"{path}: no such CRM mapping file; point QUALIFICA_CRM_MAPPING at a .toml file"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot be read as UTF-8 text: {exc}") from exc
    return _mapping(data, str(path))


def _mapping(data: dict[str, Any], where: str) -> CrmMapping:
    _known_keys(data, _TOP_KEYS, where)
    name = _text(data, "name", where)
    delimiter = data.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise MappingError(
            f"{where}: delimiter must be one character other than a quote or a line break "
            f'(such as "," or ";"), not {delimiter!r}'
        )
    encoding = _encoding(data.get("encoding", "utf-8"), where)
    bom = data.get("bom", False)
    if not isinstance(bom, bool):
        raise MappingError(f"{where}: bom must be true or false, not {bom!r}")
    if bom and encoding != "utf-8":
        raise MappingError(f'{where}: bom = true needs encoding = "utf-8", not {encoding!r}')
    entries = data.get("files")
    if not isinstance(entries, list) or not entries:
        raise MappingError(f"{where}: no [[files]] tables: describe at least one file")
    files = tuple(_file(entry, n, where) for n, entry in enumerate(entries, start=1))
    seen = Counter(crm_file.name.casefold() for crm_file in files)
    if twice := [f.name for f in files if seen[f.name.casefold()] > 1]:
        raise MappingError(f'{where}: file name "{twice[0]}" is used by more than one [[files]]')
    return CrmMapping(name, delimiter, encoding, bom, files)


def _encoding(value: Any, where: str) -> str:
    """The codec's canonical name ("UTF8" -> "utf-8"), if it encodes text."""
    try:
        "".encode(value)  # LookupError for unknown and bytes-to-bytes codecs (rot13)
        return codecs.lookup(value).name
    except (LookupError, TypeError):
        raise MappingError(f'{where}: unknown text encoding {value!r}; use "utf-8"') from None


def _file(entry: Any, number: int, where: str) -> CrmFile:
    place = f"{where}: [[files]] number {number}"
    if not isinstance(entry, dict):
        raise MappingError(f"{place}: must be a table with name, rows and columns")
    _known_keys(entry, _FILE_KEYS, place)
    name = _text(entry, "name", place)
    if name != Path(name).name or "\\" in name or name in (".", ".."):
        raise MappingError(f"{place}: name {name!r} must be a plain file name, without folders")
    place = f'{where}: file "{name}"'
    rows = entry.get("rows")
    if rows not in [kind.value for kind in RowKind]:
        kinds = ", ".join(kind.value for kind in RowKind)
        raise MappingError(f"{place}: rows must be one of {kinds}; not {rows!r}")
    kind = RowKind(rows)
    pairs = entry.get("columns")
    if not isinstance(pairs, list) or not pairs:
        raise MappingError(f'{place}: no columns: write columns = [["HEADER", "{{field}}"], ...]')
    columns = tuple(_column(pair, kind, place) for pair in pairs)
    seen = Counter(column.name.casefold() for column in columns)
    if twice := [column.name for column in columns if seen[column.name.casefold()] > 1]:
        raise MappingError(f'{place}: column "{twice[0]}" appears more than once')
    return CrmFile(name, kind, columns)


def _column(pair: Any, kind: RowKind, place: str) -> Column:
    if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
        raise MappingError(f'{place}: column {pair!r} must be a pair ["HEADER", "template"]')
    name, text = pair[0].strip(), pair[1]
    if not name:
        raise MappingError(f"{place}: a column has an empty header (template {text!r})")
    return Column(name, _template(text, kind, f'{place}, column "{name}"'))


def _template(text: str, kind: RowKind, place: str) -> Template:
    """``text`` parsed by the standard library's format-string parser, its fields checked."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise MappingError(f"{place}: {exc} in {text!r}; write {{{{ or }}}} for a brace") from exc
    parts = []
    for literal, field, spec, conversion in parsed:
        if field is not None:
            if spec or conversion:
                raise MappingError(f"{place}: {{{field}}} may not carry a format or conversion")
            _check_field(field, kind, place)
        parts.append((literal, field))
    return Template(tuple(parts))


def _check_field(field: str, kind: RowKind, place: str) -> None:
    if field in fields_for(kind):
        return
    if field in FIELDS:
        owners = ", ".join(k.value for k in RowKind if field in fields_for(k))
        raise MappingError(
            f'{place}: field "{field}" is not available when rows = "{kind}" (only {owners})'
        )
    close = difflib.get_close_matches(field, sorted(fields_for(kind)), n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    raise MappingError(
        f'{place}: unknown field "{{{field}}}"{hint}; the fields are listed in '
        "docs/exports.md, CRM load files"
    )


def _known_keys(table: dict[str, Any], known: tuple[str, ...], place: str) -> None:
    if unknown := sorted(set(table) - set(known)):
        raise MappingError(f"{place}: unknown key {unknown[0]!r}; the keys are {', '.join(known)}")


def _text(table: dict[str, Any], key: str, place: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{place}: {key} is missing or empty (a text is expected)")
    return value.strip()


# Values ------------------------------------------------------------------------------------

_TITLES = frozenset({
    "sig.", "sig.ra", "sig.na", "dott.", "dott.ssa", "dr.", "ing.", "geom.", "rag.", "avv.",
    "arch.", "prof.", "prof.ssa",
})  # fmt: skip
_PARTICLES = frozenset({
    "d'", "da", "dal", "dalla", "dalle", "de", "dei", "del", "della", "delle", "dello", "degli",
    "di", "la", "le", "li", "lo",
})  # fmt: skip


def split_name(full_name: str) -> tuple[str, str]:
    """(given names, surname) of an Italian name written given name first.

    Leading titles (Dott., Ing., Sig.ra ...) are dropped; the surname is the last word with
    the particles just before it ("Mario De Luca" -> "Mario", "De Luca"); a single word is
    a surname. Names written surname first cannot be told apart and are split the same way.
    """
    words = full_name.split()
    while len(words) > 1 and words[0].casefold() in _TITLES:
        words = words[1:]
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].casefold() in _PARTICLES:
        cut -= 1
    cut = max(cut, 0)
    return " ".join(words[:cut]), " ".join(words[cut:])


def add_months(day: date, months: int) -> date:
    """``day`` moved on ``months`` calendar months, clamped to the end of a shorter month
    (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cell_text(value: Any) -> str:
    """A value as CSV text: None empty, flags Y/N, dates ISO, datetimes ISO in UTC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fleet_summary(fleet: tuple[FleetItem, ...]) -> str:
    """Vehicles by brand, most first, then by name: "IVECO 12, Volvo 3"."""
    by_brand: Counter[str] = Counter()
    for item in fleet:
        by_brand[item.brand] += item.vehicles
    ordered = sorted(by_brand.items(), key=lambda pair: (-pair[1], pair[0].casefold()))
    return ", ".join(f"{brand} {vehicles}" for brand, vehicles in ordered)


def _common_values(pack: Pack, batch_number: int) -> dict[str, Any]:
    person, wave = pack.recipient, pack.wave
    return {
        "batch_number": batch_number,
        "wave.id": wave.id,
        "wave.label": wave.label,
        "wave.confirmed_on": wave.confirmed_on,
        "salesperson.code": person.code,
        "salesperson.full_name": person.full_name,
        "salesperson.email": person.email,
        "salesperson.dealer_code": person.dealer_code,
        "salesperson.dealer_name": person.dealer_name,
        "salesperson.zone_code": person.zone_code,
        "salesperson.zone_name": person.zone_name,
    }


# The account fields worked out below; every other one is the sheet's attribute of that name.
_DERIVED = ("account.address_line", "account.phone", "account.phones", "account.fleet_summary")
_SHEET_ATTRIBUTES = tuple(f.removeprefix("account.") for f in _ACCOUNT if f not in _DERIVED)


def _account_values(sheet: AccountSheet) -> dict[str, Any]:
    address = " ".join(part for part in (sheet.street, sheet.house_number) if part)
    return {f"account.{name}": getattr(sheet, name) for name in _SHEET_ATTRIBUTES} | {
        "account.address_line": address or None,
        "account.phone": sheet.phones[0] if sheet.phones else None,
        "account.phones": ", ".join(sheet.phones) or None,
        "account.fleet_summary": fleet_summary(sheet.fleet) or None,
    }


def _contact_rows(sheet: AccountSheet, wave: WaveInfo) -> Iterator[dict[str, Any]]:
    for number, contact in enumerate(sheet.contacts, start=1):
        first, last = split_name(contact.full_name)
        yield {
            "contact.key": f"{sheet.key}-C{number}",
            "contact.number": number,
            "contact.full_name": contact.full_name,
            "contact.first_name": first or None,
            "contact.last_name": last or None,
            "contact.job_title": contact.job_title,
            "contact.phone": contact.phone,
            "contact.email": contact.email,
            "contact.is_purchasing_manager": contact.is_purchasing_manager,
        }


def _opportunity_rows(sheet: AccountSheet, wave: WaveInfo) -> Iterator[dict[str, Any]]:
    if sheet.horizon in OPPORTUNITY_HORIZONS:
        months = int(sheet.horizon)
        yield {
            "opportunity.key": f"{sheet.key}-W{wave.id}",
            "opportunity.horizon_months": months,
            "opportunity.vehicle_kind": sheet.vehicle_kind,
            "opportunity.quantity": sheet.quantity,
            "opportunity.close_date": add_months(wave.confirmed_on, months),
            "opportunity.notes": sheet.opportunity_notes,
        }


def _fleet_rows(sheet: AccountSheet, wave: WaveInfo) -> Iterator[dict[str, Any]]:
    for item in sheet.fleet:
        yield {
            "fleet.brand": item.brand,
            "fleet.vehicles": item.vehicles,
            "fleet.tonnage_class": item.tonnage_class,
        }


def _account_rows(sheet: AccountSheet, wave: WaveInfo) -> Iterator[dict[str, Any]]:
    yield {}


_ROWS: dict[RowKind, Callable[[AccountSheet, WaveInfo], Iterator[dict[str, Any]]]] = {
    RowKind.ACCOUNTS: _account_rows,
    RowKind.CONTACTS: _contact_rows,
    RowKind.OPPORTUNITIES: _opportunity_rows,
    RowKind.FLEET: _fleet_rows,
}


# Writing -----------------------------------------------------------------------------------


def crm_files(mapping: CrmMapping, pack: Pack, batch_number: int) -> dict[str, bytes]:
    """{file name: CSV bytes} of one salesperson's pack, in the mapping's order."""
    common = _common_values(pack, batch_number)
    accounts = [(sheet, common | _account_values(sheet)) for sheet in pack.sheets]
    files = {}
    for crm_file in mapping.files:
        rows = (
            account | own
            for sheet, account in accounts
            for own in _ROWS[crm_file.rows](sheet, pack.wave)
        )
        files[crm_file.name] = _csv(mapping, crm_file, rows)
    return files


def _csv(mapping: CrmMapping, crm_file: CrmFile, rows: Iterator[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=mapping.delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(column.name) for column in crm_file.columns])
    for row_id, values in enumerate(rows, start=1):
        values["row_id"] = row_id
        writer.writerow([neutralise(c.template.render(values)) for c in crm_file.columns])
    text = ("\ufeff" if mapping.bom else "") + buffer.getvalue()
    try:
        return text.encode(mapping.encoding)
    except UnicodeEncodeError as exc:
        raise MappingError(
            f'CRM mapping "{mapping.name}", file "{crm_file.name}": '
            f"{exc.object[exc.start : exc.end]!r} cannot be written in {mapping.encoding}; "
            'use encoding = "utf-8"'
        ) from exc
