"""VAT numbers (partita IVA) and tax codes (codice fiscale), checked with python-stdnum.

Stored compact (no "IT" prefix, no spaces). Spreadsheets and Access drop leading zeros, so
a VAT number of fewer than eleven digits is padded back and kept only if the padded
number passes the check digit, with the repair recorded. Sole traders often give their
codice fiscale where a VAT number is expected: it goes to ``tax_code``. Anything invalid
is kept as written and flagged, never dropped.
"""

from __future__ import annotations

from stdnum.exceptions import ValidationError
from stdnum.it import codicefiscale, iva

from app.accounts.normalise.changes import Cleaned, squash


def clean_vat(raw_vat: str | None, raw_tax_code: str | None = None) -> Cleaned:
    """Fill ``vat_number`` and ``tax_code`` from the row's identifier columns."""
    result = Cleaned(values={"vat_number": None, "tax_code": None})
    vat = squash(raw_vat)
    if vat.endswith(".0"):  # a number that went through a spreadsheet as a float
        vat = vat[:-2]
    if vat:
        compact = iva.compact(vat)
        if iva.is_valid(compact):
            result.set("vat_number", raw_vat, compact, "vat_tidied")
        elif compact.isdigit() and len(compact) < 11 and iva.is_valid(compact.zfill(11)):
            result.set("vat_number", raw_vat, compact.zfill(11), "vat_leading_zeros_restored")
        elif codicefiscale.is_valid(codicefiscale.compact(vat)):
            result.set("vat_number", raw_vat, None, "tax_code_in_vat_column")
            result.set("tax_code", None, codicefiscale.compact(vat), "tax_code_in_vat_column")
        else:
            result.values["vat_number"] = raw_vat
            result.flag("vat_number", raw_vat, vat_problem(compact) or "vat_invalid")
    tax = squash(raw_tax_code)
    if tax and not result.values["tax_code"]:
        compact_tax = codicefiscale.compact(tax)
        if codicefiscale.is_valid(compact_tax):
            result.set("tax_code", raw_tax_code, compact_tax, "tax_code_tidied")
        elif iva.is_valid(iva.compact(tax)):  # companies' codice fiscale is their VAT number
            result.set("tax_code", raw_tax_code, iva.compact(tax), "tax_code_tidied")
        else:
            result.values["tax_code"] = raw_tax_code
            result.flag("tax_code", raw_tax_code, "tax_code_invalid")
    return result


def vat_problem(compact: str) -> str | None:
    """Why a compact partita IVA is not valid (a reason code), or None when it is: the
    check of imports and of the agent's desk."""
    try:
        iva.validate(compact)
    except ValidationError as error:
        return {
            "InvalidChecksum": "vat_check_digit_wrong",
            "InvalidLength": "vat_wrong_length",
            "InvalidFormat": "vat_not_digits",
            "InvalidComponent": "vat_office_code_invalid",
        }.get(type(error).__name__, "vat_invalid")
    return None
