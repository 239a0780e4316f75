"""Hostile company names through the import: they come out inert. The same payloads worked
on the desk, on the board and in distribution: tests/integration/test_injection_worked.py.

Each payload is a name someone could type into a customer file or the desk. "Inert" means,
per output: HTML pages show it escaped (``&lt;script&gt;``, never the tag) and every inline
JSON block still parses; JSON answers carry it as a string; spreadsheet cells (XLSX, CSV,
the CRM's CSVs, the rejected rows) start with an apostrophe when a spreadsheet would run
them, and no XLSX cell is a formula; the PDF shows the text; SQL fragments are stored as
text (bound parameters) and the tables are still there. docs/security-tests.md lists where
each is checked.

The users and the municipality reference the imports read are loaded once for the module
(a shared world: loading 7,900 municipalities takes seconds); each test imports in a
savepoint of its own.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape
from openpyxl import Workbook

from app.accounts.models import Account, AccountFlag, AccountSource
from app.accounts.names import company_display
from app.accounts.normalise.changes import squash
from app.accounts.normalise.municipality import bundled_index
from app.extensions import db
from app.imports.models import DuplicatePair, ImportBatch, ImportRejection
from app.imports.records import make_record
from app.jobs import runner as job_runner
from app.spreadsheets.safety import DANGEROUS_FIRST
from app.territory.municipalities import (
    BUNDLED_REFERENCE_DATE,
    bundled_municipalities,
    search_key,
)
from app.territory.services import load_municipalities
from app.users.models import User
from tests import factories
from tests.conftest import csrf_token, shared_world

PAYLOADS: dict[str, str] = {
    "script": "<script>alert(1)</script>",
    "img": '"><img src=x onerror=alert(1)>',
    "sql_drop": "'; DROP TABLE accounts; --",
    "sql_delete": "Robert'); DELETE FROM users;--",
    "hyperlink": '=HYPERLINK("http://evil","x")',
    "formula": "=1+1",
    "phone_like": "+39 06 1234 5678",
    "minus": "-2+3",
    "at_sum": "@SUM(A1)",
    "tab_dde": "\t=cmd|' /C calc'!A0",
    "jinja": "{{ 7*7 }}",
    "jinja_raw": "{% raw %}",
    "dollar": "${7*7}",
    "rtl": "Trasporti \u202eLRS\u202c Nord",
    "long": "Autotrasporti " + "Lunghissimo " * 30,
    "control": "Ditta\x01\x07\x1b Rossi",
    "nul": "Ditta\x00Nulla",
}
# Refused by the import as formulas (the whole file, with the cell named).
FORMULAS = ("hyperlink", "formula", "at_sum", "tab_dde")
# Storable nowhere (PostgreSQL refuses NUL): refused with a message or dropped, never a 500.
UNSTORABLE = ("nul",)
IMPORTABLE = [k for k in PAYLOADS if k not in FORMULAS + UNSTORABLE]
# An XLSX file cannot hold control characters at all (openpyxl refuses to write them).
XLSX_IMPORTABLE = [k for k in IMPORTABLE if k != "control"]
HEADER = ["RAGIONE SOCIALE", "INDIRIZZO", "COMUNE", "PROV", "EMAIL", "NOTE"]
LIVE_MARKUP = re.compile(r"<script>alert|<img src=x|<img\s[^>]*onerror", re.I)
JSON_BLOCK = re.compile(r'<script type="application/json"[^>]*>(.*?)</script>', re.S)
JSON_ATTRIBUTE = re.compile(r"data-[\w-]+='([^']*)'")


def assert_inert_html(page: str, *shown: str) -> None:
    """No payload became markup; each value in ``shown`` is on the page, escaped; every
    inline JSON block (and JSON data attribute) still parses, so none was broken out of."""
    assert not LIVE_MARKUP.search(page), LIVE_MARKUP.search(page)
    for value in shown:
        assert str(escape(value)) in page, value
    for block in JSON_BLOCK.findall(page):
        json.loads(block)
    for attribute in JSON_ATTRIBUTE.findall(page):
        json.loads(attribute.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"))


def assert_inert_cell(value: object) -> None:
    """A spreadsheet cell a spreadsheet would show, never run."""
    if isinstance(value, str):
        assert not value.startswith(DANGEROUS_FIRST), repr(value)


# Import ------------------------------------------------------------------------------------


def payload_row(key: str) -> list[str]:
    """One file row carrying payload ``key`` in every text column a file may fill."""
    text = PAYLOADS[key]
    return [text, text, text, "MI", text, text]


FILE_NAME = "<img src=x onerror=alert(1)> clienti"  # the upload's name is shown too


def write_file(tmp_path: Path, rows: list[list[str]], kind: str) -> Path:
    path = tmp_path / f"{FILE_NAME}.{kind}"
    if kind == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(rows)
        path.write_bytes(buffer.getvalue().encode("utf-8"))
    else:
        book = Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    return path


def upload(client, path: Path):
    token = csrf_token(client, "/imports/")
    data = {"csrf_token": token, "source_kind": "customer_base",
            "file": (io.BytesIO(path.read_bytes()), path.name)}  # fmt: skip
    return client.post("/imports/", data=data, content_type="multipart/form-data")


def import_through_pages(app, client, session, path: Path, *shown: str) -> ImportBatch:
    """Upload, check the preview (``shown`` on it, escaped), confirm the columns, run the
    import's job."""
    response = upload(client, path)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    assert_inert_html(page, *shown)  # the preview
    batch = session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    form = {"csrf_token": csrf_token(client, mapping_url)}
    form |= {f"col_{n}": f for n, f in enumerate(
        ["company_name", "street", "municipality", "province", "email", "notes"])}  # fmt: skip
    assert client.post(mapping_url, data=form).status_code == 302
    session.refresh(batch)
    with app.app_context():
        job_runner.perform(batch.job_run_id)
        db.session.remove()
    session.expire_all()
    return batch


@pytest.fixture(scope="module")
def reference(app) -> Iterator[dict[str, User]]:
    """One user per role and the municipality reference, for every test of the module."""
    with shared_world(app, "reference") as world:
        users = factories.users_by_role(world)
        load_municipalities(world, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
        world.commit()
        yield users


@pytest.fixture
def staff(reference, auth):
    auth.login("staff")


@pytest.fixture(scope="module")
def cleaner():
    """The import's own cleaning of one row: what the account must hold, no more."""
    index = bundled_index()
    provinces = {search_key(r.province_name): r.province_code for r in bundled_municipalities()}
    fields = ("company_name", "street", "municipality", "province", "email", "notes")
    return lambda row: make_record(2, dict(zip(fields, row, strict=True)), index, provinces)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_imported_payloads_are_stored_as_text_and_shown_escaped(
    app, client, session, reference, staff, tmp_path, cleaner, kind
) -> None:
    keys = IMPORTABLE if kind == "csv" else XLSX_IMPORTABLE
    path = write_file(tmp_path, [HEADER] + [payload_row(k) for k in keys], kind)
    batch = import_through_pages(app, client, session, path, PAYLOADS["script"], PAYLOADS["img"])
    assert batch.status.value == "done", batch.report
    by_row = {n: a for n, a in session.execute(
        sa.select(AccountSource.row_number, Account).join(Account))}  # fmt: skip
    rejected = {r.row_number: r.reason for r in session.scalars(sa.select(ImportRejection))}
    for row_number, key in enumerate(keys, start=2):
        expected = cleaner(payload_row(key))
        if key == "long":  # longer than a company name may be: refused with its reason
            assert rejected[row_number].startswith("value_too_long:") and row_number not in by_row
            continue
        account = by_row[row_number]
        for name in ("company_name", "street", "municipality", "email"):
            assert getattr(account, name) == expected.fields.get(name), (key, name)
        assert account.notes == squash(PAYLOADS[key])  # notes exactly as written
        source = session.scalars(
            sa.select(AccountSource).where(AccountSource.account_id == account.id)
        ).one()
        assert source.data["NOTE"] == PAYLOADS[key]  # the row as the file held it
    assert by_row[keys.index("sql_drop") + 2].notes == "'; DROP TABLE accounts; --"
    assert by_row[keys.index("script") + 2].company_name == "<SCRIPT>ALERT(1)</SCRIPT>"
    # The SQL fragments were data: both tables are still there, whole.
    assert session.scalar(sa.select(sa.func.count(User.id))) == len(reference)
    assert session.scalar(sa.select(sa.func.count(Account.id))) == len(by_row)
    script, img = by_row[2].company_name, by_row[3].company_name
    pair = DuplicatePair(account_a_id=by_row[2].id, account_b_id=by_row[3].id, score=0.8,
                         reasons=["same_municipality"])  # fmt: skip
    session.add(pair)
    session.commit()
    pages = {
        f"/imports/{batch.id}": [FILE_NAME],
        "/imports/": [FILE_NAME],
        "/workspace/doubts": [company_display(script), company_display(img)],  # as people read
        f"/workspace/doubts/{by_row[2].id}": [company_display(script)],
        f"/workspace/doubts/{by_row[3].id}": [company_display(img), PAYLOADS["img"]],  # e-mail raw
        "/workspace/review": [company_display(script), company_display(img)],
        f"/workspace/review/{pair.id}": [script, img, PAYLOADS["img"]],
        "/workspace/": [],
    }
    for url, shown in pages.items():
        assert_inert_html(client.get(url).get_data(as_text=True), *shown)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("key", FORMULAS)
def test_a_formula_in_a_file_refuses_the_file(client, session, staff, tmp_path, key, kind):
    row = ["Trasporti Bianchi", "Via Roma 1", "Milano", "MI", "", PAYLOADS[key]]
    response = upload(client, write_file(tmp_path, [HEADER, row], kind))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "formula" in page and ("F2" in page or "colonna 6" in page), page[-3000:]
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_nul_characters_refuse_the_file_with_a_message(client, session, staff, tmp_path):
    row = ["Trasporti Bianchi", "Via Roma 1", "Milano", "MI", "", PAYLOADS["nul"]]
    response = upload(client, write_file(tmp_path, [HEADER, row], "csv"))
    assert response.status_code == 200
    assert "dati binari" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_a_nul_far_into_a_file_refuses_the_file_too(app, client, session, staff, tmp_path):
    filler = [[f"Trasporti {n}", "Via Roma 1", "Milano", "MI", "", "x" * 200] for n in range(400)]
    rows = [HEADER, *filler, ["Trasporti Bianchi", "", "Milano", "MI", "", PAYLOADS["nul"]]]
    path = write_file(tmp_path, rows, "csv")
    assert path.read_bytes().index(b"\x00") > 64 * 1024  # past what the upload sniffs
    response = upload(client, path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "dati binari" in page, page[-2000:]
    assert session.scalar(sa.select(sa.func.count(Account.id))) == 0


def test_rejected_rows_download_is_formula_safe(app, client, session, staff, tmp_path) -> None:
    hostile = [PAYLOADS[k] for k in ("minus", "phone_like", "script", "sql_drop")]
    rows = [HEADER, ["--", *hostile, "x"], ["Trasporti Bianchi", "Via Roma 1", "Milano", "MI",
                                            "", "ok"]]  # fmt: skip
    path = write_file(tmp_path, rows, "csv")
    batch = import_through_pages(app, client, session, path, *hostile)
    response = client.get(f"/imports/{batch.id}/rejected.csv")
    assert response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                            delimiter=";"))  # fmt: skip
    assert len(table) == 2
    for cell in table[1]:
        assert_inert_cell(cell)
    assert table[1][3:7] == ["'-2+3", "'+39 06 1234 5678", *hostile[2:]]
    assert_inert_html(client.get(f"/imports/{batch.id}").get_data(as_text=True))


def test_doubt_corrections_drop_nul_and_refuse_what_does_not_fit(
    app, client, session, staff, tmp_path
) -> None:
    row = [PAYLOADS["img"], "Via Roma 1", "Paese Inventato", "MI", "", "n"]
    batch = import_through_pages(app, client, session, write_file(tmp_path, [HEADER, row], "csv"))
    report = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert 'href="/workspace/doubts" data-testid="to-doubts"' in report  # where to settle it
    account = session.scalars(sa.select(Account)).one()
    flag = session.scalars(sa.select(AccountFlag).where(AccountFlag.account_id == account.id)).one()
    url = f"/workspace/doubts/{account.id}"

    def post(**values: str):
        page = client.get(url).get_data(as_text=True)
        assert_inert_html(page, company_display('"><IMG SRC=X ONERROR=ALERT(1)>'))
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        form = {"csrf_token": csrf_token(client, url), "version": version, **values}
        return client.post(url, data=form)

    assert flag.field == "municipality"
    response = post(municipality=PAYLOADS["long"], keep=str(flag.id))
    assert response.status_code == 200
    assert "Resta entro 120 caratteri." in response.get_data(as_text=True)
    assert post(municipality=PAYLOADS["nul"], keep=str(flag.id)).status_code == 302
    session.refresh(account)
    assert account.municipality == "DittaNulla"
