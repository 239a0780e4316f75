"""CRM load files: one salesperson's pack as the CSV files its mapping describes
(``crm_mapping``), one row per account, contact, opportunity, fleet line or site.

Each row is a flat dict of plain values, the account's (and the wave's and the
salesperson's) under the row's own; a column's template picks from it. The bytes depend
only on the mapping, the pack and the batch number.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from app.distribution.sheets import AccountSheet, FleetItem, Pack, SiteItem, WaveInfo
from app.distribution.writers.crm_mapping import (
    ACCOUNT_FIELDS,
    OPPORTUNITY_HORIZONS,
    Column,
    CrmFile,
    CrmMapping,
    MappingError,
    RowKind,
)
from app.distribution.writers.values import code, other_sites, shown, site_label
from app.spreadsheets.safety import neutralise

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
_DERIVED = (
    "account.street",
    "account.house_number",
    "account.address_line",
    "account.phone",
    "account.phones",
    "account.fleet_summary",
    "account.tonnage_class_label",
    "account.horizon_label",
    "account.site",
    "account.site_label",
    "account.other_sites",
)
_SHEET_ATTRIBUTES = tuple(f.removeprefix("account.") for f in ACCOUNT_FIELDS if f not in _DERIVED)


def _account_values(sheet: AccountSheet) -> dict[str, Any]:
    street, house_number = sheet.address
    return {f"account.{name}": getattr(sheet, name) for name in _SHEET_ATTRIBUTES} | {
        "account.street": street,
        "account.house_number": house_number,
        "account.address_line": sheet.address_line,
        "account.phone": sheet.phones[0] if sheet.phones else None,
        "account.phones": ", ".join(sheet.phones) or None,
        "account.fleet_summary": fleet_summary(sheet.fleet) or None,
        "account.tonnage_class_label": shown(sheet, "tonnage_class", sheet.tonnage_class),
        "account.horizon_label": shown(sheet, "horizon", sheet.horizon),
        "account.site": "head_office" if sheet.head_office else "other_site",
        "account.site_label": site_label(sheet),
        "account.other_sites": other_sites(sheet, for_people=False),
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
            "contact.job_title": code(sheet, "job_title", contact.job_title),
            "contact.job_title_label": shown(sheet, "job_title", contact.job_title),
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
            "opportunity.vehicle_kind": code(sheet, "vehicle_kind", sheet.vehicle_kind),
            "opportunity.vehicle_kind_label": shown(sheet, "vehicle_kind", sheet.vehicle_kind),
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
            "fleet.tonnage_class_label": shown(sheet, "tonnage_class", item.tonnage_class),
        }


def _account_rows(sheet: AccountSheet, wave: WaveInfo) -> Iterator[dict[str, Any]]:
    yield {}


def _site_rows(sheet: AccountSheet, wave: WaveInfo) -> Iterator[dict[str, Any]]:
    here = SiteItem(
        sheet.street, sheet.house_number, sheet.postcode, sheet.municipality, sheet.province,
        sheet.istat_code, sheet.head_office, sheet.site_phones,
    )  # fmt: skip
    for number, site in enumerate((here, *sheet.other_sites), start=1):
        street, house_number = site.address
        yield {
            "site.key": f"{sheet.key}-S{number}",
            "site.number": number,
            "site.is_qualified": number == 1,
            "site.is_head_office": site.head_office,
            "site.street": street,
            "site.house_number": house_number,
            "site.address_line": " ".join(p for p in (street, house_number) if p) or None,
            "site.postcode": site.postcode,
            "site.municipality": site.municipality,
            "site.province": site.province,
            "site.istat_code": site.istat_code,
            "site.phone": site.phones[0] if site.phones else None,
            "site.phones": ", ".join(site.phones) or None,
        }


_ROWS: dict[RowKind, Callable[[AccountSheet, WaveInfo], Iterator[dict[str, Any]]]] = {
    RowKind.ACCOUNTS: _account_rows,
    RowKind.CONTACTS: _contact_rows,
    RowKind.OPPORTUNITIES: _opportunity_rows,
    RowKind.FLEET: _fleet_rows,
    RowKind.SITES: _site_rows,
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


def _cell(column: Column, values: dict[str, Any]) -> str:
    """The column's text as stored: a CRM load is data for a program, never altered, unless
    the mapping asks for a formula guard on this column."""
    text = column.template.render(values)
    return neutralise(text) if column.guard else text


def _csv(mapping: CrmMapping, crm_file: CrmFile, rows: Iterator[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=mapping.delimiter, lineterminator="\r\n")
    writer.writerow([column.name for column in crm_file.columns])
    for row_id, values in enumerate(rows, start=1):
        values["row_id"] = row_id
        writer.writerow([_cell(c, values) for c in crm_file.columns])
    text = ("\ufeff" if mapping.bom else "") + buffer.getvalue()
    try:
        return text.encode(mapping.encoding)
    except UnicodeEncodeError as exc:
        raise MappingError(
            f'CRM mapping "{mapping.name}", file "{crm_file.name}": '
            f"{exc.object[exc.start : exc.end]!r} cannot be written in {mapping.encoding}; "
            'use encoding = "utf-8"'
        ) from exc
