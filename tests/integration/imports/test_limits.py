"""The import's own readings of a file keep to the limits: the job reading the stored file
and the mapping page reading the batch's header."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Account
from app.imports.models import BatchStatus, ImportBatch, SourceKind
from app.imports.pipeline import run_import
from app.imports.services import receive_file
from app.spreadsheets.reading import FileRefused

HEADER = ["RAGIONE SOCIALE", "COMUNE"]


def test_the_import_job_reads_the_stored_file_within_the_limits(
    app, session, write_csv, reference, monkeypatch
) -> None:
    """The job reads the file again: a limit lowered since the upload stops it, and the
    job's transaction writes nothing."""
    path = write_csv([HEADER, *[[f"Rossi {i} SRL", "Roma"] for i in range(20)]])
    with app.app_context():
        batch = receive_file(session, path, path.name, SourceKind.CUSTOMER_BASE, user_id=None)
        batch.column_mapping = {"RAGIONE SOCIALE": "company_name", "COMUNE": "municipality"}
        monkeypatch.setitem(app.config, "READ_MAX_ROWS", 10)
        with pytest.raises(FileRefused, match="Il file ha più di 10 righe"):
            run_import(session, batch, lambda *a, **k: None, reference=reference)
    assert session.scalar(sa.select(sa.func.count(Account.id))) == 0


def test_a_batch_with_a_header_past_the_column_limit_gets_no_mapping_form(
    client, session, users, auth
) -> None:
    """A batch received before the limits (the probe's header of millions of cells made a
    page of as many selectors) is sent back to its page with the reason."""
    staff = users["staff"]
    header = [f"Colonna {i}" for i in range(1, 2001)]
    batch = ImportBatch(source_kind=SourceKind.CUSTOMER_BASE, filename="largo.csv",
                        file_sha256="0" * 64, stored_path="/nonexistent/largo.csv",
                        status=BatchStatus.UPLOADED, uploaded_by_id=staff.id,
                        report={"format": {"kind": "csv"}, "preview": [header]})  # fmt: skip
    session.add(batch)
    session.flush()
    auth.login("staff")
    response = client.get(f"/imports/{batch.id}/mapping")
    assert response.status_code == 302 and response.headers["Location"] == f"/imports/{batch.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "La riga 1 ha 2.000 colonne; il limite è 200" in page
    assert 'name="col_0"' not in page


def test_a_header_within_the_limit_gets_its_form(client, session, users, auth) -> None:
    batch = ImportBatch(source_kind=SourceKind.CUSTOMER_BASE, filename="a.csv",
                        file_sha256="1" * 64, stored_path="/nonexistent/a.csv",
                        status=BatchStatus.UPLOADED, uploaded_by_id=users["staff"].id,
                        report={"format": {"kind": "csv"}, "preview": [HEADER * 100]})  # fmt: skip
    session.add(batch)
    session.flush()
    auth.login("staff")
    page = client.get(f"/imports/{batch.id}/mapping").get_data(as_text=True)
    assert 'name="col_199"' in page
