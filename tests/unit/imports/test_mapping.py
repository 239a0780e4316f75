"""A file's headers matched to account fields."""

from __future__ import annotations

import pytest

from app.imports.mapping import suggest


@pytest.mark.parametrize(
    "header",
    ["VENDITORE", "COD. VENDITORE", "Codice venditore", "VENDITORE ASSEGNATO", "Salesperson",
     "Salesperson code", "Owner"],
)  # fmt: skip
def test_a_salesperson_column_is_recognised(header) -> None:
    assert suggest(["RAGIONE SOCIALE", header]) == {
        "RAGIONE SOCIALE": "company_name",
        header: "salesperson",
    }


def test_a_second_salesperson_column_is_left_out() -> None:
    found = suggest(["VENDITORE", "CODICE VENDITORE"])
    assert found == {"VENDITORE": "salesperson", "CODICE VENDITORE": ""}
