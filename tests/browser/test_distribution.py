"""Staff build a wave, export it, watch the progress and download a salesperson's ZIP."""

from __future__ import annotations

import random
import uuid
import zipfile

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.territory.models import TerritoryRule
from app.users.models import User
from tests import factories

pytestmark = pytest.mark.browser
SALESPEOPLE = 12
EACH = 4


@pytest.fixture
def waiting(live_app):
    """Qualified accounts for a dealer of its own, under a postcode no other test uses."""
    tag = uuid.uuid4().hex[:6].upper()
    postcode = f"2{random.randrange(10_000):04d}"
    with live_app.app_context():
        zone = factories.zone(db.session, code=f"Z{tag}", name=f"Zona {tag}")
        dealer = factories.dealer(db.session, zone, code=f"D{tag}")
        people = [
            factories.salesperson(db.session, dealer, code=f"{tag}-{n:02d}")
            for n in range(SALESPEOPLE)
        ]
        db.session.add(
            TerritoryRule(province="MI", postcode_prefix=postcode, zone=zone, dealer=dealer)
        )
        agent = db.session.scalars(sa.select(User).where(User.username == "agent")).one()
        campaign = factories.campaign(db.session, code=f"W{tag}")
        for n in range(SALESPEOPLE * EACH):
            factories.qualified(
                db.session,
                campaign,
                agent,
                horizon=["3", "6", "12"][n % 3],
                province="MI",
                postcode=postcode,
                company_name=f"Trasporti {tag} {n} SRL",
            )
        db.session.commit()
        yield {"tag": tag, "first": people[0].code}


def test_staff_build_a_wave_export_it_and_download_a_salespersons_zip(page, waiting) -> None:
    page.goto("/login")
    page.get_by_label("Nome utente").fill("staff")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Distribuzione").click()
    expect(page.get_by_test_id("waiting-total")).to_be_visible()
    page.get_by_label("Nome dell’ondata").fill(f"Ondata {waiting['tag']}")  # noqa: RUF001
    page.get_by_label("Account per venditore").fill(str(EACH))
    page.get_by_role("button", name="Anteprima dell’ondata").click()  # noqa: RUF001

    preview = page.get_by_test_id("wave-preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text(waiting["first"])
    page.get_by_role("button", name="Crea l’ondata (bozza)").click()  # noqa: RUF001
    expect(page.get_by_test_id("wave-status")).to_contain_text("Bozza")
    page.get_by_role("button", name="Conferma: consegna gli account").click()
    expect(page.get_by_test_id("wave-status")).to_contain_text("Confermata")

    page.get_by_role("button", name="Esporta i file").click()
    expect(page.get_by_test_id("export-progress")).to_be_visible()
    expect(page.locator("progress")).to_be_visible()
    done = page.get_by_test_id("export-done")
    expect(done).to_be_visible(timeout=120_000)  # the page reloads itself when it ends

    with page.expect_download() as info:
        page.get_by_test_id(f"download-{waiting['first']}").click()
    path = info.value.path()
    with zipfile.ZipFile(path) as bundle:
        names = bundle.namelist()
    assert any(n.endswith(".pdf") for n in names)
    assert any(n.endswith(".xlsx") for n in names)
    assert any(n.endswith("/crm/EIM_ACCOUNT.csv") for n in names)
    assert all(n.startswith(waiting["first"].replace("-", "-")) for n in names)
