"""Company names and legal forms, table-driven with the spellings found in real files."""

from __future__ import annotations

import pytest

from app.accounts.normalise.company import clean_company, split_legal_form, tidy_name


@pytest.mark.parametrize(
    ("raw", "name", "form"),
    [
        ("Rossi Trasporti S.R.L.", "ROSSI TRASPORTI", "SRL"),
        ("ROSSI TRASPORTI SRL", "ROSSI TRASPORTI", "SRL"),
        ("rossi trasporti s.r.l.", "ROSSI TRASPORTI", "SRL"),
        ("Rossi Trasporti S. R. L.", "ROSSI TRASPORTI", "SRL"),
        ("Rossi Trasporti, Srl", "ROSSI TRASPORTI", "SRL"),
        ("Rossi Trasporti srl semplificata", "ROSSI TRASPORTI", "SRLS"),
        ("Rossi Trasporti S.r.l.s.", "ROSSI TRASPORTI", "SRLS"),
        ("AUTOTRASPORTI BIANCHI S.P.A.", "AUTOTRASPORTI BIANCHI", "SPA"),
        ("Autotrasporti Bianchi S.p.A.", "AUTOTRASPORTI BIANCHI", "SPA"),
        ("Verdi Mario & C. S.N.C.", "VERDI MARIO & C.", "SNC"),
        ("Verdi Mario &C. snc", "VERDI MARIO & C.", "SNC"),
        ("Neri Luigi e Figli S.A.S.", "NERI LUIGI E FIGLI", "SAS"),
        ("Trasporti Uniti Soc. Coop. a r.l.", "TRASPORTI UNITI", "SCARL"),
        ("Trasporti Uniti S.C.A.R.L.", "TRASPORTI UNITI", "SCARL"),
        ("Soc. Coop. Trasporti Uniti", "TRASPORTI UNITI", "SC"),
        ("Ditta Esposito Gennaro", "ESPOSITO GENNARO", "DI"),
        ("Esposito Gennaro ditta individuale", "ESPOSITO GENNARO", "DI"),
        ("Agricola Colli S.S.", "AGRICOLA COLLI", "SS"),
        # Bare letters that are words or initials are not forms.
        ("Trasporti SS", "TRASPORTI SS", None),
        ("Bar Di Marco", "BAR DI MARCO", None),
        ("SPA", "SPA", None),  # a name that is only a form keeps it as the name
        ("Ferri Carmine", "FERRI CARMINE", None),
    ],
)
def test_legal_forms_are_recognised_and_taken_out(raw, name, form) -> None:
    cleaned = clean_company(raw)
    assert (cleaned.values["company_name"], cleaned.values["legal_form"]) == (name, form)


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("  Rossi   Trasporti  ", "ROSSI TRASPORTI"),
        ("L\u2019Autotrasporto", "L'AUTOTRASPORTO"),
        ("Rossi ,Bianchi", "ROSSI, BIANCHI"),
        ("Trasporti ( Nord )", "TRASPORTI (NORD)"),
        ("- Rossi -", "ROSSI"),
        ("Rossi\u00a0Trasporti\t", "ROSSI TRASPORTI"),
    ],
)
def test_names_are_tidied(raw, tidy) -> None:
    assert tidy_name(raw) == tidy


def test_each_correction_is_recorded_with_its_reason() -> None:
    cleaned = clean_company("rossi trasporti s.r.l.")
    reasons = [(c.field, c.before, c.after, c.reason) for c in cleaned.changes]
    assert reasons == [
        ("company_name", "rossi trasporti s.r.l.", "ROSSI TRASPORTI S.R.L.", "name_tidied"),
        ("company_name", "ROSSI TRASPORTI S.R.L.", "ROSSI TRASPORTI", "legal_form_taken_from_name"),
        ("legal_form", None, "SRL", "legal_form_taken_from_name"),
    ]
    assert cleaned.flags == []


def test_a_clean_name_records_nothing() -> None:
    cleaned = clean_company("ROSSI TRASPORTI", "SRL")
    assert cleaned.changes == [] and cleaned.flags == []
    assert cleaned.values == {"company_name": "ROSSI TRASPORTI", "legal_form": "SRL"}


def test_a_legal_form_column_wins_and_a_conflict_is_flagged() -> None:
    cleaned = clean_company("Rossi Trasporti SRL", "s.p.a.")
    assert cleaned.values["legal_form"] == "SPA"
    assert [(f.field, f.reason) for f in cleaned.flags] == [
        ("legal_form", "legal_form_conflicts_with_name")
    ]


def test_an_unknown_legal_form_is_flagged_not_guessed() -> None:
    cleaned = clean_company("Rossi Trasporti", "GmbH")
    assert cleaned.values["legal_form"] is None
    assert [(f.field, f.value, f.reason) for f in cleaned.flags] == [
        ("legal_form", "GmbH", "legal_form_unknown")
    ]


@pytest.mark.parametrize("raw", [None, "", "   ", " - "])
def test_a_missing_name_is_flagged(raw) -> None:
    cleaned = clean_company(raw)
    assert cleaned.values["company_name"] == ""
    assert [f.reason for f in cleaned.flags] == ["company_name_missing"]


def test_split_keeps_a_name_without_a_form() -> None:
    assert split_legal_form("ROSSI") == ("ROSSI", None)
