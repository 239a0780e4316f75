"""Interface names of the account's values (status, tonnage, phones, purchase horizon,
sources) and of the reasons normalisation and de-duplication give, translated by
Flask-Babel. ``TEMPLATE_HELPERS`` is what templates see (``create_app`` collects them)."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from app.accounts.models import Horizon, PhoneKind, TonnageClass
from app.accounts.names import company_display
from app.accounts.status import AccountStatus

TONNAGE_LABELS = {
    TonnageClass.LIGHT: _l("up to 3.5 t"),
    TonnageClass.MEDIUM: _l("3.5 to 7.5 t"),
    TonnageClass.HEAVY: _l("7.5 to 16 t"),
    TonnageClass.EXTRA_HEAVY: _l("over 16 t"),
}

PHONE_KIND_LABELS = {
    PhoneKind.FIXED: _l("landline"),
    PhoneKind.MOBILE: _l("mobile"),
    PhoneKind.OTHER: _l("phone"),
    PhoneKind.INVALID: _l("not valid"),
    PhoneKind.SPECIAL: _l("not callable (premium or special)"),
}

HORIZON_LABELS = {
    Horizon.M3: _l("within 3 months"),
    Horizon.M6: _l("within 6 months"),
    Horizon.M12: _l("within 12 months"),
    Horizon.NONE: _l("no purchase planned"),
}

STATUS_LABELS = {
    AccountStatus.NEW: _l("New"),
    AccountStatus.TO_REVIEW: _l("To review"),
    AccountStatus.READY: _l("Ready"),
    AccountStatus.QUEUED: _l("Queued"),
    AccountStatus.IN_CALL: _l("In a call"),
    AccountStatus.CALLBACK: _l("Callback"),
    AccountStatus.QUALIFIED: _l("Qualified"),
    AccountStatus.NOT_INTERESTED: _l("Not interested"),
    AccountStatus.UNREACHABLE: _l("Unreachable"),
    AccountStatus.INVALID: _l("Invalid"),
    AccountStatus.DO_NOT_CALL: _l("Do not call"),
    AccountStatus.DISTRIBUTED: _l("Distributed"),
    AccountStatus.MERGED: _l("Merged"),
}

SOURCE_KIND_LABELS = {
    "customer_base": _l("Customer base"),
    "warranty": _l("Warranty file"),
    "financing": _l("Financing file"),
    "purchased_list": _l("Purchased list"),
    "demo": _l("Demo data"),
    "api": _l("Sent by an integration"),
    "external": _l("External normalisation"),
    "card": _l("Paper card"),
}

# What normalisation did or doubted, and the evidence of a duplicate pair, by reason code.
REASON_LABELS = {
    "company_name_missing": _l("no company name"),
    "not_an_object": _l("not a JSON object"),
    "unknown_field": _l("a field that is no account field"),
    "value_not_text": _l("a value that is neither text nor a number"),
    "external_id_repeated": _l("an external id given twice in one request"),
    "value_too_long": _l("a value too long for its field: shorten it in the file"),
    "name_tidied": _l("name tidied (case, spaces, punctuation)"),
    "legal_form_taken_from_name": _l("legal form taken out of the name"),
    "legal_form_normalised": _l("legal form written the standard way"),
    "legal_form_unknown": _l("legal form not recognised"),
    "legal_form_conflicts_with_name": _l("legal form differs from the one in the name"),
    "street_tidied": _l("street tidied"),
    "street_type_expanded": _l("street type written out (V. → VIA)"),
    "house_number_split": _l("house number taken apart"),
    "postcode_tidied": _l("postcode tidied"),
    "postcode_leading_zeros_restored": _l("postcode: lost leading zeros restored"),
    "postcode_not_digits": _l("postcode is not made of digits"),
    "postcode_wrong_length": _l("postcode does not have five digits"),
    "postcode_not_of_municipality": _l("postcode does not belong to the municipality"),
    "postcode_from_municipality": _l("postcode filled from the municipality"),
    "province_tidied": _l("province code tidied"),
    "province_name_to_code": _l("province name replaced by its code"),
    "province_unknown": _l("province not recognised"),
    "province_from_municipality": _l("province filled from the municipality"),
    "province_not_of_municipality": _l(
        "province differs from the municipality's: the municipality's written"
    ),
    "municipality_matched_exact": _l("municipality matched to its ISTAT code"),
    "municipality_matched_fuzzy": _l("municipality matched despite a spelling mistake"),
    "municipality_matched_shortened": _l("municipality matched from a shortened name"),
    "municipality_ambiguous": _l("municipality name shared by several comuni"),
    "municipality_not_found": _l("municipality not found"),
    "municipality_province_conflict": _l("municipality not in the province given"),
    "vat_tidied": _l("VAT number tidied"),
    "vat_leading_zeros_restored": _l("VAT number: lost leading zeros restored"),
    "vat_check_digit_wrong": _l("VAT number: wrong check digit"),
    "vat_wrong_length": _l("VAT number: wrong length"),
    "vat_not_digits": _l("VAT number: not digits"),
    "vat_office_code_invalid": _l("VAT number: invalid office code"),
    "vat_invalid": _l("VAT number not valid"),
    "tax_code_in_vat_column": _l("tax code found in the VAT column"),
    "tax_code_tidied": _l("tax code tidied"),
    "tax_code_invalid": _l("tax code not valid"),
    "email_tidied": _l("email tidied"),
    "email_invalid": _l("email not valid"),
    "phone_invalid": _l("phone number not valid"),
    "phone_leading_zero_restored": _l(
        "phone: lost leading zero restored (a landline of the account's province)"
    ),
    "phone_not_callable": _l("phone number premium or special: never called"),
    "phone_mobile_or_landline": _l(
        "phone: a mobile, or a landline of another province that lost its 0"
    ),
    "phone_mobile_too_short": _l("phone: a nine-digit mobile outside TIM's old numbers"),
    "vehicle_count_invalid": _l("number of vehicles not a number"),
    "tonnage_class_unknown": _l("tonnage class not recognised"),
    "last_purchase_invalid": _l("purchase date not understood"),
    "horizon_unknown": _l("purchase horizon not understood: no opportunity written"),
    "qualified_on_invalid": _l("qualification date not understood"),
    "contact_email_invalid": _l("contact's email not valid"),
    "desk_value_newer": _l("a call captured a newer value: the file's was not written"),
    "unknown_salesperson": _l("salesperson code not found: no owner set"),
    "inactive_salesperson": _l("salesperson no longer active: no owner set"),
    "corrected_in_review": _l("corrected by a person"),
    "review_undone": _l("correction undone by a person"),
    "same_vat": _l("same VAT number"),
    "different_vat": _l("different VAT numbers"),
    "different_vat_written": _l("VAT numbers far apart (one not valid)"),
    "same_tax_code": _l("same tax code"),
    "different_tax_code": _l("different tax codes"),
    "same_phone": _l("same phone number"),
    "same_email": _l("same email"),
    "same_municipality": _l("same municipality"),
    "different_municipality": _l("different municipalities"),
    "same_postcode": _l("same postcode"),
    "same_street": _l("same address"),
    "similar_name": _l("similar name"),
    "same_vat_nothing_else_agrees": _l("same VAT, nothing else agrees"),
    "different_house_number": _l("different house numbers"),
    "different_phone": _l("different phone numbers"),
    "different_postcode": _l("different postcodes"),
    "municipality_conflict": _l(
        "another row of this company gives another municipality (kept as one of its sites)"
    ),
    "address_conflict": _l(
        "another row of this company gives another address (kept as one of its sites)"
    ),
    # The external data company's file (``app.external``, docs/imports.md).
    "external_normalisation": _l("external normalisation"),
    "external_wrong": _l("marked wrong by the external data company"),
    "unknown_verdict": _l("ESITO not understood"),
    "account_anonymised": _l("the account was anonymised: its data is not filled in again"),
    "account_merged": _l("the account was merged into another"),
    "cannot_close": _l("the account cannot be closed in its present status"),
    "account_in_call": _l("an agent is calling the company right now: the account stays as it is"),
    "istat_not_of_municipality": _l("ISTAT code not of the municipality"),
    # A paper card typed by hand and validated by a second person (``app.cards``).
    "manual_entry": _l("typed from a paper card"),
}


def status_label(status: AccountStatus | str) -> str:
    return str(STATUS_LABELS[AccountStatus(status)])


def tonnage_label(value: TonnageClass | str) -> str:
    return str(TONNAGE_LABELS[TonnageClass(value)])


def tonnage_options() -> list[tuple[str, str]]:
    """(code, label) of each tonnage class, made once for a select repeated row after row."""
    return [(value.value, tonnage_label(value)) for value in TonnageClass]


def phone_kind_label(value: PhoneKind | str) -> str:
    return str(PHONE_KIND_LABELS[PhoneKind(value)])


def horizon_label(value: Horizon | str) -> str:
    return str(HORIZON_LABELS[Horizon(value)])


def source_kind_label(kind: str) -> str:
    return str(SOURCE_KIND_LABELS.get(str(kind), kind))


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code.replace("_", " ")))


TEMPLATE_HELPERS: dict[str, Callable[..., object]] = {
    "company_display": company_display,
    "status_label": status_label,
    "tonnage_label": tonnage_label,
    "tonnage_options": tonnage_options,
    "phone_kind_label": phone_kind_label,
    "horizon_label": horizon_label,
    "source_kind_label": source_kind_label,
    "reason_label": reason_label,
}
