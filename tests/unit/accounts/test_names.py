"""Company names as people read them: one convention whatever the source's case."""

from __future__ import annotations

import pytest

from app.accounts.names import company_display, written_name
from app.accounts.normalise.company import clean_company


@pytest.mark.parametrize(
    ("name", "form", "expected"),
    [
        ("ROSSI TRASPORTI", "SRL", "Rossi Trasporti S.r.l."),
        ("AUTOTRASPORTI DELL'ADDA", "SNC", "Autotrasporti dell'Adda S.n.c."),
        ("F.LLI BIANCHI", "SAS", "F.lli Bianchi S.a.s."),
        ("TRASPORTI DI MARIO ROSSI & C.", "SAS", "Trasporti di Mario Rossi & C. S.a.s."),
        ("DI MAIO LOGISTICA", "SPA", "Di Maio Logistica S.p.A."),
        ("A.B.C. TRASPORTI 2000", None, "A.B.C. Trasporti 2000"),
        ("TRASPORTI D'ANGELO", "SCARL", "Trasporti D'Angelo S.c.a r.l."),
        ("VERDI MARIO", "DI", "Verdi Mario ditta individuale"),
        ("LOGISTICA NORD", "XYZ", "Logistica Nord XYZ"),  # a form nobody knows: as stored
        ("", None, ""),
    ],
)
def test_a_stored_name_reads_the_italian_way(name, form, expected):
    assert company_display(name, form) == expected


@pytest.mark.parametrize(
    "raw",
    ["Rossi Trasporti S.r.l.", "ROSSI TRASPORTI S.R.L.", "rossi trasporti srl",
     "Rossi  Trasporti   s. r. l."],
)  # fmt: skip
def test_whatever_the_source_s_case_one_written_form(raw):
    cleaned = clean_company(raw).values
    assert company_display(cleaned["company_name"], cleaned["legal_form"]) == (
        "Rossi Trasporti S.r.l."
    )
    # A name stored with its form still inside reads the same.
    assert company_display(raw) == "Rossi Trasporti S.r.l."


def test_a_street_reads_the_same_way():
    assert written_name("VIA DELL'INDUSTRIA") == "Via dell'Industria"
    assert written_name("CORSO VITTORIO EMANUELE II") == "Corso Vittorio Emanuele II"
    assert written_name("VIA XX SETTEMBRE") == "Via XX Settembre"
    assert written_name("LOCALITÀ PONTE NUOVO") == "Località Ponte Nuovo"


def test_small_words_are_lower_case_but_never_first():
    assert written_name("DEI TRASPORTI E DELLA LOGISTICA") == "Dei Trasporti e della Logistica"
