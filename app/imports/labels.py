"""Interface names of the fields an import maps columns onto, translated by Flask-Babel."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.labels import reason_label

IMPORT_FIELD_LABELS = {
    "source_id": _l("Code in the source"),
    "company_name": _l("Company name"),
    "legal_form": _l("Legal form"),
    "street": _l("Street"),
    "house_number": _l("House number"),
    "postcode": _l("Postcode (CAP)"),
    "municipality": _l("Municipality"),
    "province": _l("Province"),
    "site_kind": _l("Kind of site (head office, branch)"),
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


def rejection_label(reason: str) -> str:
    """Why a row was refused; "value_too_long:company_name:200" names the field and the
    characters it holds."""
    code, _sep, detail = reason.partition(":")
    field, _sep, limit = detail.partition(":")
    if code == "value_too_long" and field and limit:
        return _(
            "%(field)s: value too long, at most %(limit)s characters; shorten it in the file",
            field=import_field_label(field),
            limit=limit,
        )
    return reason_label(reason)


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {
    "import_field_label": import_field_label,
    "rejection_label": rejection_label,
}
