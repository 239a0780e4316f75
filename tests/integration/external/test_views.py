"""The external data company's page: the file out, the file back, the report."""

from __future__ import annotations

import io

import sqlalchemy as sa

from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.imports.models import ImportBatch
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
    report = client.get(response.headers["Location"]).get_data(as_text=True)
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
    assert response.status_code == 400
    assert "QZZZZZZZZZZ" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_agents_cannot_reach_the_page(client, auth, users) -> None:
    auth.login("agent")
    assert client.get("/external/").status_code == 403
