"""Giulia sets a campaign up in the browser: creates it with its calling hours, changes an
outcome and when it sends an account back, puts a segment in its queue, activates it
through its checks; Marco finds it on his desk with the changed outcome."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.columns import utcnow
from app.extensions import db
from app.scripting.services import load_script
from config import ROOT
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def zone_accounts(live_app):
    """Two ready accounts in a zone of their own, so the segment takes them alone."""
    tag = uuid.uuid4().hex[:6].upper()
    with live_app.app_context():
        load_script(db.session, ROOT / "call_scripts" / "fleet_qualification.toml")
        zone = factories.zone(db.session, f"Z{tag}", f"Zona {tag}")
        for n in range(2):
            account = factories.account(
                db.session, company_name=f"Autotrasporti {tag} {n} SRL", zone_id=zone.id,
                province="BO", status=AccountStatus.READY,
            )  # fmt: skip
            number = f"05198765{n}0"
            account.phones.append(
                AccountPhone(raw=number, e164="+39" + number, kind=PhoneKind.FIXED)
            )
        db.session.commit()
    return {"tag": tag, "zone": f"Zona {tag}"}


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_campaign_set_up_in_the_browser_reaches_the_desk(
    page, live_app, zone_accounts, office_hours
):
    code, name = f"P{zone_accounts['tag']}", f"Pesanti {zone_accounts['tag']}"
    sign_in(page, "staff")
    page.get_by_role("link", name="Campagne", exact=True).click()
    page.get_by_role("link", name="Nuova campagna").click()

    # The form: code first, the code of conduct's hours to start from.
    expect(page.get_by_label("Codice")).to_be_focused()
    page.get_by_label("Codice").fill(code)
    page.get_by_label("Nome", exact=True).fill(name)
    page.get_by_label("Redemption obiettivo (%)").fill("62,5")
    page.locator("#hours-sat-0-start").fill("")  # no calls on Saturdays
    page.locator("#hours-sat-0-end").fill("")
    page.locator("#hours-sun-0-start").fill("10:00")  # refused: the code of conduct
    page.locator("#hours-sun-0-end").fill("12:00")
    page.locator("#hours-closed-0-day").fill("2030-12-24")
    page.get_by_role("button", name="Salva la campagna").click()
    expect(page.locator("#day-sun-error")).to_have_text(
        "Il codice di condotta vieta le chiamate la domenica"
    )
    screenshot(page, "campaign-form-refused")
    page.locator("#hours-sun-0-start").fill("")
    page.locator("#hours-sun-0-end").fill("")
    page.get_by_role("button", name="Salva la campagna").click()
    expect(page.get_by_role("status").first).to_have_text(f"Campagna {code} creata come bozza.")
    expect(page.locator('tr[data-day="sat"]')).to_contain_text("nessuna chiamata")
    expect(page.get_by_test_id("status")).to_have_text("Bozza")

    # An outcome changed: its label, its key, and when it sends the account back.
    page.get_by_role("link", name="Esiti", exact=True).click()
    busy = page.get_by_test_id("outcome-5")
    expect(busy.get_by_label("Codice")).to_have_value("busy")
    busy.get_by_label("Etichetta in italiano").fill("Linea occupata")
    busy.get_by_label("Tasto Alt").fill("l")
    busy.get_by_label("Torna in coda dopo").select_option(label="i minuti indicati qui")
    busy.get_by_label("Minuti").fill("30")
    busy.get_by_label("Al massimo (volte)").fill("3")
    screenshot(page, "campaign-outcomes")
    page.get_by_role("button", name="Salva gli esiti").click()
    expect(page.get_by_role("status").first).to_have_text("Gli esiti sono salvati.")
    expect(page.locator('tr[data-outcome="busy"]')).to_contain_text(
        "torna dopo 30 min; al massimo 3 volte, poi irraggiungibile"
    )

    # A segment in its queue: the segment builder opens with the campaign chosen.
    page.get_by_role("link", name="Metti account in coda").click()
    expect(page.locator("#campaign")).to_have_value(_campaign_id(live_app, code))
    page.get_by_label("Zone").select_option(label=zone_accounts["zone"])
    page.get_by_role("button", name="Mettile nella coda della campagna").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"2 anagrafiche messe nella coda di {name}"
    )

    # Activation, its checks written out first.
    page.get_by_role("link", name="Campagne", exact=True).click()
    page.get_by_role("link", name=name).click()
    expect(page.get_by_test_id("in-queue")).to_have_text("2")
    page.get_by_role("link", name="Attiva", exact=True).click()
    checks = page.get_by_test_id("checks")
    expect(checks.locator('[data-check="script"]')).to_have_attribute("data-level", "ok")
    expect(checks.locator('[data-check="queue"]')).to_contain_text("2 account attendono in coda.")
    screenshot(page, "campaign-activation-checks")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_role("status").first).to_have_text("Ora la campagna è: In corso.")
    screenshot(page, "campaign-page")

    # Marco finds it on his desk, with the changed outcome on its key.
    page.get_by_role("button", name="Esci").click()
    sign_in(page, "agent")
    card = page.locator("li.card", has_text=name)
    card.get_by_role("button", name="Prossimo account").click()
    page.wait_for_url("**/desk/calls/*")
    button = page.get_by_role("button", name="Linea occupata")
    expect(button).to_have_attribute("aria-keyshortcuts", "Alt+L")
    first = page.get_by_role("heading", level=1).inner_text()
    screenshot(page, "campaign-on-the-desk")
    with page.expect_navigation():
        page.keyboard.press("Alt+l")
    expect(page.get_by_role("status").first).to_have_text("Esito salvato.")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(first)
    with live_app.app_context():
        entry = db.session.scalars(
            sa.select(QueueEntry)
            .join(Campaign, Campaign.id == QueueEntry.campaign_id)
            .where(Campaign.code == code, QueueEntry.attempts == 1)
        ).one()
        assert entry.state == QueueState.WAITING
        assert abs(entry.next_call_at - (utcnow() + timedelta(minutes=30))) < timedelta(minutes=2)


def _campaign_id(live_app, code: str) -> str:
    with live_app.app_context():
        return str(db.session.scalar(sa.select(Campaign.id).where(Campaign.code == code)))
