"""Hostile company names worked on the desk, then on the board and in distribution: they
come out inert (the payloads, and what "inert" means, in tests/integration/test_injection_flow.py,
which takes them through the import).

The accounts are queued and worked on the desk over HTTP once for the module (a shared
world: seconds to build); each test reads or changes them in a savepoint of its own.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from typing import NamedTuple

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.accounts.models import Account, AccountPhone, PhoneKind
from app.accounts.names import company_display
from app.accounts.status import AccountStatus
from app.board import cache
from app.campaigns.models import CampaignStatus, QueueEntry
from app.campaigns.queueing import enqueue_segment, segment_from_options
from app.campaigns.services import create_campaign, set_status
from app.desk.models import CallAttempt
from app.scripting.services import load_script
from app.users.models import User
from config import ROOT
from tests import factories
from tests.conftest import Auth, csrf_token, in_office_hours, shared_world
from tests.integration.desk.test_outcomes import QUALIFYING
from tests.integration.distribution import conftest as distribution
from tests.integration.distribution.conftest import run_jobs
from tests.integration.test_injection_flow import (
    PAYLOADS,
    UNSTORABLE,
    assert_inert_cell,
    assert_inert_html,
)

network, exports, pdf_text = distribution.network, distribution.exports, distribution.pdf_text

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


class Worked(NamedTuple):
    campaign_id: int
    by_account: dict[int, str]  # account id -> payload key
    held_url: str  # the call page of the account the agent still holds


@pytest.fixture(scope="module")
def worked(app) -> Iterator[Worked]:
    """The payload accounts worked on the desk, in calling hours (the module's tests run in
    them too)."""
    with in_office_hours(), shared_world(app, "worked") as session:
        yield work_the_desk(app, session)


def work_the_desk(app, session) -> Worked:
    """Payload accounts queued by the campaign service and worked on the desk over HTTP."""
    users = factories.users_by_role(session)
    client = app.test_client()
    auth = Auth(client)
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
    return Worked(campaign.id, by_account, url)


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
    campaign_id, by_account, _ = worked
    names = {key: session.get(Account, a).company_name for a, key in by_account.items()}
    agent = session.scalars(sa.select(User).where(User.username == "agent")).one()
    cache.forget()  # the board's figures of earlier tests, kept a few seconds in memory
    auth.login("supervisor")
    home = f"/board/campaigns/{campaign_id}"
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
