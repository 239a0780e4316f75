"""The external company's file: its columns, and the words its ESITO column accepts."""

from __future__ import annotations

import pytest

from app.external.layout import (
    HEADER,
    IMPORT_MAPPING,
    UnknownVerdict,
    Verdict,
    read_verdict,
)


@pytest.mark.parametrize(
    ("written", "verdict"),
    [
        ("OK", Verdict.OK),
        ("ok", Verdict.OK),
        ("Confermato", Verdict.OK),
        ("confirmed", Verdict.OK),
        ("MODIFICATO", Verdict.CHANGED),
        ("modificata", Verdict.CHANGED),
        ("aggiornato", Verdict.CHANGED),
        ("Changed", Verdict.CHANGED),
        ("updated", Verdict.CHANGED),
        ("ERRATO", Verdict.WRONG),
        ("errata", Verdict.WRONG),
        ("non valido", Verdict.WRONG),
        ("wrong", Verdict.WRONG),
        ("CESSATA", Verdict.CLOSED),
        ("cessata attività", Verdict.CLOSED),
        ("Cessata  Attivita", Verdict.CLOSED),
        ("chiusa", Verdict.CLOSED),
        ("closed", Verdict.CLOSED),
        ("ceased", Verdict.CLOSED),
        ("", None),
        ("   ", None),
    ],
)
def test_esito_words(written: str, verdict: Verdict | None) -> None:
    assert read_verdict(written) == verdict


@pytest.mark.parametrize("written", ["forse", "da verificare", "X", "OKK"])
def test_an_esito_word_not_in_the_table_is_refused(written: str) -> None:
    with pytest.raises(UnknownVerdict):
        read_verdict(written)


def test_the_layout_column_by_column() -> None:
    assert HEADER == (
        "KEY", "RAGIONE_SOCIALE", "FORMA_GIURIDICA", "INDIRIZZO", "CIVICO", "CAP", "COMUNE",
        "PROVINCIA", "ISTAT", "PARTITA_IVA", "CODICE_FISCALE", "TELEFONO", "TELEFONO_2",
        "EMAIL", "ESITO", "NOTE",
    )  # fmt: skip


def test_a_row_without_key_is_mapped_to_the_import_fields() -> None:
    assert IMPORT_MAPPING == {
        "KEY": "", "RAGIONE_SOCIALE": "company_name", "FORMA_GIURIDICA": "legal_form",
        "INDIRIZZO": "street", "CIVICO": "house_number", "CAP": "postcode",
        "COMUNE": "municipality", "PROVINCIA": "province", "ISTAT": "",
        "PARTITA_IVA": "vat_number", "CODICE_FISCALE": "tax_code", "TELEFONO": "phone",
        "TELEFONO_2": "phone_2", "EMAIL": "email", "ESITO": "", "NOTE": "notes",
    }  # fmt: skip
