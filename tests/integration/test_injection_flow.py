"""Hostile company names through import, desk, board and distribution: they come out inert.

Each payload is a name someone could type into a customer file or the desk. "Inert" means,
per output: HTML pages show it escaped (``&lt;script&gt;``, never the tag) and every inline
JSON block still parses; JSON answers carry it as a string; spreadsheet cells (XLSX, CSV,
the CRM's CSVs, the rejected rows) start with an apostrophe when a spreadsheet would run
them, and no XLSX cell is a formula; the PDF shows the text; SQL fragments are stored as
text (bound parameters) and the tables are still there. docs/security-tests.md lists where
each is checked.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape
from openpyxl import Workbook, load_workbook

from app.accounts.models import Account, AccountFlag, AccountPhone, AccountSource, PhoneKind
from app.accounts.names import company_display
from app.accounts.normalise.changes import squash
from app.accounts.normalise.municipality import bundled_index
from app.accounts.status import AccountStatus
from app.board import cache
from app.campaigns.models import CampaignStatus, QueueEntry
from app.campaigns.queueing import enqueue_segment, segment_from_options
from app.campaigns.services import create_campaign, set_status
from app.desk.models import CallAttempt
from app.extensions import db
from app.imports.models import DuplicatePair, ImportBatch, ImportRejection
from app.imports.records import make_record
from app.jobs import runner as job_runner
from app.scripting.services import load_script
from app.spreadsheets.safety import DANGEROUS_FIRST
from app.territory.municipalities import (
    BUNDLED_REFERENCE_DATE,
    bundled_municipalities,
    search_key,
)
from app.territory.services import load_municipalities
from app.users.models import User
from config import ROOT
from tests import factories
from tests.conftest import csrf_token
from tests.integration.desk.test_outcomes import QUALIFYING
from tests.integration.distribution import conftest as distribution
from tests.integration.distribution.conftest import run_jobs

network, exports, pdf_text = distribution.network, distribution.exports, distribution.pdf_text

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


@pytest.fixture
def staff(session, users, auth):
    load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    session.commit()
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
    app, client, session, users, staff, tmp_path, cleaner, kind
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
    assert session.scalar(sa.select(sa.func.count(User.id))) == len(users)
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
        "/workspace/review": [script, img],
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


# Desk --------------------------------------------------------------------------------------

# On the desk every payload can arrive, formulas too (an agent types what it hears).
NOT_INTERESTED = "sql_delete"  # worked without a qualification: listed on the board
HELD = "img"  # the last one claimed stays in the agent's hands: listed on the board
DESK = [k for k in PAYLOADS if k not in (*UNSTORABLE, HELD)] + [HELD]
AGENT_NAME = '=HYPERLINK("http://evil","x") <script>alert("agent")</script>'
ZONE_NAME = '=HYPERLINK("http://evil","zona")'
CAMPAIGN_NAME = '<script>alert(1)</script> "><img src=x onerror=alert(1)> {{ 7*7 }}'


def answers(text: str) -> dict[str, str]:
    """A qualifying call whose free-text answers all carry ``text`` (cut to each field)."""
    return {**QUALIFYING, "a.company_name": text[:200], "a.contact_name": text[:120],
            "a.contact_role": text[:80]}  # fmt: skip


@pytest.fixture
def worked(app, client, session, users, auth, office_hours):
    """Payload accounts queued by the campaign service and worked on the desk over HTTP."""
    users["agent"].full_name = AGENT_NAME
    load_script(session, ROOT / "call_scripts" / "fleet_qualification.toml")
    campaign = create_campaign(
        session, code="INJ", name=CAMPAIGN_NAME, script_name="fleet_qualification"
    )
    set_status(session, campaign, CampaignStatus.ACTIVE)
    zone = factories.zone(session, code="ZX", name=ZONE_NAME)
    by_account: dict[int, str] = {}
    for n, key in enumerate(DESK):
        account = factories.account(
            session, company_name=PAYLOADS[key][:200], street="Via Roma 1", postcode="20121",
            municipality="Milano", province="MI", status=AccountStatus.READY, zone_id=zone.id,
        )  # fmt: skip
        account.phones.append(AccountPhone(raw=f"02123456{n:02}", e164=f"+3902123456{n:02}",
                                           kind=PhoneKind.FIXED, position=0))  # fmt: skip
        by_account[account.id] = key
    in_milan = segment_from_options(session, provinces=["MI"])
    assert enqueue_segment(session, campaign, in_milan).queued == len(DESK)
    session.commit()
    auth.login("agent")
    token = csrf_token(client, "/desk/")
    url = client.post(f"/desk/campaigns/{campaign.id}/next", data={"csrf_token": token})
    url = url.headers["Location"]
    seen = []
    while True:
        entry = session.get(QueueEntry, int(url.rsplit("/", 1)[1]))
        key = by_account[entry.account_id]
        seen.append(key)
        text = PAYLOADS[key]
        page = client.get(url).get_data(as_text=True)
        assert_inert_html(page, text[:200], CAMPAIGN_NAME)
        csrf = csrf_token(client, url)
        draft = {"fields": {"a.contact_name": text[:120]}, "notes": text}
        response = client.post(url + "/draft", json=draft, headers={"X-CSRFToken": csrf})
        assert response.status_code == 200, response.get_json()
        page = client.get(url).get_data(as_text=True)
        assert_inert_html(page, text[:120], text)  # the draft, back in the fields
        if key == HELD:
            break
        outcome = "not_interested" if key == NOT_INTERESTED else "qualified"
        token = re.search(r'name="client_token"[^>]*value="([0-9a-f]+)"', page).group(1)
        form = {**answers(text), "notes": text, "outcome": outcome,
                "csrf_token": csrf_token(client, url), "client_token": token}  # fmt: skip
        response = client.post(url + "/outcome", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
        url = response.headers["Location"]
    assert sorted(seen) == sorted(DESK)
    session.expire_all()
    auth.logout()
    return campaign, by_account, url


def test_desk_keeps_every_answer_as_text(session, worked) -> None:
    _, by_account, _ = worked
    qualified = {k for k in DESK if k not in (NOT_INTERESTED, HELD)}
    for account_id, key in by_account.items():
        account = session.get(Account, account_id)
        text = PAYLOADS[key].strip()
        if key not in qualified:
            assert account.company_name == PAYLOADS[key][:200]
            continue
        assert account.status == AccountStatus.QUALIFIED, key
        assert account.company_name == text[:200], key
        [contact] = account.contacts
        assert (contact.full_name, contact.job_title) == (text[:120], text[:80])
        attempt = session.scalars(sa.select(CallAttempt).where(
            CallAttempt.account_id == account_id)).one()  # fmt: skip
        assert attempt.notes == text
    assert session.scalar(sa.select(sa.func.count(Account.id))) == len(DESK)


@pytest.mark.parametrize("where", ["notes", "field", "key"])
def test_a_nul_in_a_draft_is_refused_with_a_message(client, session, worked, auth, where):
    *_, url = worked
    auth.login("agent")
    body = {"fields": {"a.contact_name": "Mario"}, "notes": "ok"}
    if where == "notes":
        body["notes"] = PAYLOADS["nul"]
    elif where == "field":
        body["fields"]["a.contact_name"] = PAYLOADS["nul"]
    else:
        body["fields"]["a.contact\x00name"] = "Mario"
    response = client.post(
        url + "/draft", json=body, headers={"X-CSRFToken": csrf_token(client, url)}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "Non è stato possibile leggere la bozza."


def test_a_nul_in_an_outcome_is_dropped(client, session, worked, auth):
    """The agent's final save is never lost: the invisible NUL is dropped, the rest kept."""
    *_, url = worked
    auth.login("agent")
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="client_token"[^>]*value="([0-9a-f]+)"', page).group(1)
    form = {**answers(PAYLOADS["nul"]), "notes": PAYLOADS["nul"], "outcome": "qualified",
            "csrf_token": csrf_token(client, url), "client_token": token}  # fmt: skip
    assert client.post(url + "/outcome", data=form).status_code == 302
    held = session.get(Account, session.get(QueueEntry, int(url.rsplit("/", 1)[1])).account_id)
    assert held.company_name == "DittaNulla" and held.contacts[0].full_name == "DittaNulla"
    attempt = session.scalars(sa.select(CallAttempt).where(
        CallAttempt.account_id == held.id)).one()  # fmt: skip
    assert attempt.notes == "DittaNulla"


# Board -------------------------------------------------------------------------------------


def test_board_pages_and_files_show_the_payloads_inert(client, session, worked, auth) -> None:
    campaign, by_account, _ = worked
    names = {key: session.get(Account, a).company_name for a, key in by_account.items()}
    agent = session.scalars(sa.select(User).where(User.username == "agent")).one()
    cache.forget()  # the board's figures of earlier tests, kept a few seconds in memory
    auth.login("supervisor")
    home = f"/board/campaigns/{campaign.id}"
    page = client.get(home).get_data(as_text=True)
    assert_inert_html(page, CAMPAIGN_NAME, names[HELD], names[NOT_INTERESTED])
    parts = client.get(home + "/parts.json").get_json()
    html = [v for v in parts.values() if isinstance(v, str) and "<" in v]
    assert html and all(assert_inert_html(part) is None for part in html)
    page = client.get(f"{home}/agents/{agent.id}").get_data(as_text=True)
    assert_inert_html(page, AGENT_NAME, names["script"], names["control"])
    page = client.get("/board/").get_data(as_text=True)
    assert_inert_html(page, CAMPAIGN_NAME)
    data = client.get("/board/data.json")
    # Other campaigns may exist (browser tests commit theirs): this one comes back intact.
    assert CAMPAIGN_NAME in [c["name"] for c in data.get_json()["campaigns"]]
    # JSON a browser never reads as a page: its type, and no sniffing (nor inline script).
    assert data.mimetype == "application/json"
    assert data.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in data.headers["Content-Security-Policy"]
    for table in ("zone", "agents", "days", "dealer", "hour"):
        text = client.get(f"{home}/{table}.csv").get_data(as_text=True).lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        for cell in (c for row in rows for c in row):
            assert_inert_cell(cell)
        book = load_workbook(io.BytesIO(client.get(f"{home}/{table}.xlsx").get_data()))
        assert_inert_workbook(book)
        if table == "zone":
            assert "'" + ZONE_NAME in rows[1][0] and ZONE_NAME in book.active["A2"].value


def assert_inert_workbook(book) -> None:
    """Text in string cells, which no spreadsheet evaluates (so it needs no quote)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type in ("s", "n", "d"), cell.coordinate


# Distribution ------------------------------------------------------------------------------

WAVE_LABEL = '<script>alert("wave")</script> ../../=1+1\x00'
SAFE_MEMBER = re.compile(r"[\w.-]+(/[\w.-]+)*")


def test_distribution_pages_and_every_exported_file_are_inert(
    app,
    client,
    session,
    worked,
    network,
    exports,
    auth,
    pdf_text,
) -> None:
    _, by_account, _ = worked
    qualified = [k for k in by_account.values() if k not in (NOT_INTERESTED, HELD)]
    auth.login("staff")
    form = {"csrf_token": csrf_token(client, "/distribution/waves/new"), "label": WAVE_LABEL,
            "per_salesperson": "50", "create": "1"}  # fmt: skip
    response = client.post("/distribution/waves/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    wave_url = response.headers["Location"]
    label = WAVE_LABEL.replace("\x00", "")  # the NUL is dropped, the rest kept as typed
    assert_inert_html(client.get(wave_url).get_data(as_text=True), label)
    token = {"csrf_token": csrf_token(client, wave_url)}
    assert client.post(wave_url + "/confirm", data=token).status_code == 302
    response = client.post(wave_url + "/export", data={**token, "locale": "it", "pdf": "y"})
    run_url = response.headers["Location"]
    run_jobs(app, session)
    page = client.get(run_url).get_data(as_text=True)
    assert_inert_html(page, label)
    assert_inert_html(client.get("/distribution/").get_data(as_text=True), label)
    with client.get(run_url + "/download") as download:  # closed: it holds the file open
        everything = zipfile.ZipFile(io.BytesIO(download.get_data()))
    members = everything.namelist()
    for name in members:  # relative, and no part of the path climbs out of the folder
        assert SAFE_MEMBER.fullmatch(name) and not {".", ".."} & set(name.split("/")), name
    texts, pdfs = [], []
    for name in members:
        body = everything.read(name)
        if name.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(body))
            assert_inert_workbook(book)
            texts += [str(c) for row in book.active.iter_rows(values_only=True) for c in row]
        elif name.endswith(".csv"):
            text = body.decode("utf-8-sig")
            crm = "/crm/" in name  # data for a program: loaded as stored, never altered
            delimiter = "," if crm else ";"
            cells = [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]
            for cell in cells if not crm else ():
                assert_inert_cell(cell)
            texts += cells
        elif name.endswith(".pdf"):
            path = exports.parent / name.replace("/", "_")
            path.write_bytes(body)
            pdfs.append(pdf_text(path))
    assert {name.rsplit(".", 1)[1] for name in members} == {"json", "csv", "xlsx", "pdf"}
    for key in qualified:  # each name in a sheet, made formula-safe where it has to be
        text = PAYLOADS[key].strip()[:200]
        assert text in texts or "'" + text in texts, key
    assert "'" + PAYLOADS["hyperlink"] in texts and label in texts
    pdf = " ".join(" ".join(p.split()) for p in pdfs)
    for key in ("script", "sql_drop", "jinja", "dollar", "hyperlink"):
        assert PAYLOADS[key] in pdf, key
    # The purchasing manager, their job title and the notes: each as text; the name as
    # people read a company's name (app.accounts.names), as text too.
    assert pdf.count(PAYLOADS["script"]) == 3
    assert company_display(PAYLOADS["script"]) in pdf
