"""VAT numbers and tax codes, as they arrive from spreadsheets and Access."""

from __future__ import annotations

import pytest

from app.accounts.normalise.identifiers import clean_vat

VALID = "00743110157"  # a real, valid partita IVA (check digit 7)


@pytest.mark.parametrize(
    ("raw", "vat", "reason"),
    [
        (VALID, VALID, None),
        ("IT00743110157", VALID, "vat_tidied"),
        ("IT 007 4311 0157", VALID, "vat_tidied"),
        ("743110157", VALID, "vat_leading_zeros_restored"),  # Excel ate two zeros
        ("743110157.0", VALID, "vat_leading_zeros_restored"),  # ...and made it a float
    ],
)
def test_valid_vat_numbers_are_stored_compact(raw, vat, reason) -> None:
    cleaned = clean_vat(raw)
    assert cleaned.values["vat_number"] == vat and cleaned.flags == []
    assert [c.reason for c in cleaned.changes] == ([reason] if reason else [])


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("00743110158", "vat_check_digit_wrong"),
        ("0074311015", "vat_wrong_length"),  # padded back it fails its check digit: not guessed
        ("IVA SCONOSCIUTA", "vat_not_digits"),
        ("123456789012", "vat_wrong_length"),
    ],
)
def test_invalid_vat_numbers_are_kept_and_flagged(raw, flag) -> None:
    cleaned = clean_vat(raw)
    assert cleaned.values["vat_number"] == raw
    assert [(f.field, f.reason) for f in cleaned.flags] == [("vat_number", flag)]
    assert cleaned.changes == []


def test_a_codice_fiscale_in_the_vat_column_moves_to_tax_code() -> None:
    cleaned = clean_vat("rssmra85t10a562s")
    assert cleaned.values == {"vat_number": None, "tax_code": "RSSMRA85T10A562S"}
    assert [(c.field, c.reason) for c in cleaned.changes] == [
        ("vat_number", "tax_code_in_vat_column"),
        ("tax_code", "tax_code_in_vat_column"),
    ]


@pytest.mark.parametrize(
    ("raw", "tax", "flag"),
    [
        ("RSSMRA85T10A562S", "RSSMRA85T10A562S", None),
        ("rss mra 85t10 a562s", "RSSMRA85T10A562S", None),
        (VALID, VALID, None),  # a company's codice fiscale is its VAT number
        ("RSSMRA85T10A562X", "RSSMRA85T10A562X", "tax_code_invalid"),
    ],
)
def test_tax_codes(raw, tax, flag) -> None:
    cleaned = clean_vat(None, raw)
    assert cleaned.values["tax_code"] == tax
    assert [f.reason for f in cleaned.flags] == ([flag] if flag else [])


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_nothing_given_nothing_stored(raw) -> None:
    cleaned = clean_vat(raw, raw)
    assert cleaned.values == {"vat_number": None, "tax_code": None}
    assert cleaned.changes == [] and cleaned.flags == []
