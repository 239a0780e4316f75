"""Earlier qualification results: every header and value synonym, and the cells' edge cases."""

from __future__ import annotations

from datetime import date

import pytest

from app.accounts.models import Horizon
from app.imports import qualification
from app.imports.mapping import SYNONYMS, header_key, suggest
from app.imports.qualification import (
    HORIZONS,
    brand_fields,
    brand_header_synonyms,
    brand_names,
    brand_of,
    brand_synonyms,
    pair_header_synonyms,
    parse_count,
    parse_date,
    parse_horizon,
    qualification_fields,
    read_answers,
)
from app.imports.records import FIELDS

QUALIFICATION_HEADERS = {key: name for key, name in SYNONYMS.items()
                         if name in qualification_fields()}  # fmt: skip


@pytest.mark.parametrize(("key", "field"), sorted(QUALIFICATION_HEADERS.items()))
def test_each_header_synonym_of_the_table_is_suggested(key, field) -> None:
    """Every row of the table, whatever its field: removing one fails its case."""
    assert suggest(["RAGIONE SOCIALE", key.upper()])[key.upper()] == field


def test_the_generated_header_tables_are_all_in_the_synonyms() -> None:
    generated = pair_header_synonyms() | brand_header_synonyms()
    assert generated.items() <= SYNONYMS.items()
    assert set(qualification_fields()) <= set(FIELDS)
    assert set(QUALIFICATION_HEADERS.values()) == set(qualification_fields())


# Headers as results files write them ("" : a word too broad to guess, left for the person
# mapping the file: "INTERESSE" and "AZIONE" head other columns in ordinary files).
WRITTEN_HEADERS = [
    ("Referente", "contact_name"), ("NOME REFERENTE", "contact_name"),
    ("Contact name", "contact_name"), ("Ruolo", "contact_role"), ("MANSIONE", "contact_role"),
    ("Tel. diretto", "contact_phone"), ("TELEFONO_REFERENTE", "contact_phone"),
    ("Cell. referente", "contact_mobile"), ("E-mail referente", "contact_email"),
    ("Mail referente", "contact_email"), ("Orizzonte acquisto", "horizon"),
    ("TEMPI ACQUISTO", "horizon"), ("Acquisto entro", "horizon"),
    ("Veicolo di interesse", "vehicle_interest"), ("INTERESSE", ""), ("AZIONE", ""),
    ("Data qualifica", "qualified_on"), ("DATA_CONTATTO", "qualified_on"),
    ("Agenzia", "qualified_by"), ("Qualificato da", "qualified_by"),
    ("Note qualifica", "qualification_notes"),
    ("MARCA 2", "brand_2"), ("Marca2", "brand_2"), ("MARCA (3)", "brand_3"),
    ("N. VEICOLI 2", "vehicle_count_2"), ("n_veicoli_5", "vehicle_count_5"),
    ("IVECO", "fleet_iveco"), ("n. IVECO", "fleet_iveco"), ("MAN", "fleet_man"),
    ("Mercedes", "fleet_mercedes_benz"), ("MERCEDES-BENZ", "fleet_mercedes_benz"),
    ("Scania", "fleet_scania"), ("Volvo", "fleet_volvo"), ("DAF", "fleet_daf"),
    ("Renault", "fleet_renault_trucks"), ("Veicoli Renault Trucks", "fleet_renault_trucks"),
    ("Mezzi Volvo", "fleet_volvo"),
]  # fmt: skip


@pytest.mark.parametrize(("header", "field"), WRITTEN_HEADERS)
def test_a_results_file_header_is_recognised(header, field) -> None:
    assert SYNONYMS.get(header_key(header), "") == field


def test_the_existing_columns_keep_their_fields() -> None:
    found = suggest(["RAGIONE SOCIALE", "MARCA", "N VEICOLI", "PORTATA", "NOTE", "CELLULARE"])
    assert list(found.values()) == ["company_name", "brand", "vehicle_count", "tonnage_class",
                                    "notes", "mobile"]  # fmt: skip


def test_the_brands_are_the_call_script_s() -> None:
    assert brand_names() == {
        "iveco": "Iveco", "mercedes_benz": "Mercedes-Benz", "volvo": "Volvo",
        "scania": "Scania", "man": "MAN", "daf": "DAF", "renault_trucks": "Renault Trucks",
    }  # fmt: skip
    assert set(brand_fields().values()) == set(brand_names().values())


@pytest.mark.parametrize(("text", "brand"), sorted(brand_synonyms().items()))
def test_each_brand_synonym_of_the_table_names_its_brand(text, brand) -> None:
    assert brand_of(text.upper()) == brand


@pytest.mark.parametrize(
    ("text", "brand"),
    [("IVECO", "Iveco"), ("man", "MAN"), ("Mercedes", "Mercedes-Benz"),
     ("mercedes-benz", "Mercedes-Benz"), ("RENAULT", "Renault Trucks"), ("daf", "DAF"),
     ("  isuzu ", "Isuzu"), ("FUSO", "Fuso")],
)  # fmt: skip
def test_a_written_brand_is_named_as_the_desk_names_it(text, brand) -> None:
    assert brand_of(text) == brand


@pytest.mark.parametrize(("text", "horizon"), sorted(HORIZONS.items()))
def test_each_horizon_synonym_of_the_table(text, horizon) -> None:
    assert parse_horizon(text.upper()) == horizon


@pytest.mark.parametrize(
    ("text", "horizon"),
    [("3 mesi", Horizon.M3), ("Entro 3 mesi", Horizon.M3), ("3M", Horizon.M3),
     ("trimestre", Horizon.M3), ("6 MESI", Horizon.M6), ("entro 6 mesi", Horizon.M6),
     ("Semestre", Horizon.M6), ("12 mesi", Horizon.M12), ("1 anno", Horizon.M12),
     ("un anno", Horizon.M12), ("entro l'anno", Horizon.M12), ("Entro l\u2019anno", Horizon.M12),
     ("NO", Horizon.NONE), ("nessuno", Horizon.NONE), ("Non interessato", Horizon.NONE),
     ("-", Horizon.NONE), ("3 months", Horizon.M3), ("  6  mesi ", Horizon.M6)],
)  # fmt: skip
def test_a_written_horizon(text, horizon) -> None:
    assert parse_horizon(text) == horizon


@pytest.mark.parametrize("text", ["forse", "2 anni", "24 mesi", "boh", "?", "4 mesi", ""])
def test_a_horizon_no_table_knows_is_not_guessed(text) -> None:
    assert parse_horizon(text) is None


@pytest.mark.parametrize(
    ("text", "count"),
    [("12", 12), ("12 mezzi", 12), ("12 veicoli", 12), (" 3 ", 3), ("0", 0), ("40 camion", 40),
     ("dodici", None), ("12,5", None), ("-3", None), ("circa 10", None), ("", None),
     ("123456", None)],
)  # fmt: skip
def test_a_count(text, count) -> None:
    assert parse_count(text) == count


@pytest.mark.parametrize(
    ("text", "day"),
    [("15/03/2026", date(2026, 3, 15)), ("15-03-26", date(2026, 3, 15)),
     ("2026-03-15", date(2026, 3, 15)), ("15.03.2026", date(2026, 3, 15)),
     ("15/03/26", date(2026, 3, 15)), ("2026-03-15T00:00:00", date(2026, 3, 15)),
     ("46096", date(2026, 3, 15)), ("46096.0", date(2026, 3, 15)),
     ("31/02/2026", None), ("marzo 2026", None), ("12", None), ("03/15/2026", None),
     ("1", None)],
)  # fmt: skip
def test_a_qualification_date(text, day) -> None:
    assert parse_date(text) == day


def answers_of(row: dict[str, str]):
    return read_answers(lambda name: row.get(name), "MI")


def test_a_row_without_answers_gives_none() -> None:
    assert answers_of({"brand": "IVECO", "vehicle_count": "3"}) == (None, [])


def test_a_row_s_answers_are_read_with_their_doubts() -> None:
    answers, flags = answers_of({
        "contact_name": "Mario Rossi", "contact_role": "Titolare",
        "contact_mobile": "333 1234567", "contact_email": "Mario.Rossi@Example.IT",
        "brand": "iveco", "vehicle_count": "4", "brand_2": "Scania", "vehicle_count_2": "dodici",
        "fleet_volvo": "2 mezzi", "fleet_daf": "0", "horizon": "forse",
        "qualified_on": "15/03/2026", "qualified_by": "Agenzia Nord",
        "vehicle_interest": "trattore stradale", "qualification_notes": "richiamare",
    })  # fmt: skip
    assert answers.contact == {
        "full_name": "Mario Rossi",
        "job_title": "Titolare",
        "phone": "+393331234567",
        "email": "mario.rossi@example.it",
    }
    assert answers.fleet == [("Iveco", 4), ("Volvo", 2)]  # fmt: skip
    assert answers.horizon is None and answers.qualified_on == date(2026, 3, 15)
    assert (answers.qualified_by, answers.vehicle_kind, answers.notes) == (
        "Agenzia Nord", "trattore stradale", "richiamare")  # fmt: skip
    assert [(f.field, f.value, f.reason) for f in flags] == [
        ("vehicle_count_2", "dodici", "vehicle_count_invalid"),
        ("horizon", "forse", "horizon_unknown"),
    ]


def test_the_direct_phone_is_the_contact_s_and_a_bad_email_is_flagged() -> None:
    answers, flags = answers_of({"contact_name": "Anna Bianchi", "contact_phone": "02 1234567",
                                 "contact_mobile": "333 1234567", "contact_email": "anna@",
                                 "qualified_on": "ieri"})  # fmt: skip
    assert answers.contact["phone"] == "+39021234567"
    assert answers.contact["email"] == "anna@"
    assert {(f.field, f.reason) for f in flags} == {
        ("contact_email", "contact_email_invalid"),
        ("qualified_on", "qualified_on_invalid"),
    }


def test_a_contact_without_a_name_is_left_out() -> None:
    answers, _flags = answers_of({"contact_role": "Titolare", "horizon": "6 mesi"})
    assert answers.contact == {} and answers.horizon == Horizon.M6


def test_the_brand_list_is_read_from_the_call_script() -> None:
    assert qualification.BRAND_SCRIPT.name == "fleet_qualification.toml"
    assert "Iveco" in qualification.BRAND_SCRIPT.read_text(encoding="utf-8")
