"""Coded answers (vehicle kind, tonnage, horizon, contact role, brand) reach people's files
as the labels the agent chose from, and the CRM files as the mapping names them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import load_workbook

from app.accounts.models import Opportunity
from app.desk.models import CallAttempt
from app.distribution import services
from app.distribution.loading import load_packs, salespeople_of
from app.distribution.writers.crm_mapping import load_mapping
from app.distribution.writers.crm_rows import crm_files
from app.distribution.writers.pdf import render_pdf
from app.distribution.writers.tables import pack_csv, pack_xlsx
from app.scripting.services import load_script
from config import ROOT

SCRIPT = ROOT / "call_scripts" / "fleet_qualification.toml"
SIEBEL = ROOT / "app" / "distribution" / "mappings" / "siebel_eim.toml"


@pytest.fixture
def pack(session, network):
    """Two accounts qualified with the shipped script, for Turin's one salesperson: one as
    the desk stores the vehicle kind (the choice's code), one as typed text that is already
    the label."""
    script = load_script(session, SCRIPT)
    kinds = (("Trasporti Codice", "tractor_unit"), ("Trasporti Testo", "trattore stradale"))
    for company, kind in kinds:
        account = network.qualified(session, horizon="3", province="TO", postcode="10121",
                                    company_name=company, fleet={"Renault Trucks": 2})  # fmt: skip
        attempts = sa.update(CallAttempt).where(CallAttempt.account_id == account.id)
        session.execute(attempts.values(call_script_id=script.id))
        opportunity = sa.update(Opportunity).where(Opportunity.account_id == account.id)
        session.execute(opportunity.values(vehicle_kind=kind))
    wave = services.create_wave(session, "Ondata", 50, by=None)
    services.confirm_wave(session, wave, by=None)
    [pack] = load_packs(session, wave, salespeople_of(session, wave))
    return pack


@pytest.mark.parametrize(("locale", "label"), [("it", "Trattore stradale"), ("en", "Tractor unit")])
def test_people_read_the_label_of_the_code_or_of_the_typed_text(
    app, pack, locale, label, tmp_path, pdf_text
):
    with app.test_request_context(), force_locale(locale):
        book = load_workbook(io.BytesIO(pack_xlsx(pack)))
        table = pack_csv(pack).decode("utf-8-sig")
        pdf = render_pdf(pack, locale=locale)
    values = list(book.active.values)
    column = values[0].index("Tipo di veicolo" if locale == "it" else "Vehicle kind")
    assert [row[column] for row in values[1:]] == [label, label]
    rows = list(csv.reader(io.StringIO(table), delimiter=";"))
    assert [row[column] for row in rows[1:]] == [label, label]
    path = Path(tmp_path / "pack.pdf")
    path.write_bytes(pdf)
    text = pdf_text(path)
    assert "tractor_unit" not in text and text.count(label) == 2


def test_the_crm_gets_the_code_and_the_label_the_mapping_names(app, pack):
    with app.test_request_context(), force_locale("it"):
        body = crm_files(load_mapping(SIEBEL), pack, 1)["EIM_OPTY.csv"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert [(r["X_VEHICLE_KIND_CD"], r["X_VEHICLE_KIND"]) for r in rows] == [
        ("tractor_unit", "Trattore stradale"),
        ("tractor_unit", "Trattore stradale"),
    ]
