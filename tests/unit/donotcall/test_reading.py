"""Reading do-not-call files: Italian numbers as people write them, and what is refused."""

from __future__ import annotations

import pytest

from app.donotcall.reading import (
    DncFileError,
    parse_internal,
    parse_registry,
    phone_e164,
    vat_compact,
)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+39 06 6982 1234", "+390669821234"),  # Rome, international form
        ("06.69821234", "+390669821234"),  # dots
        ("0039 347 1234567", "+393471234567"),  # 00 prefix
        ("347 123 4567", "+393471234567"),  # mobile with spaces
        ("347.123.4567", "+393471234567"),
        ("3471234567", "+393471234567"),
        ("02-1234-5678", "+390212345678"),  # Milan with dashes
        ("+393471234567", "+393471234567"),
        ("800 123 456", "+39800123456"),  # toll free
        ("612345678", None),  # a Rome number that lost its 0: not repaired
        ("abc", None),
        ("12", None),
        ("", None),
    ],
)
def test_phone_numbers_to_e164(raw, e164):
    assert phone_e164(raw) == e164


@pytest.mark.parametrize(
    ("raw", "vat"),
    [
        ("IT 01114601006", "01114601006"),
        ("01114601006", "01114601006"),
        ("1114601006", "01114601006"),  # leading zero lost in a spreadsheet
        ("01114601007", None),  # wrong check digit
        ("RSSMRA80A01H501U", None),  # a codice fiscale is not a VAT number
    ],
)
def test_vat_numbers_compact_and_checked(raw, vat):
    assert vat_compact(raw) == vat


def test_registry_one_number_per_line_without_header():
    parsed = parse_registry([["+39 06 6982 1234"], ["347 123 4567"], [""], ["3471234567"]])
    assert [(i.line, i.e164) for i in parsed.items] == [
        (1, "+390669821234"),
        (2, "+393471234567"),
    ]
    assert parsed.duplicates == 1 and parsed.bad == []


def test_registry_with_number_and_outcome_columns():
    rows = [
        ["Utenza", "Esito"],
        ["0669821234", "Opposto"],
        ["3471234567", "LIBERO"],
        ["0212345678", "sì"],
        ["3331234567", "non iscritto"],
        ["3339999999", "boh"],
    ]
    parsed = parse_registry(rows)
    assert [i.e164 for i in parsed.items] == ["+390669821234", "+390212345678"]
    assert parsed.free == 2
    assert [(b.line, b.value) for b in parsed.bad] == [(6, "boh")]


def test_registry_bad_numbers_are_reported_with_their_lines():
    parsed = parse_registry([["telefono"], ["0669821234"], ["612345678"], ["abc"]])
    assert [(b.line, b.value) for b in parsed.bad] == [(3, "612345678"), (4, "abc")]
    assert len(parsed.items) == 1


def test_registry_header_without_number_column_is_refused():
    with pytest.raises(DncFileError):
        parse_registry([["nome", "cognome"], ["Mario", "Rossi"]])


def test_internal_phones_vat_keys_and_reason():
    rows = [
        ["Ragione sociale", "Telefono", "Cellulare", "P.IVA", "Codice account", "Motivo"],
        ["Rossi SRL", "02 1234 5678", "347 123 4567", "", "", "chiesto via PEC"],
        ["Bianchi SPA", "", "", "IT01114601006", "", ""],
        ["Verdi", "", "", "", "qabc123", "reclamo"],
        ["Neri", "", "", "", "", "nessun dato"],
        ["Gialli", "06 123", "", "01114601007", "", ""],
    ]
    parsed = parse_internal(rows)
    got = [(i.line, i.e164, i.vat_number, i.account_key, i.reason) for i in parsed.items]
    assert got == [
        (2, "+390212345678", None, None, "chiesto via PEC"),
        (2, "+393471234567", None, None, "chiesto via PEC"),
        (3, None, "01114601006", None, None),
        (4, None, None, "QABC123", "reclamo"),
    ]
    assert [(b.line, b.value) for b in parsed.bad] == [
        (5, "Neri; ; ; ; ; nessun dato"),
        (6, "06 123"),
        (6, "01114601007"),
    ]


def test_internal_without_any_target_column_is_refused():
    with pytest.raises(DncFileError):
        parse_internal([["nome", "motivo"], ["Rossi", "x"]])
    with pytest.raises(DncFileError):
        parse_internal([])
