"""Staff import a file: upload, check the columns, watch the progress bar, read the report."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.territory.models import Municipality
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from tests.browser.test_injection import sign_in

pytestmark = pytest.mark.browser
ROWS = 4000  # enough for the progress bar to be seen moving


@pytest.fixture
def reference(live_app):
    with live_app.app_context():
        if db.session.scalar(sa.select(sa.func.count(Municipality.belfiore))) == 0:
            load_municipalities(db.session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
            db.session.commit()


def test_staff_import_a_file_and_read_the_report(page, reference, tmp_path) -> None:
    tag = uuid.uuid4().hex[:6]
    lines = ["RAGIONE SOCIALE;INDIRIZZO;CAP;COMUNE;PROV;TELEFONO"]
    lines += [f"Trasporti {tag} {i} s.r.l.;V. Emilia {i % 200 + 1};40121;BOLOGNA;BO;"
              f"051 {4000000 + i}" for i in range(ROWS)]  # fmt: skip
    lines.append(";Via Po 1;10121;Torino;TO;")  # no name: rejected
    path = tmp_path / f"clienti-{tag}.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")

    upload_as_staff(page, path)

    # The columns page: the file's first rows and the suggested fields.
    expect(page.get_by_role("heading", name=f"Colonne di clienti-{tag}.csv")).to_be_visible()
    expect(page.get_by_text(f"Trasporti {tag} 0 s.r.l.")).to_be_visible()
    expect(page.get_by_label("Campo per la colonna RAGIONE SOCIALE")).to_have_value("company_name")
    expect(page.get_by_label("Campo per la colonna TELEFONO")).to_have_value("phone")
    page.get_by_role("button", name="Importa").click()

    # The progress bar moves, then the page shows the report by itself.
    expect(page.get_by_test_id("import-progress")).to_be_visible()
    expect(page.locator("progress")).to_be_visible()
    report = page.get_by_test_id("import-report")
    expect(report).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("accounts-created")).to_have_text(f"{ROWS:,}".replace(",", "."))
    expect(report).to_contain_text("tipo di via scritto per esteso")
    expect(report).to_contain_text("nessuna ragione sociale")
    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica tutte le righe scartate (CSV)").click()
    assert "Via Po 1" in download.value.path().read_text(encoding="utf-8-sig")


def upload_as_staff(page, path) -> None:
    """Staff sign in and send ``path`` as a customer base: the columns page comes next."""
    sign_in(page, "staff")
    page.get_by_role("link", name="Importazioni").click()
    page.get_by_label("File (CSV, XLSX o ODS)").set_input_files(str(path))
    page.get_by_label("Tipo di file").select_option("customer_base")
    page.get_by_role("button", name="Leggi il file").click()
