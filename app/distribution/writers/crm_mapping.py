"""CRM mapping files: how a pack's qualified accounts are laid out as CSV files a CRM can
load (TOML, the ``CRM_MAPPING`` setting; the bundled one is Siebel EIM's).

The mapping names the files, what one row of each file is (an account, a contact, an
opportunity or a fleet line) and its columns as templates: literal text with ``{field}``
placeholders taken from ``FIELDS`` only, resolved from a flat dict of plain values (never
``str.format`` on objects). Another CRM is another mapping file, not new code. A mapping
is checked whole when loaded, so a mistake stops an export before any file is written, with
a message naming the file, the column and the field. ``crm_rows`` writes the files.
"""

from __future__ import annotations

import codecs
import difflib
import enum
import string
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any


class MappingError(ValueError):
    """A CRM mapping file that cannot be used; the message says where and what to fix."""


class RowKind(enum.StrEnum):
    """What one row of a load file stands for."""

    ACCOUNTS = "accounts"  # one per account
    CONTACTS = "contacts"  # one per contact of each account
    OPPORTUNITIES = "opportunities"  # one per account with a dated purchase horizon
    FLEET = "fleet"  # one per fleet line (brand, tonnage class) of each account
    SITES = "sites"  # one per site of each account, the one the call qualified first


GUARD = "guard"  # a column's third element: neutralise its formulas
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
ACCOUNT_FIELDS = {
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
    "account.phone": "Main phone: the site's first, E.164 where valid (+39...)",
    "account.phones": 'All phones, the site\'s first, separated by ", "',
    "account.site": "Which site the address is: head_office, or other_site (the call qualified it)",
    "account.site_label": 'That site in words ("Sede principale", "Altra sede")',
    "account.other_sites": 'The company\'s other sites, "; " between them, with their phones',
    "account.email": "Company email",
    "account.tonnage_class": "Tonnage class code (lt_3_5, 3_5_7_5, 7_5_16, gt_16)",
    "account.tonnage_class_label": "Tonnage class as people read it, in the export's language",
    "account.fleet_total": "Vehicles in the fleet, all brands",
    "account.fleet_summary": 'Fleet by brand, largest first ("IVECO 12, Volvo 3")',
    "account.horizon": "Purchase horizon: 3, 6, 12 or none",
    "account.horizon_label": 'Purchase horizon in words ("entro 3 mesi")',
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
    "contact.job_title": "Job title: the code of the script's choice, or the text as typed",
    "contact.job_title_label": "Job title as people read it (the choice's label)",
    "contact.phone": "Contact's phone",
    "contact.email": "Contact's email",
    "contact.is_purchasing_manager": "Y for the purchasing manager, else N",
}
_OPPORTUNITY = {
    "opportunity.key": 'Opportunity\'s external id: account key and wave ("K00042-W7")',
    "opportunity.horizon_months": "Purchase horizon in months: 3, 6 or 12",
    "opportunity.vehicle_kind": "Kind of vehicle to buy: the script's choice code (tractor_unit)",
    "opportunity.vehicle_kind_label": 'Kind of vehicle as people read it ("Trattore stradale")',
    "opportunity.quantity": "Vehicles to buy",
    "opportunity.close_date": "Expected close: wave confirmation date + horizon months",
    "opportunity.notes": "Opportunity notes",
}
_FLEET = {
    "fleet.brand": "Brand of the fleet line",
    "fleet.vehicles": "Vehicles of that brand (and class)",
    "fleet.tonnage_class": "Tonnage class code of the fleet line",
    "fleet.tonnage_class_label": "Tonnage class of the fleet line, in words",
}
_SITE = {
    "site.key": 'Site\'s external id: account key and its number ("K00042-S1")',
    "site.number": "Site's number within the account, from 1 (1: the one the call qualified)",
    "site.is_qualified": "Y for the site the call qualified (the account's address), else N",
    "site.is_head_office": "Y for the company's head office, else N",
    "site.street": "Site's street",
    "site.house_number": "Site's house number",
    "site.address_line": "Site's street and house number in one",
    "site.postcode": "Site's postcode (CAP)",
    "site.municipality": "Site's municipality",
    "site.province": "Site's province code",
    "site.istat_code": "ISTAT code of the site's municipality",
    "site.phone": "Site's first phone, E.164 where valid",
    "site.phones": 'Site\'s phones, separated by ", "',
}
FIELDS: dict[str, str] = {
    **_COMMON, **ACCOUNT_FIELDS, **_CONTACT, **_OPPORTUNITY, **_FLEET, **_SITE
}  # fmt: skip
_OWN_FIELDS = {
    RowKind.ACCOUNTS: {},
    RowKind.CONTACTS: _CONTACT,
    RowKind.OPPORTUNITIES: _OPPORTUNITY,
    RowKind.FLEET: _FLEET,
    RowKind.SITES: _SITE,
}


def fields_for(kind: RowKind) -> frozenset[str]:
    """The placeholders a file whose rows are ``kind`` can use."""
    return frozenset(_COMMON) | frozenset(ACCOUNT_FIELDS) | frozenset(_OWN_FIELDS[kind])


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
    guard: bool = False  # prefix a value a spreadsheet would run with an apostrophe


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
    """``["HEADER", "template"]``, or ``["HEADER", "template", "guard"]`` for a column the
    CRM shows in a spreadsheet-like grid that would run a formula."""
    if not (
        isinstance(pair, list)
        and len(pair) in (2, 3)
        and all(isinstance(p, str) for p in pair)
        and pair[2:] in ([], [GUARD])
    ):
        raise MappingError(
            f'{place}: column {pair!r} must be ["HEADER", "template"] or '
            f'["HEADER", "template", "{GUARD}"]'
        )
    name, text = pair[0].strip(), pair[1]
    if not name:
        raise MappingError(f"{place}: a column has an empty header (template {text!r})")
    return Column(name, _template(text, kind, f'{place}, column "{name}"'), guard=len(pair) == 3)


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
