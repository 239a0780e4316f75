"""An account an earlier action qualified (a results file, no call of ours) waits for a
wave like any qualified account, and reaches the salesperson's file with the contact,
fleet and horizon the file brought."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

from app.accounts.models import Contact, FleetLine, Horizon, Opportunity
from app.accounts.status import AccountStatus
from app.distribution import services, waiting
from app.distribution.models import ExportStatus
from app.imports.models import ImportBatch, SourceKind
from tests import factories
from tests.integration.distribution.test_export import export


def qualified_elsewhere(session):
    batch = ImportBatch(source_kind=SourceKind.PURCHASED_LIST, filename="agenzia.csv")
    session.add(batch)
    session.flush()
    found = factories.account(session, company_name="BIANCHI TRASPORTI", province="MI",
                              status=AccountStatus.QUALIFIED,
                              qualified_elsewhere_on=date(2026, 11, 20),
                              qualified_elsewhere_batch_id=batch.id)  # fmt: skip
    session.add_all([
        Contact(account_id=found.id, full_name="Anna Bianchi", job_title="Titolare",
                phone="+390276543210", import_batch_id=batch.id),
        FleetLine(account_id=found.id, brand="MAN", vehicle_count=4, import_batch_id=batch.id),
        Opportunity(account_id=found.id, horizon=Horizon.M6, vehicle_kind="trattore stradale",
                    qualified_on=date(2026, 11, 20), qualified_by="Agenzia Nord",
                    import_batch_id=batch.id),
    ])  # fmt: skip
    session.flush()
    return found


def test_it_waits_for_a_wave_like_any_qualified_account(session, network) -> None:
    found = qualified_elsewhere(session)
    (candidate,) = waiting.candidates(session)
    assert (candidate.account_id, candidate.horizon) == (found.id, "6")


def test_its_pack_shows_the_file_s_contact_fleet_and_horizon(
    app, session, network, exports
) -> None:
    qualified_elsewhere(session)
    wave = services.create_wave(session, "Dicembre 2026", 50, by=None)
    services.confirm_wave(session, wave, by=None)
    run = export(app, session, wave)
    assert run.status == ExportStatus.DONE, run.message
    (person,) = run.manifest["salespeople"]
    with zipfile.ZipFile(exports / run.folder / "salespeople" / person["zip"]["name"]) as one:
        [name] = [n for n in one.namelist() if n.endswith(".csv") and "/crm/" not in n]
        body = one.read(name).decode("utf-8").lstrip("\ufeff")
    (row,) = csv.DictReader(io.StringIO(body), delimiter=";")
    assert row["Responsabile acquisti"] == "Anna Bianchi"
    assert row["Flotta: MAN"] == "4" and row["Veicoli in flotta"] == "4"
    assert row["Orizzonte (mesi)"] == "6"
    # No call of ours: who qualified it is the file's agency, on the file's day.
    assert row["Qualificato da"] == "Agenzia Nord"
    assert row["Qualificato il"] in ("20/11/2026", "2026-11-20")  # a day: no made-up time
    assert row["Campagna"] == ""
