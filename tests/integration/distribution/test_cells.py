"""The pack's files read back cell by cell: what a person sees and what a CRM loads.

The rule (docs/exports.md, "Formulas and phones"): XLSX text is written as string cells,
never evaluated, so it carries no quote; the CSV for people guards what Excel would run and
shows phones in the national format; the CRM load files carry the values unaltered.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from app.distribution.sheets import AccountSheet, ContactItem, Pack, Recipient, WaveInfo
from app.distribution.writers.crm_mapping import load_mapping
from app.distribution.writers.crm_rows import crm_files
from app.distribution.writers.pdf import render_pdf
from app.distribution.writers.tables import pack_csv, pack_xlsx
from config import ROOT

SIEBEL = ROOT / "app" / "distribution" / "mappings" / "siebel_eim.toml"
FORMULA = "=Sum(A1)"  # a formula Excel evaluates, written as a company name reads
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


DOUBLED = replace(SHEET, company_name="Trasporti Fiore", street="Via Verdi 137", house_number="137")


def pdf_of(app, tmp_path, pdf_text, pack: Pack) -> str:
    path = tmp_path / "pack.pdf"
    path.write_bytes(render_pdf(pack, locale="it"))
    return " ".join(pdf_text(path).split())


def test_a_house_number_already_in_the_street_is_printed_once(app, tmp_path, pdf_text):
    pack = replace(PACK, sheets=(DOUBLED,))
    cells = xlsx_row(pack)
    assert (cells["Indirizzo"].value, cells["Numero civico"].value) == ("Via Verdi", "137")
    row = csv_row(pack)
    assert (row["Indirizzo"], row["Numero civico"]) == ("Via Verdi", "137")
    [account] = crm_rows(pack, "EIM_ACCOUNT.csv")
    assert account["ADDR_ADDR"] == "Via Verdi 137"
    text = pdf_of(app, tmp_path, pdf_text, pack)
    assert "Via Verdi 137," in text and "137 137" not in text


def test_a_street_that_only_looks_like_it_keeps_its_number():
    sheet = replace(SHEET, street="Via XX Settembre 20", house_number="2")
    [account] = crm_rows(replace(PACK, sheets=(sheet,)), "EIM_ACCOUNT.csv")
    assert account["ADDR_ADDR"] == "Via XX Settembre 20 2"


def test_the_pdf_names_the_purchasing_managers_role_once(app, tmp_path, pdf_text):
    text = pdf_of(app, tmp_path, pdf_text, PACK)
    assert "Elena Fiore · Responsabile acquisti · 035 782 4902" in text
    assert text.casefold().count("responsabile acquisti") == 1
    other = ContactItem("Paolo Neri", "Titolare", None, None, True)
    text = pdf_of(
        app, tmp_path, pdf_text, replace(PACK, sheets=(replace(SHEET, contacts=(other,)),))
    )
    assert "Paolo Neri (responsabile acquisti) · Titolare" in text
