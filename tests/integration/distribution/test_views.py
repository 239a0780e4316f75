"""The distribution pages as staff use them: preview, build, confirm, export, download."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.distribution.models import ExportRun, Wave, WaveStatus
from tests.conftest import csrf_token
from tests.integration.distribution.conftest import run_jobs


@pytest.fixture
def staff(users, auth):
    auth.login("staff")


def test_only_staff_and_admins_reach_distribution(client, users, auth):
    for role in ("agent", "supervisor"):
        auth.login(role)
        assert client.get("/distribution/").status_code == 403
        auth.logout()
    auth.login("admin")
    assert client.get("/distribution/").status_code == 200


def test_home_shows_the_waiting_accounts_and_the_uncovered_escaped(client, session, network, staff):
    network.qualified(session, province="MI")
    network.qualified(session, province="PA", company_name="<script>alert(1)</script> SRL")
    page = client.get("/distribution/").get_data(as_text=True)
    assert 'data-testid="waiting-total"' in page and "2 account qualificati" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; SRL" in page and "<script>alert" not in page
    assert "MI-V01" in page  # the Milan pool


def test_an_uncovered_account_gets_an_owner_by_hand(client, session, network, staff):
    lost = network.qualified(session, province="PA")
    token = csrf_token(client, "/distribution/")
    response = client.post(
        "/distribution/owners",
        data={"csrf_token": token, "account_ids": [lost.id], "salesperson": network.torino.id},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Account, lost.id).salesperson_id == network.torino.id
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "distribution.assign_owner")
    ).one()
    assert entry.details["accounts"] == [lost.key]
    # Without ticking an account, the page says so and nothing changes.
    response = client.post(
        "/distribution/owners",
        data={"csrf_token": token, "salesperson": network.torino.id},
        follow_redirects=True,
    )
    assert "Seleziona almeno un account." in response.get_data(as_text=True)


def test_posting_without_a_csrf_token_is_refused(client, session, network, staff):
    network.qualified(session, province="MI")
    response = client.post(
        "/distribution/waves/new", data={"label": "X", "create": "1", "per_salesperson": "50"}
    )
    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count(Wave.id))) == 0


def test_staff_preview_build_confirm_export_and_download(
    app, client, session, network, staff, exports
):
    for horizon in ("3", "6", "12"):
        network.qualified(session, province="MI", horizon=horizon)
    preview = client.get("/distribution/waves/new?label=Novembre&per_salesperson=1")
    page = preview.get_data(as_text=True)
    assert 'data-testid="wave-preview"' in page
    assert "2 account per 2 venditori; 1 attendono" in page
    token = csrf_token(client, "/distribution/waves/new?label=Novembre&per_salesperson=1")
    response = client.post(
        "/distribution/waves/new",
        data={"csrf_token": token, "label": "Novembre", "per_salesperson": "1", "create": "1"},
    )
    assert response.status_code == 302
    wave = session.scalars(sa.select(Wave)).one()
    assert wave.status == WaveStatus.DRAFT and len(wave.accounts) == 2
    assert {a.horizon for a in wave.accounts} == {"3", "6"}  # the most urgent two
    client.post(f"/distribution/waves/{wave.id}/confirm", data={"csrf_token": token})
    session.refresh(wave)
    assert wave.status == WaveStatus.CONFIRMED
    statuses = session.scalars(
        sa.select(Account.status).where(Account.id.in_([a.account_id for a in wave.accounts]))
    ).all()
    assert set(statuses) == {AccountStatus.DISTRIBUTED}
    response = client.post(
        f"/distribution/waves/{wave.id}/export", data={"csrf_token": token, "locale": "it"}
    )
    assert response.status_code == 302
    run = session.scalars(sa.select(ExportRun)).one()
    page = client.get(f"/distribution/exports/{run.id}").get_data(as_text=True)
    assert 'data-testid="export-progress"' in page
    status = client.get(f"/distribution/exports/{run.id}/status").get_json()
    assert status["status"] == "queued" and status["percent"] == 0
    assert client.get(f"/distribution/exports/{run.id}/download").status_code == 404
    run_jobs(app, session)
    assert client.get(f"/distribution/exports/{run.id}/status").get_json()["status"] == "finished"
    page = client.get(f"/distribution/exports/{run.id}").get_data(as_text=True)
    assert 'data-testid="export-done"' in page
    # The ZIP's size in Italian figures: "12 KB" or "1,4 MB", never "0.0 MB".
    assert re.search(r"ZIP, (\d+ KB|\d+,\d MB)\)", page), page
    person = network.milano[0]
    # A file download holds the file open until the response is closed.
    with client.get(f"/distribution/exports/{run.id}/salespeople/{person.id}.zip") as response:
        assert response.status_code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
            assert any(n.endswith(".xlsx") for n in bundle.namelist())
    with client.get(f"/distribution/exports/{run.id}/download") as everything:
        assert everything.status_code == 200 and everything.data[:2] == b"PK"
    downloads = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "distribution.download")
        .order_by(AuditEntry.id)
    ).all()
    assert [len(d.details["accounts"]) for d in downloads] == [1, 2]
    assert all(d.user_id is not None for d in downloads)
    # Sent: the wave can no longer be cancelled.
    client.post(f"/distribution/waves/{wave.id}/sent", data={"csrf_token": token})
    response = client.post(
        f"/distribution/waves/{wave.id}/cancel", data={"csrf_token": token}, follow_redirects=True
    )
    assert "non può essere annullata" in response.get_data(as_text=True)
    session.refresh(wave)
    assert wave.status == WaveStatus.SENT


def test_a_salesperson_outside_the_run_is_not_found(app, client, session, network, staff, exports):
    network.qualified(session, province="TO", postcode="10121")
    token = csrf_token(client, "/distribution/")
    client.post(
        "/distribution/waves/new",
        data={"csrf_token": token, "label": "W", "per_salesperson": "5", "create": "1"},
    )
    wave = session.scalars(sa.select(Wave)).one()
    client.post(f"/distribution/waves/{wave.id}/confirm", data={"csrf_token": token})
    client.post(f"/distribution/waves/{wave.id}/export", data={"csrf_token": token, "locale": "en"})
    run_jobs(app, session)
    run = session.scalars(sa.select(ExportRun)).one()
    other = network.milano[0].id
    assert client.get(f"/distribution/exports/{run.id}/salespeople/{other}.zip").status_code == 404
    assert client.get("/distribution/exports/999999/download").status_code == 404


def test_wave_tables_name_the_dealers(client, session, network, staff):
    from app.territory.models import Dealer

    for dealer in session.scalars(sa.select(Dealer)):
        dealer.name = {"D-MI": "Officine Rossi Milano", "D-TO": "Autocarri Torinesi"}[dealer.code]
    for horizon in ("3", "6"):
        network.qualified(session, province="MI", horizon=horizon)
    session.flush()
    home = client.get("/distribution/").get_data(as_text=True)
    assert "Officine Rossi Milano" in home  # the dealer's pool, by name
    preview = client.get("/distribution/waves/new?label=Novembre&per_salesperson=1")
    assert "Officine Rossi Milano" in preview.get_data(as_text=True)
    token = csrf_token(client, "/distribution/waves/new")
    form = {"csrf_token": token, "label": "Novembre", "per_salesperson": "1", "create": "1"}
    client.post("/distribution/waves/new", data=form)
    wave = session.scalars(sa.select(Wave)).one()
    page = client.get(f"/distribution/waves/{wave.id}").get_data(as_text=True)
    table = page[page.index('<table class="data" data-sortable') :]
    assert "Officine Rossi Milano" in table[: table.index("</table>")]
    assert "<td>D-MI</td>" not in page
