"""The pack's files read back cell by cell: what a person sees and what a CRM loads.

The rule (docs/exports.md, "Formulas and phones"): XLSX text is written as string cells,
never evaluated, so it carries no quote; the CSV for people guards what Excel would run and
shows phones in the national format; the CRM load files carry the values unaltered.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from app.distribution.sheets import AccountSheet, ContactItem, Pack, Recipient, WaveInfo
from app.distribution.writers.crm_mapping import load_mapping
from app.distribution.writers.crm_rows import crm_files
from app.distribution.writers.tables import pack_csv, pack_xlsx
from config import ROOT

SIEBEL = ROOT / "app" / "distribution" / "mappings" / "siebel_eim.toml"
FORMULA = "=SUM(A1)"
PHONE = "+390357824902"
NATIONAL = "035 782 4902"

SHEET = AccountSheet(
    key="K00001",
    company_name=FORMULA,
    street="Via Verdi",
    house_number="137",
    municipality="Bergamo",
    phones=(PHONE,),
    contacts=(ContactItem("Elena Fiore", "Responsabile acquisti", PHONE, None, True),),
    horizon="3",
)
PACK = Pack(Recipient(1, "BG-V01", "Luca Verdi"), WaveInfo(7, "Ondata", date(2026, 1, 5)), (SHEET,))


def xlsx_row(pack: Pack) -> dict:
    with force_locale("it"):
        book = load_workbook(io.BytesIO(pack_xlsx(pack)))
    header, row = list(book.active.iter_rows())[:2]
    return {h.value: cell for h, cell in zip(header, row, strict=True)}


def csv_row(pack: Pack) -> dict[str, str]:
    with force_locale("it"):
        text = pack_csv(pack).decode("utf-8-sig")
    return next(csv.DictReader(io.StringIO(text), delimiter=";"))


def crm_rows(pack: Pack, name: str) -> list[dict[str, str]]:
    body = crm_files(load_mapping(SIEBEL), pack, 700_001)[name]
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context():
        yield


def test_xlsx_text_is_a_string_cell_with_no_quote_and_phones_read_as_people_write_them():
    cells = xlsx_row(PACK)
    for name in ("Ragione sociale", "Telefoni", "Telefono del contatto"):
        assert cells[name].data_type == "s", name
    assert cells["Ragione sociale"].value == FORMULA
    assert cells["Telefoni"].value == NATIONAL
    assert cells["Telefono del contatto"].value == NATIONAL


def test_the_csv_for_people_guards_formulas_and_shows_national_phones():
    row = csv_row(PACK)
    assert row["Ragione sociale"] == "'" + FORMULA
    assert row["Telefoni"] == NATIONAL and row["Telefono del contatto"] == NATIONAL


def test_crm_files_carry_the_stored_values_unaltered():
    [account] = crm_rows(PACK, "EIM_ACCOUNT.csv")
    assert account["NAME"] == account["PARTY_NAME"] == FORMULA
    assert account["MAIN_PH_NUM"] == PHONE
    [contact] = crm_rows(PACK, "EIM_CONTACT.csv")
    assert contact["CON_WORK_PH_NUM"] == PHONE
    assert contact["DEPT_ACCNT_NAME"] == FORMULA
