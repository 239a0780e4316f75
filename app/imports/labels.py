"""Interface names of the fields an import maps columns onto, translated by Flask-Babel."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.labels import reason_label
from app.imports.qualification import PAIRS, brand_fields

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
    # Earlier qualification results.
    "contact_name": _l("Contact: name"),
    "contact_role": _l("Contact: role"),
    "contact_phone": _l("Contact: direct phone"),
    "contact_mobile": _l("Contact: mobile"),
    "contact_email": _l("Contact: email"),
    **{f"brand_{n}": _l("Vehicle brand (%(n)s)", n=n) for n in PAIRS},
    **{f"vehicle_count_{n}": _l("Number of vehicles (%(n)s)", n=n) for n in PAIRS},
    **{
        name: _l("Vehicles of brand %(brand)s", brand=brand)
        for name, brand in brand_fields().items()
    },
    "horizon": _l("Purchase horizon"),
    "vehicle_interest": _l("Vehicle of interest"),
    "qualified_on": _l("Qualified on"),
    "qualified_by": _l("Qualified by (agency or action)"),
    "qualification_notes": _l("Qualification notes"),
    "fleet": _l("Fleet"),  # a doubt on a fleet line (``qualified_rows``)
    # The external data company's file (``app.external``): its note, the derived ISTAT code
    # and the status a closed company takes, as its report names them.
    "external": _l("External data company's note"),
    "istat_code": _l("ISTAT code"),
    "status": _l("Status"),
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
