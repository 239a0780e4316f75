"""The import pages: upload, columns, progress and report, review and undo."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.extensions import db
from app.imports.models import (
    BatchStatus,
    DuplicatePair,
    ImportBatch,
    ImportMapping,
    PairStatus,
)
from app.jobs import runner as job_runner
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from tests import factories
from tests.conftest import csrf_token

CSV = (b"RAGIONE SOCIALE;COMUNE;PROV;TELEFONO\r\n"
       b"Rossi SRL;Cantu';CO;031 123456\r\n"
       b";Roma;RM;\r\n"
       b"=HYPERLINK(1);Roma;RM;\r\n")  # fmt: skip


@pytest.fixture
def staff(users, auth):
    auth.login("staff")


def upload(client, data: bytes, name: str = "clienti.csv", kind: str = "customer_base"):
    token = csrf_token(client, "/imports/")
    return client.post(
        "/imports/",
        data={"csrf_token": token, "source_kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_the_whole_flow_from_upload_to_report(app, client, session, staff) -> None:
    load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    session.commit()
    csv = CSV.replace(b"=HYPERLINK(1)", b"Bianchi SNC")
    response = upload(client, csv)
    assert response.status_code == 302 and "/mapping" in response.headers["Location"]
    batch = session.scalars(sa.select(ImportBatch)).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rossi SRL" in page and "Cantu&#39;" in page  # the preview, escaped
    assert 'selected value="company_name"' in page  # RAGIONE SOCIALE was recognised
    token = csrf_token(client, f"/imports/{batch.id}/mapping")
    form = {"csrf_token": token, "col_0": "company_name", "col_1": "municipality",
            "col_2": "province", "col_3": "phone"}  # fmt: skip
    response = client.post(f"/imports/{batch.id}/mapping", data=form)
    assert response.status_code == 302
    session.refresh(batch)
    assert batch.status == BatchStatus.MAPPED and batch.job_run_id
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert 'data-testid="import-progress"' in page and "<progress" in page
    assert "In attesa del proprio turno" in page  # Italian, not "Waiting for its turn"
    with app.app_context():
        job_runner.perform(batch.job_run_id)
        db.session.remove()
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert 'data-testid="import-report"' in page
    assert 'data-testid="accounts-created">2<' in page
    saved = session.scalars(sa.select(ImportMapping)).one()
    assert saved.mapping["RAGIONE SOCIALE"] == "company_name"
    csv_file = client.get(f"/imports/{batch.id}/rejected.csv")
    text = csv_file.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    assert text.splitlines()[1] == "3;nessuna ragione sociale;;Roma;RM;"


def test_a_bad_file_is_refused_on_the_page_and_nothing_is_stored(client, session, staff) -> None:
    response = upload(client, b"%PDF-1.7 not a spreadsheet", name="offerta.pdf")
    assert response.status_code == 200
    assert "PDF" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_a_formula_is_refused_before_anything_is_stored(client, session, staff) -> None:
    response = upload(client, CSV)
    assert response.status_code == 200 and "formula" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_a_mapping_without_a_name_column_is_explained(client, session, staff) -> None:
    upload(client, CSV.replace(b"=HYPERLINK(1)", b"Bianchi"))
    batch = session.scalars(sa.select(ImportBatch)).one()
    token = csrf_token(client, f"/imports/{batch.id}/mapping")
    response = client.post(
        f"/imports/{batch.id}/mapping",
        data={"csrf_token": token, "col_0": "", "col_1": "municipality"},
    )
    assert response.status_code == 200, response.headers.get("Location")
    assert 'data-testid="mapping-errors"' in response.get_data(as_text=True)
    session.refresh(batch)
    assert batch.status == BatchStatus.UPLOADED and batch.job_run_id is None


def test_review_merge_and_undo_from_the_pages(client, session, staff) -> None:
    a = factories.account(session, company_name="VERDI", status=AccountStatus.READY)
    b = factories.account(session, company_name="VERDI LUIGI", status=AccountStatus.READY)
    pair = DuplicatePair(account_a_id=a.id, account_b_id=b.id, score=0.8, reasons=["same_phone"])
    session.add(pair)
    session.commit()
    page = client.get("/workspace/review").get_data(as_text=True)
    assert "Verdi Luigi" in page and "80 %" in page
    page = client.get(f"/workspace/review/{pair.id}").get_data(as_text=True)
    assert 'accesskey="m"' in page and a.key in page and b.key in page
    token = csrf_token(client, f"/workspace/review/{pair.id}")
    response = client.post(f"/workspace/review/{pair.id}", data={"csrf_token": token, "same": "1"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Account, b.id).status == AccountStatus.MERGED
    assert session.get(DuplicatePair, pair.id).status == PairStatus.CONFIRMED
    page = client.get("/workspace/review").get_data(as_text=True)
    merge_id = page.split("/workspace/merges/")[1].split("/")[0]
    token = csrf_token(client, "/workspace/review")
    client.post(f"/workspace/merges/{merge_id}/undo", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Account, b.id).status == AccountStatus.READY


def test_agents_and_supervisors_cannot_import(client, users, auth) -> None:
    for role in ("agent", "supervisor"):
        auth.login(role)
        assert client.get("/imports/").status_code == 403
        assert client.get("/workspace/review").status_code == 403
        auth.logout()


def test_the_mapping_form_needs_its_csrf_token(client, session, staff) -> None:
    upload(client, CSV.replace(b"=HYPERLINK(1)", b"Bianchi"))
    batch = session.scalars(sa.select(ImportBatch)).one()
    response = client.post(f"/imports/{batch.id}/mapping", data={"col_0": "company_name"})
    assert response.status_code == 400  # refused by the CSRF protection, nothing started
    session.refresh(batch)
    assert batch.status == BatchStatus.UPLOADED and batch.job_run_id is None


def test_rejected_rows_are_downloaded_inert(app, client, session, staff) -> None:
    from app.imports.models import ImportRejection

    upload(client, CSV.replace(b"=HYPERLINK(1)", b"Bianchi"))
    batch = session.scalars(sa.select(ImportBatch)).one()
    session.add(
        ImportRejection(
            batch_id=batch.id,
            row_number=9,
            reason="company_name_missing",
            data={"RAGIONE SOCIALE": "", "COMUNE": "=cmd|' /C calc'!A0"},
        )
    )
    session.commit()
    text = client.get(f"/imports/{batch.id}/rejected.csv").get_data(as_text=True)
    assert ";'=cmd|' /C calc'!A0;" in text  # shown as text by a spreadsheet, never run


def _refusal(client, data: bytes, name: str) -> str:
    response = upload(client, data, name=name)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_old_excel_file_is_refused_in_italian(client, session, staff) -> None:
    page = _refusal(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", "clienti.xls")
    assert "vecchio Excel (.xls)" in page and "old Excel" not in page


def test_an_unreadable_spreadsheet_is_explained_without_its_internals(
    client, session, staff
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # looks like an XLSX, is not one
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<x")
    page = _refusal(client, buffer.getvalue(), "clienti.xlsx")
    assert "Il foglio di calcolo non si può leggere" in page
    assert "_rels" not in page and "not found" not in page


def test_a_broken_csv_is_explained_without_its_internals(client, session, staff) -> None:
    data = b'RAGIONE SOCIALE;COMUNE\r\n"Rossi SRL;Roma\r\n' + b"Bianchi SNC;Milano\r\n" * 9000
    page = _refusal(client, data, "clienti.csv")  # a quote opened and never closed
    assert "virgolett" in page and "field limit" not in page and "131072" not in page


def test_a_value_too_long_names_its_field_and_limit_on_the_report(
    client, session, staff, write_csv, do_import
) -> None:
    rows = [["RAGIONE SOCIALE", "COMUNE"], ["Rossi " * 40, "Roma"], ["Bianchi SNC", "Roma"]]
    batch, _report = do_import(write_csv(rows))
    session.commit()
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "Ragione sociale: valore troppo lungo, al massimo 200 caratteri" in page
    text = client.get(f"/imports/{batch.id}/rejected.csv").get_data(as_text=True)
    assert "Ragione sociale: valore troppo lungo, al massimo 200 caratteri" in text


def test_the_mapping_page_asks_the_age_of_earlier_results(client, session, staff) -> None:
    response = upload(client, CSV.replace(b"=HYPERLINK(1)", b"Bianchi SNC"))
    batch = session.scalars(sa.select(ImportBatch)).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "negli ultimi N mesi" in page and 'name="qualified_within_months"' in page
    assert 'value="12"' in page
    token = csrf_token(client, f"/imports/{batch.id}/mapping")
    form = {"csrf_token": token, "col_0": "company_name", "qualified_within_months": "121"}
    response = client.post(f"/imports/{batch.id}/mapping", data=form)
    assert response.status_code == 200  # over ten years: refused on the page
    form["qualified_within_months"] = "6"
    response = client.post(f"/imports/{batch.id}/mapping", data=form)
    assert response.status_code == 302
    session.refresh(batch)
    assert batch.qualified_within_months == 6
