"""The demo's qualified accounts, exported: what a salesperson of the demo receives."""

from __future__ import annotations

import io
import zipfile

import sqlalchemy as sa
from openpyxl import load_workbook

from app.accounts.models import Account
from app.distribution import exporting, services
from app.distribution.models import ExportStatus
from app.territory.models import Municipality
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from tests.integration.distribution.conftest import run_jobs

# The demo places its companies in the municipalities the table holds (of the provinces its
# network covers): three provinces of three dealers are enough, and loading all 7,900 was
# most of this test's time.
PROVINCES = ("MI", "BO", "NA")


def test_a_demo_account_is_exported_with_its_municipalitys_istat_code(
    app, runner, session, exports
):
    load_municipalities(
        session,
        [row for row in bundled_municipalities() if row.province_code in PROVINCES],
        BUNDLED_REFERENCE_DATE,
    )
    seeded = runner.invoke(args=["demo", "seed", "--accounts", "150"])
    assert seeded.exit_code == 0, seeded.output
    wave = services.create_wave(session, "Demo", 5, by=None)
    services.confirm_wave(session, wave, by=None)
    with app.test_request_context():
        run = exporting.start_export(session, wave, parts=1, by=None, pdf=False)
    session.commit()
    run_jobs(app, session)
    session.refresh(run)
    assert run.status == ExportStatus.DONE, run.message
    rows = []
    with zipfile.ZipFile(exports / run.folder / run.manifest["zip"]["name"]) as everything:
        for name in (n for n in everything.namelist() if n.endswith(".xlsx")):
            values = list(load_workbook(io.BytesIO(everything.read(name))).active.values)
            rows += [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    assert rows
    codes = dict(
        session.execute(
            sa.select(Account.key, Municipality.istat_code).join(
                Municipality,
                sa.and_(
                    Municipality.name == Account.municipality,
                    Municipality.province_code == Account.province,
                ),
            )
        ).all()
    )
    for row in rows:
        assert row["Codice ISTAT"] == codes[row["Chiave account"]], row["Chiave account"]
