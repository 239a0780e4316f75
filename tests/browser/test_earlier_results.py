"""Staff import the results of an earlier telemarketing action: the columns page suggests
the contact, fleet, horizon, date and agency columns, and the report names the answer it
could not read (issue 27, docs/imports.md "Earlier qualification results")."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import Contact, FleetLine, Opportunity
from app.extensions import db
from app.imports.models import ImportMapping, SourceKind
from tests.browser.test_import import (
    reference,  # noqa: F401 - the municipalities, loaded
    upload_as_staff,
)

pytestmark = pytest.mark.browser
HEADERS = ["RAGIONE SOCIALE", "INDIRIZZO", "CAP", "COMUNE", "PROV", "TELEFONO", "REFERENTE",
           "RUOLO", "MARCA", "N. VEICOLI", "SCANIA", "ORIZZONTE ACQUISTO", "DATA QUALIFICA",
           "AGENZIA"]  # fmt: skip
SUGGESTED = {"REFERENTE": "contact_name", "RUOLO": "contact_role", "MARCA": "brand",
             "N. VEICOLI": "vehicle_count", "SCANIA": "fleet_scania",
             "ORIZZONTE ACQUISTO": "horizon", "DATA QUALIFICA": "qualified_on",
             "AGENZIA": "qualified_by"}  # fmt: skip


def test_staff_import_earlier_results_and_the_answers_land(page, live_app, reference, tmp_path):  # noqa: F811
    tag = uuid.uuid4().hex[:6].upper()
    rows = [
        f"Trasporti {tag} Uno Srl;Via Borgo Palazzo 12;24125;Bergamo;BG;035 224466;Mario Rota;"
        "Responsabile acquisti;Iveco;4;1;entro 6 mesi;15/09/2026;Agenzia Nord",
        f"Autolinee {tag} Due SRL;Via Salaria 40;02100;Rieti;RI;0746 200300;Lucia Neri;Titolare;"
        "MAN;3;;forse;03-10-2026;Agenzia Nord",
    ]
    path = tmp_path / f"risultati-{tag}.csv"
    with live_app.app_context():  # another test's saved mapping would override the suggestions
        db.session.execute(
            sa.delete(ImportMapping).where(ImportMapping.source_kind == SourceKind.CUSTOMER_BASE)
        )
        db.session.commit()
    path.write_text("\r\n".join([";".join(HEADERS), *rows]) + "\r\n", encoding="utf-8-sig")

    upload_as_staff(page, path)

    expect(page.get_by_role("heading", name=f"Colonne di risultati-{tag}.csv")).to_be_visible()
    for header, field in SUGGESTED.items():
        expect(page.get_by_label(f"Campo per la colonna {header}")).to_have_value(field)
    page.get_by_role("button", name="Importa").click()

    report = page.get_by_test_id("import-report")
    expect(report).to_be_visible(timeout=60_000)
    expect(report).to_contain_text("orizzonte di acquisto non compreso")  # "forse"

    with live_app.app_context():
        contacts = db.session.scalars(
            sa.select(Contact.full_name).where(Contact.import_batch_id.is_not(None))
        ).all()
        fleet = db.session.execute(
            sa.select(FleetLine.brand, FleetLine.vehicle_count).where(
                FleetLine.import_batch_id.is_not(None)
            )
        ).all()
        horizons = db.session.scalars(
            sa.select(Opportunity.horizon).where(Opportunity.qualified_by == "Agenzia Nord")
        ).all()
    assert {"Mario Rota", "Lucia Neri"} <= set(contacts)
    assert {("Scania", 1), ("MAN", 3)} <= {tuple(row) for row in fleet}
    assert "6" in [str(h) for h in horizons]  # "entro 6 mesi"; "forse" wrote none
