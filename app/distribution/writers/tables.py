"""A salesperson's accounts as one table: the XLSX workbook and the same as CSV.

One row per account with everything captured; the fleet gets one column per brand found
in the pack (vehicles), after its total, so the salesperson can filter and sort by brand.
The address is the site the call qualified; "Site" says which, "Other sites" lists the rest.
Labels follow the locale the export was asked in (call inside ``force_locale``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from app.accounts.names import written_parts
from app.accounts.phones import format_national
from app.distribution.result_terms import OUTCOME_LABELS, REASON_LABELS, result_headers
from app.distribution.sheets import AccountSheet, Pack
from app.distribution.writers.values import other_sites, shown, site_label
from app.spreadsheets.downloads import Validation, csv_bytes, xlsx_bytes


def local_time(moment: datetime | None) -> datetime | None:
    """A UTC moment in the subsidiary's time zone, as spreadsheets show it (no zone)."""
    if moment is None:
        return None
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return moment.astimezone(zone).replace(tzinfo=None)


def _by_brand(sheet: AccountSheet) -> dict[str, int]:
    """Vehicles by brand as people read the brand (``shown``)."""
    by_brand: dict[str, int] = {}
    for item in sheet.fleet:
        brand = shown(sheet, "brand", item.brand) or item.brand
        by_brand[brand] = by_brand.get(brand, 0) + item.vehicles
    return by_brand


def _brands(pack: Pack) -> list[str]:
    return sorted({brand for sheet in pack.sheets for brand in _by_brand(sheet)}, key=str.casefold)


def header(pack: Pack) -> list[str]:
    fixed = [
        _("Wave"), _("Salesperson"), _("Account key"), _("Company"), _("Legal form"),
        _("VAT number"), _("Tax code"), _("Street"), _("House number"), _("Postcode"),
        _("Municipality"), _("Province"), _("ISTAT code"), _("Site"), _("Other sites"),
        _("Phones"), _("Email"),
        _("Tonnage class"), _("Vehicles in fleet"),
    ]  # fmt: skip
    brands = [_("Fleet: %(brand)s", brand=brand) for brand in _brands(pack)]
    tail = [
        _("Purchasing manager"), _("Job title"), _("Contact phone"), _("Contact email"),
        _("Other contacts"), _("Purchase horizon"), _("Horizon (months)"), _("Vehicle kind"),
        _("Quantity"), _("Opportunity notes"), _("Notes"), _("Qualified on"),
        _("Qualified by"), _("Campaign"), _("Dealer"), _("Zone"),
    ]  # fmt: skip
    return fixed + brands + tail


def row(pack: Pack, sheet: AccountSheet, brands: list[str]) -> list[Any]:
    by_brand = _by_brand(sheet)
    manager = sheet.purchasing_manager
    company, form = written_parts(sheet.company_name, sheet.legal_form)
    others = "; ".join(
        " ".join(p for p in (c.full_name, _role(sheet, c.job_title), format_national(c.phone)) if p)
        for c in sheet.contacts[1:]
    )
    return [
        pack.wave.label,
        f"{pack.recipient.code} {pack.recipient.full_name}",
        sheet.key,
        company,
        form,
        sheet.vat_number,
        sheet.tax_code,
        *sheet.written_address,
        sheet.postcode,
        sheet.municipality,
        sheet.province,
        sheet.istat_code,
        site_label(sheet),
        other_sites(sheet, for_people=True),
        ", ".join(format_national(phone) for phone in sheet.phones) or None,
        sheet.email,
        shown(sheet, "tonnage_class", sheet.tonnage_class),
        sheet.fleet_total if sheet.fleet else None,
        *[by_brand.get(brand) for brand in brands],
        manager.full_name if manager else None,
        shown(sheet, "job_title", manager.job_title) if manager else None,
        format_national(manager.phone) or None if manager else None,
        manager.email if manager else None,
        others or None,
        shown(sheet, "horizon", sheet.horizon),
        int(sheet.horizon) if sheet.horizon.isdigit() else None,
        shown(sheet, "vehicle_kind", sheet.vehicle_kind),
        sheet.quantity,
        sheet.opportunity_notes,
        sheet.notes,
        _qualified_on(sheet),
        sheet.agent_name,
        sheet.campaign_code,
        " ".join(p for p in (sheet.dealer_code, sheet.dealer_name) if p) or None,
        sheet.zone_code,
    ]


def _qualified_on(sheet: AccountSheet) -> datetime | date | None:
    """When the call qualified it; for an earlier action's result, the day alone."""
    moment = local_time(sheet.qualified_at)
    return moment.date() if moment is not None and sheet.qualified_on_day else moment


def _role(sheet: AccountSheet, job_title: str | None) -> str | None:
    role = shown(sheet, "job_title", job_title)
    return f"({role})" if role else None


def rows(pack: Pack) -> list[list[Any]]:
    brands = _brands(pack)
    return [header(pack)] + [row(pack, sheet, brands) for sheet in pack.sheets]


def pack_xlsx(pack: Pack) -> bytes:
    """The table, then the result columns the salesperson fills and sends back: the result
    from a list, its date, for a sale the vehicles and their value, for a loss the reason
    from a list (``result_terms``). Nothing typed there is ever evaluated: reading the file
    back refuses formulas (``app.spreadsheets.reading``)."""
    table = rows(pack)
    first = len(table[0])
    table[0] = table[0] + result_headers()
    return xlsx_bytes(table, _("Accounts"), created=_stamp(pack), validations=_result_rules(first))


def _result_rules(first: int) -> list[Validation]:
    """Data validation of the result columns, which start at column ``first``."""
    outcomes = [str(label) for label in OUTCOME_LABELS.values()]
    reasons = [str(label) for label in REASON_LABELS.values()]
    refused = {"error_title": _("Result"), "show_error": True}
    return [
        Validation(first, {"validate": "list", "source": outcomes, **refused,
                           "error_message": _("Choose a result from the list.")}),
        Validation(first + 1, {"validate": "date", "criteria": ">=",
                               "value": datetime(2000, 1, 1), **refused,
                               "error_message": _("Type a date: day/month/year.")},
                   num_format="dd/mm/yyyy"),
        Validation(first + 2, {"validate": "integer", "criteria": ">=", "value": 1, **refused,
                               "error_message": _("Vehicles sold: a whole number, 1 or more.")}),
        Validation(first + 3, {"validate": "decimal", "criteria": ">=", "value": 0, **refused,
                               "error_message": _("Value sold: an amount in euros, 0 or more.")},
                   num_format="#,##0.00"),
        # A reason from the list, or the salesperson's own words: a warning, not a refusal.
        Validation(first + 4, {"validate": "list", "source": reasons, "error_type": "warning"}),
    ]  # fmt: skip


def pack_csv(pack: Pack) -> bytes:
    return csv_bytes(rows(pack))


def _stamp(pack: Pack) -> datetime:
    day = pack.wave.confirmed_on
    return datetime(day.year, day.month, day.day)
