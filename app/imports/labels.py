"""Interface names of the fields an import maps columns onto, translated by Flask-Babel."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

IMPORT_FIELD_LABELS = {
    "source_id": _l("Code in the source"),
    "company_name": _l("Company name"),
    "legal_form": _l("Legal form"),
    "street": _l("Street"),
    "house_number": _l("House number"),
    "postcode": _l("Postcode (CAP)"),
    "municipality": _l("Municipality"),
    "province": _l("Province"),
    "vat_number": _l("VAT number"),
    "tax_code": _l("Tax code"),
    "phone": _l("Phone"),
    "phone_2": _l("Second phone"),
    "mobile": _l("Mobile"),
    "email": _l("Email"),
    "tonnage_class": _l("Tonnage class"),
    "vehicle_count": _l("Number of vehicles"),
    "brand": _l("Vehicle brand"),
    "last_purchase": _l("Last purchase"),
    "salesperson": _l("Salesperson code"),
    "notes": _l("Notes"),
}


def import_field_label(field: str) -> str:
    return str(IMPORT_FIELD_LABELS.get(field, field))


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {"import_field_label": import_field_label}
