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


# Headers as Italian exports write them: underscores (database columns), dots, spaces and
# case all fold to one name.
HEADERS = [
    ("ragione_sociale", "company_name"), ("RAGIONE_SOCIALE", "company_name"),
    ("Ragione Sociale", "company_name"), ("rag_soc", "company_name"),
    ("RAG.SOC.", "company_name"), ("denominazione", "company_name"),
    ("partita_iva", "vat_number"), ("PARTITA IVA", "vat_number"), ("p_iva", "vat_number"),
    ("P.IVA", "vat_number"), ("piva", "vat_number"), ("p.iva", "vat_number"),
    ("cod_fiscale", "tax_code"), ("COD.FISCALE", "tax_code"), ("codice_fiscale", "tax_code"),
    ("c.f.", "tax_code"), ("cf", "tax_code"),
    ("indirizzo", "street"), ("INDIRIZZO", "street"),
    ("cap", "postcode"), ("C.A.P.", "postcode"),
    ("localita", "municipality"), ("Località", "municipality"), ("comune", "municipality"),
    ("prov", "province"), ("PROV.", "province"), ("provincia", "province"),
    ("sigla_provincia", "province"),
    ("telefono", "phone"), ("tel", "phone"), ("TEL.", "phone"), ("tel_1", "phone"),
    ("telefono_1", "phone"), ("TELEFONO1", "phone"),
    ("telefono_2", "phone_2"), ("tel2", "phone_2"),
    ("cellulare", "mobile"), ("CELL.", "mobile"), ("tel_cellulare", "mobile"),
    ("email", "email"), ("e-mail", "email"), ("E_MAIL", "email"), ("pec", "email"),
    ("indirizzo_email", "email"),
    ("numero_civico", "house_number"), ("n_civico", "house_number"),
    ("codice_cliente", "source_id"), ("cod_venditore", "salesperson"),
    ("n_veicoli", "vehicle_count"), ("data_ultimo_acquisto", "last_purchase"),
]  # fmt: skip


@pytest.mark.parametrize(("header", "field"), HEADERS)
def test_a_header_is_recognised_whatever_its_separators(header: str, field: str) -> None:
    found = suggest(["ID_RIGA_X", header])
    assert found[header] == field
