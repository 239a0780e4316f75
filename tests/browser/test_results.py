"""Staff load a salesperson's pack sent back with a result filled in, and read the report."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.columns import utcnow
from app.distribution.loading import load_packs
from app.distribution.models import Wave, WaveAccount, WaveStatus
from app.distribution.writers.tables import pack_xlsx
from app.extensions import db
from app.results.models import AccountResult
from app.users.models import User
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def filled_pack(live_app, tmp_path):
    """A confirmed wave of one account of its own (no other test's accounts), and its pack
    as the salesperson sends it back: sold on 2 November, 2 vehicles."""
    tag = uuid.uuid4().hex[:6].upper()
    with live_app.app_context(), live_app.test_request_context(), force_locale("it"):
        zone = factories.zone(db.session, code=f"R{tag}", name=f"Zona {tag}")
        person = factories.salesperson(
            db.session, factories.dealer(db.session, zone, f"D{tag}"), code=f"{tag}-01"
        )
        agent = db.session.scalars(sa.select(User).where(User.username == "agent")).one()
        campaign = factories.campaign(db.session, code=f"R{tag}")
        account = factories.qualified(
            db.session,
            campaign,
            agent,
            company_name=f"Esiti {tag} SRL",
            ended_at=datetime(2026, 10, 1, 9, tzinfo=UTC),
        )
        wave = Wave(label=f"Ondata {tag}", status=WaveStatus.CONFIRMED, confirmed_at=utcnow())
        db.session.add(wave)
        db.session.flush()
        db.session.add(
            WaveAccount(
                wave_id=wave.id,
                account_id=account.id,
                salesperson_id=person.id,
                horizon="3",
                source="rule",
                position=0,
            )
        )
        db.session.flush()
        [pack] = load_packs(db.session, wave, [person.id])
        book = load_workbook(io.BytesIO(pack_xlsx(pack)))
        db.session.commit()
        sheet = book.active
        header = [cell.value for cell in sheet[1]]
        for column, value in (
            ("Esito", "Venduto"),
            ("Data esito", datetime(2026, 11, 2)),
            ("Veicoli venduti", 2),
        ):
            sheet.cell(row=2, column=header.index(column) + 1, value=value)
        path = tmp_path / f"{tag}-01.xlsx"
        book.save(path)
        yield {"path": path, "account_id": account.id, "key": account.key}


def test_staff_load_a_filled_pack_and_read_what_was_recorded(page, live_app, filled_pack):
    page.goto("/login")
    page.get_by_label("Nome utente").fill("staff")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Distribuzione").click()
    page.get_by_test_id("results-upload-link").click()
    page.get_by_label("File (XLSX, CSV o ODS)").set_input_files(filled_pack["path"])
    page.get_by_role("button", name="Leggi il file").click()
    expect(page.get_by_role("heading", name="Colonne del file degli esiti")).to_be_visible()
    page.get_by_role("button", name="Registra gli esiti").click()
    expect(page.get_by_test_id("results-summary")).to_contain_text("1 esito registrato.")
    expect(page.get_by_test_id("recorded")).to_contain_text(filled_pack["key"])
    expect(page.get_by_test_id("recorded")).to_contain_text("Venduto")
    with live_app.app_context():
        [result] = db.session.scalars(
            sa.select(AccountResult).where(AccountResult.account_id == filled_pack["account_id"])
        ).all()
        assert (result.outcome, result.vehicles, result.source) == ("sold", 2, "salesperson_file")
