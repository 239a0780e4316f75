"""The round trip: a wave's packs exported, a salesperson's XLSX filled in with openpyxl as
Excel would leave it, uploaded by staff, recorded whole or not at all, the figures changed;
a CRM extract mapped like an import; the same file twice records nothing twice."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.distribution import exporting
from app.results.models import AccountResult
from tests.conftest import csrf_token
from tests.integration.results.conftest import run_jobs

SELECT = re.compile(r'<select[^>]*name="(col_\d+)"[^>]*>(.*?)</select>', re.S)
SELECTED = re.compile(r'<option selected value="([^"]*)"')


def packs(app, session, wave, exports) -> dict[str, bytes]:
    """Salesperson code -> their XLSX, as the export publishes it."""
    with app.test_request_context():
        run = exporting.start_export(session, wave, by=None)
    session.commit()
    run_jobs(app, session)
    session.refresh(run)
    folder = exports / run.folder
    found = {}
    for person in run.manifest["salespeople"]:
        with zipfile.ZipFile(folder / "salespeople" / person["zip"]["name"]) as one:
            [name] = [n for n in one.namelist() if n.endswith(".xlsx")]
            found[person["code"]] = one.read(name)
    return found


def fill(body: bytes, results: dict[str, dict[str, object]]) -> bytes:
    """The pack with its result columns filled for the companies named, as a salesperson
    does in Excel (dates as dates, numbers as numbers)."""
    book = load_workbook(io.BytesIO(body))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    company = header.index("Ragione sociale")
    for row in sheet.iter_rows(min_row=2):
        for column, value in results.get(row[company].value, {}).items():
            row[header.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, body: bytes, name: str, source: str = "salesperson_file"):
    """Upload, then record with the columns the mapping page proposed."""
    token = csrf_token(client, "/results/upload")
    page = client.post(
        "/results/upload",
        data={"csrf_token": token, "source": source, "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    kept = re.search(r'name="upload" type="hidden" value="([^"]+)"', html)
    assert kept, html[:2000]
    data = {"csrf_token": token, "upload": kept[1], "source": source, "filename": name}
    for field, options in SELECT.findall(html):
        chosen = SELECTED.search(options)
        data[field] = chosen[1] if chosen else ""
    return client.post("/results/load", data=data)


@pytest.fixture
def staff(users, auth):
    auth.login("staff")


def count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(AccountResult))


def test_a_filled_pack_comes_back_and_the_figures_change(
    app, session, client, handed, exports, staff, users, auth
):
    files = packs(app, session, handed.wave, exports)
    torino = fill(
        files["TO-V01"],
        {
            "Autotrasporti Gamma": {
                "Esito": "Venduto",
                "Data esito": datetime(2026, 11, 2),
                "Veicoli venduti": 3,
                "Valore venduto (EUR)": 184000.5,
            }
        },
    )
    response = upload(client, torino, "TO-V01.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "1 esito registrato." in page and "Autotrasporti" not in page  # keys, not names
    [result] = session.scalars(sa.select(AccountResult)).all()
    assert (result.account_id, result.outcome, result.vehicles) == (handed.torino.id, "sold", 3)
    assert str(result.value) == "184000.50" and result.source == "salesperson_file"
    assert result.recorded_by_id == users["staff"].id
    # The same file again: nothing twice.
    again = upload(client, torino, "TO-V01 (1).xlsx").get_data(as_text=True)
    assert "1 era già registrato" in again and count(session) == 1
    # The supervisor's figures: one sale out of three hand-offs.
    auth.logout()
    auth.login("supervisor")
    figures = client.get("/results/").get_data(as_text=True)
    table = figures.split('data-testid="results-all"')[1].split("</table>")[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', table)
    assert cells[:7] == ["3", "1", "1", "33,3%", "3", "184.000,50", "32"]


def test_one_wrong_row_refuses_the_whole_file_and_says_why(session, client, handed, staff):
    alfa, beta = handed.milano
    extract = (
        "Chiave account;Esito;Data esito;Motivo perdita\r\n"
        f"{alfa.key};Venduto;02/11/2026;\r\n"
        f"{beta.key};Perso;03/11/2026;\r\n"  # no reason: refused
        f"{handed.torino.key};Venduto;;\r\n"  # no date: refused
        "K-NOBODY;Visitato;03/11/2026;\r\n"
    ).encode()
    response = upload(client, extract, "esiti.csv", source="crm_extract")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    refused = page.split('data-testid="refused"')[1].split("</table>")[0]
    rows = re.findall(r'<td class="num">(\d+)</td><td>([^<]*)</td>', refused)
    assert rows == [("3", beta.key), ("4", handed.torino.key), ("5", "K-NOBODY")]
    assert "Indica perché l&#39;account è stato perso" in refused
    assert "Una vendita richiede la sua data." in refused
    assert "Nessun account ha la chiave K-NOBODY." in refused
    assert count(session) == 0  # the good row did not land either


def test_a_crm_extract_mapped_by_vat_number(app, session, client, handed, staff):
    extract = (
        b"Deal ID;P.IVA;Deal Stage;Close Date;Amount;Lost Reason\r\n"
        b"D-1;IT01234567897;Sold;05/11/2026;12.500,00;\r\n"
        b"D-2;01234567897;visited;2026-10-20;;\r\n"
    )
    response = upload(client, extract, "hubspot.csv", source="crm_extract")
    assert response.status_code == 200, response.get_data(as_text=True)
    results = session.scalars(sa.select(AccountResult).order_by(AccountResult.occurred_on)).all()
    assert [(r.outcome, r.occurred_on.isoformat(), r.value) for r in results] == [
        ("visited", "2026-10-20", None),
        ("sold", "2026-11-05", 12500),
    ]
    assert {r.account_id for r in results} == {handed.milano[0].id}
    assert {r.source for r in results} == {"crm_extract"}


def test_a_formula_in_the_returned_file_is_refused_before_anything(
    app, session, client, handed, exports, staff
):
    files = packs(app, session, handed.wave, exports)
    filled = fill(
        files["TO-V01"],
        {
            "Autotrasporti Gamma": {
                "Esito": "Venduto",
                "Data esito": datetime(2026, 11, 2),
                "Note esito": '=HYPERLINK("http://x","y")',
            }
        },
    )
    token = csrf_token(client, "/results/upload")
    page = client.post(
        "/results/upload",
        data={
            "csrf_token": token,
            "source": "salesperson_file",
            "file": (io.BytesIO(filled), "x.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert "formula" in page.get_data(as_text=True).lower() and count(session) == 0


def test_only_staff_and_admins_load_results(client, users, auth):
    for role, status in (("agent", 403), ("supervisor", 403), ("admin", 200), ("staff", 200)):
        auth.login(role)
        assert client.get("/results/upload").status_code == status, role
        auth.logout()
