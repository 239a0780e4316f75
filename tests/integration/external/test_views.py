"""The external data company's page: the file out, the file back, the report."""

from __future__ import annotations

import io

import sqlalchemy as sa

from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.extensions import db
from app.imports.models import FieldChange, ImportBatch
from app.jobs import runner as job_runner
from app.jobs.models import JobRun
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from tests.conftest import csrf_token
from tests.integration.external.conftest import read_csv
from tests.integration.external.test_round_trip import as_csv, edited


def test_out_and_back_through_the_pages(app, client, session, auth, users, base,
                                        tmp_path) -> None:  # fmt: skip
    load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    session.commit()
    auth.login("staff")
    page = client.get("/imports/").get_data(as_text=True)
    assert "/external/" in page  # the link from the imports page
    page = client.get("/external/?provinces=MI&statuses=ready").get_data(as_text=True)
    assert 'data-testid="processing-note"' in page and ">4</strong>" in page
    token = csrf_token(client, "/external/")
    response = client.post("/external/export?provinces=MI&statuses=ready",
                           data={"csrf_token": token, "file_format": "csv"})  # fmt: skip
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.data)
    assert len(rows) == 5
    assert session.scalar(sa.select(sa.func.count(AuditEntry.id))
                          .where(AuditEntry.action == "external.exported")) == 1  # fmt: skip

    path = as_csv(edited(rows, base), tmp_path)
    response = client.post(
        "/external/return",
        data={"csrf_token": token, "file": (io.BytesIO(path.read_bytes()), "ritorno.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="return-progress"' in page and "<progress" in page
    batch = session.scalars(sa.select(ImportBatch)).one()
    run_job(app, batch.job_run_id)
    report = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="return-progress"' not in report
    assert "non è un indirizzo" in report and "Ora si chiama VERDI GROUP" in report
    session.expire_all()
    assert base["neri"].status == AccountStatus.INVALID


def test_an_unknown_key_lands_nothing_and_says_why(app, client, session, auth, users, base,
                                                   tmp_path) -> None:  # fmt: skip
    load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    session.commit()
    auth.login("staff")
    path = as_csv([["KEY", "RAGIONE_SOCIALE", "ESITO"], ["QZZZZZZZZZZ", "<b>X</b>", "OK"]],
                  tmp_path)  # fmt: skip
    token = csrf_token(client, "/external/")
    response = client.post(
        "/external/return",
        data={"csrf_token": token, "file": (io.BytesIO(path.read_bytes()), "ritorno.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302  # the keys are checked by the job
    run_job(app, session.scalars(sa.select(ImportBatch)).one().job_run_id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    refused = page[page.index('data-testid="return-refused"') :]
    assert "Riga 2: la KEY QZZZZZZZZZZ non corrisponde a nessun account." in refused
    assert "&lt;b&gt;X" not in page and "<b>X" not in page  # the file's cells are not shown
    assert session.scalar(sa.select(sa.func.count(FieldChange.id))) == 0


def test_a_file_without_the_key_column_is_refused_at_once(client, session, auth, users,
                                                          tmp_path) -> None:  # fmt: skip
    auth.login("staff")
    path = as_csv([["RAGIONE_SOCIALE", "ESITO"], ["ROSSI", "OK"]], tmp_path)
    token = csrf_token(client, "/external/")
    response = client.post(
        "/external/return",
        data={"csrf_token": token, "file": (io.BytesIO(path.read_bytes()), "ritorno.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-testid="return-errors"' in page and "KEY" in page
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0
    assert session.scalar(sa.select(sa.func.count(JobRun.id))) == 0


def run_job(app, run_id: str) -> None:
    """What the runner does with the recorded job (tests record jobs, never dispatch them)."""
    with app.app_context():
        job_runner.perform(run_id)
        db.session.remove()


def test_agents_cannot_reach_the_page(client, auth, users) -> None:
    auth.login("agent")
    assert client.get("/external/").status_code == 403
